// tailtop report page: decodes the data inlined in the file (gzip + base64, DecompressionStream) and draws it
// with uPlot. No network: everything it needs is in the file. The charts share one time axis (cursor sync,
// and a setScale hook that gives every chart the range zoomed or panned on one). window.tailtopReport
// exposes the data, the charts and the heatmap cells as drawn, for tests and for the curious.
// @ts-check
/* global uPlot */
(function () {
  'use strict';

  const SYNC_KEY = 'tailtop';
  const LINE_HEIGHT = 190;
  const HEAT_HEIGHT = 230;
  const CARD_LINE_HEIGHT = 150; // a container's own charts, four to a row on a laptop
  const CARD_HEAT_HEIGHT = 180;
  const MIN_CELL_PX = 2; // heatmap columns narrower than this (CSS px) are merged
  const TOP_N = 5; // containers in the "top by" charts
  const TOP_CARDS = 3; // containers with their own charts: the top TOP_CARDS by CPU, memory and I/O
  const DASH = '—';

  /** @type {any} */
  const RT = {
    ready: false,
    error: null,
    data: null,
    /** @type {ChartEntry[]} */
    charts: [],
    /** @type {HeatEntry[]} */
    heatmaps: [],
    /** The x range every chart shows, or null for the whole report. */
    range: null,
    timings: {},
    setRange,
    resetRange,
    showContainer,
  };
  // @ts-ignore
  window.tailtopReport = RT;

  /**
   * @typedef {{ id: string, title: string, kind: 'line' | 'heatmap', group: string, u: any, el: HTMLElement,
   *   stacked: boolean, series: { label: string, source: string }[], make: () => any }} ChartEntry
   * @typedef {{ chart: ChartEntry, source: string, cells: Cell[], maxCount: number, binSteps: number,
   *   colorOf: (count: number) => string }} HeatEntry
   * @typedef {{ from: number, to: number, i0: number, i1: number, bucket: number, count: number, color: string,
   *   x: number, y: number, w: number, h: number }} Cell
   */

  // ------------------------------------------------------------------ formatting

  /** @param {number} v @param {number} [digits] */
  function fixed(v, digits) {
    const a = Math.abs(v);
    const d = digits ?? (a >= 100 ? 0 : a >= 10 ? 1 : 2);
    return v.toFixed(d);
  }
  const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  /** @param {number | null | undefined} v */
  function fmtBytes(v) {
    if (v == null || !isFinite(v)) return DASH;
    let x = Math.abs(v);
    let i = 0;
    while (x >= 1024 && i < IEC.length - 1) {
      x /= 1024;
      i++;
    }
    return `${v < 0 ? '-' : ''}${i === 0 ? x.toFixed(0) : fixed(x)} ${IEC[i]}`;
  }
  /** @param {number | null | undefined} v */
  function fmtNum(v) {
    if (v == null || !isFinite(v)) return DASH;
    const a = Math.abs(v);
    if (a >= 1e9) return `${fixed(v / 1e9)}G`;
    if (a >= 1e6) return `${fixed(v / 1e6)}M`;
    if (a >= 1e4) return `${fixed(v / 1e3)}k`;
    return a >= 100 || Number.isInteger(v) ? v.toFixed(0) : fixed(v);
  }
  /** Microseconds -> "850 µs", "1.23 ms", "1.20 s". @param {number | null | undefined} v */
  function fmtUs(v) {
    if (v == null || !isFinite(v)) return DASH;
    if (v < 1) return `${Math.round(v * 1000)} ns`;
    if (v < 1000) return `${fixed(v)} µs`;
    if (v < 1e6) return `${fixed(v / 1000)} ms`;
    return `${fixed(v / 1e6)} s`;
  }
  /** @type {Record<string, (v: number | null | undefined) => string>} */
  const FORMAT = {
    percent: (v) => (v == null || !isFinite(v) ? DASH : `${fixed(v, Math.abs(v) >= 100 ? 0 : 1)}%`),
    bytes: fmtBytes,
    bytes_per_sec: (v) => (v == null || !isFinite(v) ? DASH : `${fmtBytes(v)}/s`),
    ops_per_sec: (v) => (v == null || !isFinite(v) ? DASH : `${fmtNum(v)}/s`),
    load: (v) => (v == null || !isFinite(v) ? DASH : v.toFixed(2)),
    count: fmtNum,
    us: fmtUs,
  };
  /** @param {string} unit */
  const fmtOf = (unit) => FORMAT[unit] || fmtNum;
  /** Short forms for axis labels. @type {Record<string, (v: number) => string>} */
  const AXIS = {
    percent: (v) => `${+v.toFixed(1)}%`,
    bytes: (v) => fmtBytes(v).replace(/\.0+ /, ' '),
    bytes_per_sec: (v) => `${fmtBytes(v).replace(/\.0+ /, ' ')}/s`,
    ops_per_sec: (v) => fmtNum(v).replace(/\.0+$/, '') + '/s',
    load: (v) => `${+v.toFixed(2)}`,
    count: (v) => fmtNum(v),
    us: (v) => fmtUs(v).replace('.00 ', ' ').replace(/\.0 /, ' '),
  };

  /** @param {number} sec */
  function fmtDuration(sec) {
    const d = Math.floor(sec / 86400);
    const h = Math.floor((sec % 86400) / 3600);
    const m = Math.floor((sec % 3600) / 60);
    const s = Math.round(sec % 60);
    return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', s || (!d && !h && !m) ? `${s}s` : ''].filter(Boolean).join(' ');
  }

  // ------------------------------------------------------------------ time

  /** @type {string | undefined} */
  let zone;
  /** @type {Intl.DateTimeFormat} */
  let dtf;
  /** "2026-11-20 12:00:05" in the report's zone. @param {number} sec */
  function fmtTime(sec) {
    /** @type {Record<string, string>} */
    const p = {};
    for (const part of dtf.formatToParts(new Date(sec * 1000))) p[part.type] = part.value;
    return `${p.year}-${p.month}-${p.day} ${p.hour === '24' ? '00' : p.hour}:${p.minute}:${p.second}`;
  }
  /** @param {number} sec */
  const tzDate = (sec) => (zone ? uPlot.tzDate(new Date(sec * 1000), zone) : new Date(sec * 1000));

  // ------------------------------------------------------------------ colours (from the page's CSS)

  /** @type {Record<string, string>} */
  let C = {};
  function readColors() {
    const cs = getComputedStyle(document.documentElement);
    const v = (/** @type {string} */ n) => cs.getPropertyValue(`--${n}`).trim();
    C = {
      fg: v('fg'),
      muted: v('muted'),
      grid: v('grid'),
      bg: v('bg'),
      critical: v('alert-critical'),
      warning: v('alert-warning'),
      info: v('alert-info'),
      p50: v('p50'),
      p95: v('p95'),
      p99: v('p99'),
    };
    for (let i = 0; i < 10; i++) C[`c${i}`] = v(`c${i}`);
    heatLut = makeLut([0, 1, 2, 3, 4].map((i) => v(`heat${i}`)));
  }
  /** @param {number} i */
  const color = (i) => C[`c${i % 10}`];

  /** @param {string} hex */
  function rgbOf(hex) {
    const h = hex.replace('#', '');
    return [0, 2, 4].map((k) => parseInt(h.slice(k, k + 2), 16));
  }
  /** 64 colours interpolated through the stops. @param {string[]} stops */
  function makeLut(stops) {
    const rgb = stops.map(rgbOf);
    const out = [];
    for (let k = 0; k < 64; k++) {
      const f = (k / 63) * (rgb.length - 1);
      const a = Math.min(rgb.length - 2, Math.floor(f));
      const t = f - a;
      const c = [0, 1, 2].map((j) => Math.round(rgb[a][j] + (rgb[a + 1][j] - rgb[a][j]) * t));
      out.push(`rgb(${c[0]}, ${c[1]}, ${c[2]})`);
    }
    return out;
  }
  /** @type {string[]} */
  let heatLut = [];

  // ------------------------------------------------------------------ DOM helpers (text only: never HTML)

  /**
   * @param {string} tag @param {Record<string, any>} [attrs] @param {(Node | string | null | undefined)[]} [kids]
   * @returns {HTMLElement}
   */
  function h(tag, attrs, kids) {
    const el = document.createElement(tag);
    if (attrs)
      for (const [k, v] of Object.entries(attrs)) {
        if (v == null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, String(v));
      }
    if (kids) for (const c of kids) if (c != null) el.append(c);
    return el;
  }

  // ------------------------------------------------------------------ figure names

  /** @type {Record<string, string>} */
  const LABELS = {
    'host.cpu.percent': 'CPU busy',
    'host.cpu.user': 'user',
    'host.cpu.nice': 'nice',
    'host.cpu.system': 'system',
    'host.cpu.iowait': 'iowait',
    'host.cpu.irq': 'irq',
    'host.cpu.softirq': 'softirq',
    'host.cpu.steal': 'steal',
    'host.memory.used': 'used',
    'host.memory.cached': 'cached',
    'host.memory.buffers': 'buffers',
    'host.memory.available': 'available',
    'host.swap.used': 'swap used',
    'host.load1': '1 min',
    'host.load5': '5 min',
    'host.load15': '15 min',
    'host.load1_per_cpu': '1 min per CPU',
    'host.memory.used_percent': 'used %',
    'host.pressure.cpu.some': 'cpu some',
    'host.pressure.memory.some': 'memory some',
    'host.pressure.memory.full': 'memory full',
    'host.pressure.io.some': 'io some',
    'host.pressure.io.full': 'io full',
    'host.pressure.cpu.full': 'cpu full',
    'disk.read.bytes_per_sec': 'read',
    'disk.write.bytes_per_sec': 'write',
    'disk.read.iops': 'read ops',
    'disk.write.iops': 'write ops',
    'disk.util_percent': 'utilisation',
    'net.rx.bytes_per_sec': 'received',
    'net.tx.bytes_per_sec': 'sent',
    'net.rx.errors_per_sec': 'receive errors',
    'net.rx.drops_per_sec': 'receive drops',
    'net.tx.errors_per_sec': 'send errors',
    'net.tx.drops_per_sec': 'send drops',
    'container.cpu_percent': 'CPU',
    'container.memory.used': 'memory used',
    'container.block.read.bytes_per_sec': 'read',
    'container.block.write.bytes_per_sec': 'write',
    'container.net.rx.bytes_per_sec': 'received',
    'container.net.tx.bytes_per_sec': 'sent',
    'container.pids': 'pids',
    'container.cpu_limit_percent': 'CPU, % of limit',
    'container.throttled_percent': 'throttled',
    'container.memory.percent': 'memory, % of limit',
  };
  /** @param {string} id */
  const label = (id) => LABELS[id] || id;

  /** Host charts: which figures each draws. Host figures in none of them get a chart of their unit. */
  const HOST_CHARTS = [
    { id: 'host.cpu', title: 'CPU by mode', note: '% of the whole machine, stacked', unit: 'percent', stacked: true, figures: ['host.cpu.user', 'host.cpu.nice', 'host.cpu.system', 'host.cpu.iowait', 'host.cpu.irq', 'host.cpu.softirq', 'host.cpu.steal'] },
    { id: 'host.memory', title: 'Memory', unit: 'bytes', figures: ['host.memory.used', 'host.memory.cached', 'host.memory.buffers', 'host.memory.available', 'host.swap.used'] },
    { id: 'host.load', title: 'Load average', unit: 'load', figures: ['host.load1', 'host.load5', 'host.load15'] },
    { id: 'host.pressure', title: 'Pressure stall information', note: '% of time stalled', unit: 'percent', figures: ['host.pressure.cpu.some', 'host.pressure.cpu.full', 'host.pressure.memory.some', 'host.pressure.memory.full', 'host.pressure.io.some', 'host.pressure.io.full'] },
  ];
  const CHARTED_ALONE = new Set(['host.cpu.percent']); // in the summary; the stacked modes already show it

  // ------------------------------------------------------------------ data decoding

  /** @param {string} b64 */
  function bytesOf(b64) {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /** @param {string} b64 */
  async function gunzipJson(b64) {
    const stream = new Blob([bytesOf(b64)]).stream().pipeThrough(new DecompressionStream('gzip'));
    return JSON.parse(await new Response(stream).text());
  }

  /** The main document, and each heatmap's columns from its own piece (the size budget may have left some out). */
  async function decode() {
    const el = document.getElementById('tailtop-data');
    if (!el || !el.textContent) throw new Error('the report has no data element');
    const pieces = [...document.querySelectorAll('script[data-heat]')];
    const [doc, ...heat] = await Promise.all([gunzipJson(el.textContent), ...pieces.map((p) => gunzipJson(p.textContent || ''))]);
    /** @type {Map<number, any>} */
    const byRank = new Map(pieces.map((p, k) => [Number(p.getAttribute('data-heat')), heat[k]]));
    const r = doc.report;
    const lats = [...(r.runq ? [r.runq] : []), ...r.disks.flatMap((/** @type {any} */ d) => d.latency), ...r.containers.flatMap((/** @type {any} */ c) => c.latency)];
    for (const l of lats) {
      l.columns = l.heat == null ? null : byRank.get(l.heat) || null;
      l.dropped = l.heat == null ? 'source' : l.columns ? null : 'budget';
    }
    return doc;
  }

  /** Runs [first, n, c0..c(n-1), ...] -> the column's pairs. @param {number[] | null} runs */
  function pairsOf(runs) {
    /** @type {[number, number][]} */
    const out = [];
    if (!runs) return out;
    for (let k = 0; k + 1 < runs.length; k += 2 + runs[k + 1]) {
      for (let j = 0; j < runs[k + 1]; j++) if (runs[k + 2 + j] > 0) out.push([runs[k] + j, runs[k + 2 + j]]);
    }
    return out;
  }

  // ------------------------------------------------------------------ charts

  /** @type {any} */
  let D; // the report
  /** @type {{ lowerUs: number[], upperUs: number[] }} */
  let BUCKETS;
  /** @type {number[]} */
  let T; // the time axis

  /** @param {HTMLElement} el */
  function widthOf(el) {
    return Math.max(240, Math.floor(el.clientWidth || 600));
  }

  let syncing = false;
  /** Give every chart the x range just set on one. @param {any} u @param {string} key */
  function onSetScale(u, key) {
    if (key !== 'x' || syncing) return;
    const { min, max } = u.scales.x;
    if (min == null || max == null) return;
    const full = min <= T[0] && max >= T[T.length - 1];
    RT.range = full ? null : { min, max };
    syncing = true;
    try {
      for (const c of RT.charts) {
        if (c.u === u || !c.u) continue;
        const x = c.u.scales.x;
        if (x.min !== min || x.max !== max) c.u.setScale('x', { min, max });
      }
    } finally {
      syncing = false;
    }
    showRange();
  }

  /** Alert intervals as bands across the plot, under the series. @param {any} u */
  function drawAlerts(u) {
    if (!D.alerts.length) return;
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    for (const a of D.alerts) {
      const x0 = u.valToPos(a.from, 'x', true);
      const x1 = u.valToPos(a.to ?? D.range.to, 'x', true);
      if (x1 < left || x0 > left + width) continue;
      ctx.globalAlpha = 0.13;
      ctx.fillStyle = C[a.severity] || C.warning;
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
      ctx.globalAlpha = 0.9;
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), 3 * devicePixelRatio);
    }
    ctx.restore();
  }

  /** Binary steps for byte axes (4 GiB, 8 GiB rather than 4.66 GiB): 1, 2, 5 ... 512 of each unit. */
  /** @type {number[]} */
  const BYTE_INCRS = [];
  for (let k = 0; k < 6; k++) for (const m of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) BYTE_INCRS.push(m * 1024 ** k);

  /** Time ticks in the report's zone, 24-hour: "14:00", the date under the first tick of each day. */
  function timeValues(/** @type {any} */ _u, /** @type {number[]} */ splits, /** @type {number} */ _ax, /** @type {number} */ _space, /** @type {number} */ incr) {
    let day = '';
    return splits.map((v) => {
      if (v == null) return '';
      const t = fmtTime(v);
      const d = t.slice(5, 10);
      if (incr >= 86400) return d;
      const hm = incr < 60 ? t.slice(11, 19) : t.slice(11, 16);
      if (d === day) return hm;
      day = d;
      return `${hm}\n${d}`;
    });
  }

  /** Axis width from its longest label, so no label is cut. @param {any} u @param {string[] | null} values */
  function axisSize(u, values) {
    const longest = (values || []).reduce((m, v) => Math.max(m, String(v).length), 0);
    return Math.ceil(longest * 7 + 18);
  }

  /** @param {string} unit */
  function axes(unit) {
    const fmt = AXIS[unit] || fmtNum;
    /** @type {any} */
    const y = { stroke: C.muted, grid: { stroke: C.grid, width: 1 }, ticks: { stroke: C.grid, width: 1 }, size: axisSize, values: (/** @type {any} */ _u, /** @type {number[]} */ splits) => splits.map((v) => (v == null ? '' : fmt(v))) };
    if (unit === 'bytes' || unit === 'bytes_per_sec') y.incrs = BYTE_INCRS;
    return [{ stroke: C.muted, grid: { stroke: C.grid, width: 1 }, ticks: { stroke: C.grid, width: 1 }, values: timeValues, space: 60 }, y];
  }

  /** Options every chart shares. @param {number} width @param {number} height */
  function baseOpts(width, height) {
    return {
      width,
      height,
      tzDate,
      cursor: { sync: { key: SYNC_KEY, setSeries: false }, drag: { x: true, y: false, setScale: true }, focus: { prox: 16 } },
      legend: { live: true },
      scales: { x: { time: true } },
      hooks: { setScale: [onSetScale], drawClear: [drawAlerts] },
    };
  }

  /**
   * A time-series chart. `lines` carry their values and where they came from (`source`, for tests).
   * @param {HTMLElement} host
   * @param {{ id: string, title: string, note?: string, unit: string, group: string, stacked?: boolean, height?: number,
   *   lines: { label: string, source: string, values: (number | null)[] }[] }} spec
   */
  function lineChart(host, spec) {
    const fmt = fmtOf(spec.unit);
    const box = h('figure', { class: 'chart', 'data-chart': spec.id }, [
      h('figcaption', {}, [h('span', { class: 'title', text: spec.title }), spec.note ? h('span', { class: 'note', text: spec.note }) : null]),
    ]);
    const plot = h('div', { class: 'plot' });
    box.append(plot);
    host.append(box);
    const raw = spec.lines.map((l) => l.values);
    /** @type {(number | null)[][]} */
    let drawn = raw;
    if (spec.stacked) {
      const acc = new Float64Array(T.length);
      drawn = raw.map((vals) =>
        vals.map((v, i) => {
          if (v == null) return null;
          acc[i] += v;
          return acc[i];
        }),
      );
    }
    /** @type {ChartEntry} */
    const entry = { id: spec.id, title: spec.title, kind: 'line', group: spec.group, u: null, el: plot, stacked: !!spec.stacked, series: spec.lines.map((l) => ({ label: l.label, source: l.source })), make };
    function make() {
      const opts = /** @type {any} */ (baseOpts(widthOf(plot), spec.height || LINE_HEIGHT));
      opts.axes = axes(spec.unit);
      opts.scales.y = { range: (/** @type {any} */ _u, /** @type {number} */ min, /** @type {number} */ max) => [Math.min(0, min ?? 0), max > 0 ? max * 1.06 : 1] };
      opts.series = [
        { value: (/** @type {any} */ _u, /** @type {number} */ v) => (v == null ? DASH : fmtTime(v)) },
        ...spec.lines.map((l, k) => ({
          label: l.label,
          stroke: color(k),
          width: 1.5,
          fill: spec.stacked ? color(k) + '88' : undefined,
          points: { show: false },
          value: (/** @type {any} */ _u, /** @type {any} */ _v, /** @type {number} */ _si, /** @type {number | null} */ di) => (di == null ? DASH : fmt(raw[k][di])),
        })),
      ];
      if (spec.stacked) opts.bands = spec.lines.slice(1).map((_, k) => ({ series: [k + 2, k + 1] }));
      return new uPlot(opts, [T, ...drawn], plot);
    }
    register(entry);
    return entry;
  }

  /** Make a chart's uPlot; one made while zoomed (a picked container, a theme change) takes the range. @param {ChartEntry} entry */
  function build(entry) {
    entry.u = entry.make();
    if (RT.range) entry.u.setScale('x', RT.range);
  }

  /** @param {ChartEntry} entry */
  function register(entry) {
    build(entry);
    RT.charts.push(entry);
  }

  /** Smallest and largest latency (µs) carried by a heatmap's columns. @param {any} lat */
  function latencyExtent(lat) {
    let lo = Infinity;
    let hi = 0;
    for (const col of lat.columns || []) {
      if (!col) continue;
      for (let k = 0; k + 1 < col.length; k += 2 + col[k + 1]) {
        const first = col[k];
        const last = first + col[k + 1] - 1;
        lo = Math.min(lo, Math.max(BUCKETS.lowerUs[first], BUCKETS.upperUs[first] / 2));
        hi = Math.max(hi, BUCKETS.upperUs[last]);
      }
    }
    for (const line of [lat.p50, lat.p99])
      for (const v of line) if (v != null && v > 0) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    if (!(hi > 0)) return [1, 1000];
    return [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
  }

  /** Index of the first time >= t. @param {number} t */
  function lowerBound(t) {
    let lo = 0;
    let hi = T.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (T[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** End of step i (the next step's start, or one step on for the last). @param {number} i */
  const stepEnd = (i) => (i + 1 < T.length ? Math.min(T[i + 1], T[i] + D.stepSec) : T[i] + D.stepSec);

  /**
   * Gregg's latency heatmap: time across, log latency up, colour = requests in the cell; the p50/p95/p99
   * lines over it. Columns narrower than MIN_CELL_PX are merged (their counts summed) so that every drawn
   * cell is visible; the cells as drawn are kept in the entry for readers.
   * @param {HTMLElement} host @param {any} lat
   * @param {{ id: string, title: string, note?: string, group: string, source: string, height?: number }} spec
   */
  function heatmapChart(host, lat, spec) {
    const box = h('figure', { class: 'chart heat', 'data-chart': spec.id }, [
      h('figcaption', {}, [h('span', { class: 'title', text: spec.title }), spec.note ? h('span', { class: 'note', text: spec.note }) : null]),
    ]);
    const plot = h('div', { class: 'plot' });
    const readout = h('div', { class: 'readout', text: ' ' });
    const scale = h('div', { class: 'heat-scale' }, [h('span', { class: 'lo', text: '' }), h('span', { class: 'bar' }), h('span', { class: 'hi', text: '' })]);
    box.append(plot, h('div', { class: 'heat-foot' }, [scale, readout]));
    if (!lat.columns) {
      box.append(
        h('p', {
          class: 'dropped',
          text:
            lat.dropped === 'budget'
              ? 'Heatmap left out to keep the file under its size limit: the p50/p95/p99 lines are exact.'
              : 'No heatmap columns were recorded: the p50/p95/p99 lines are shown.',
        }),
      );
    }
    host.append(box);
    const cols = (lat.columns || []).map(pairsOf);
    const [ylo, yhi] = latencyExtent(lat);
    /** @type {HeatEntry} */
    const heat = { chart: /** @type {any} */ (null), source: spec.source, cells: [], maxCount: 0, binSteps: 1, colorOf: () => '' };
    const lines = ['p50', 'p95', 'p99'];
    /** @type {ChartEntry} */
    const entry = { id: spec.id, title: spec.title, kind: 'heatmap', group: spec.group, u: null, el: plot, stacked: false, series: lines.map((p) => ({ label: p, source: `${spec.source}#${p}` })), make };
    heat.chart = entry;

    /** @param {any} u */
    function drawCells(u) {
      const { ctx } = u;
      const { left, top, width, height } = u.bbox;
      const xmin = u.scales.x.min;
      const xmax = u.scales.x.max;
      let first = Math.max(0, lowerBound(xmin) - 1);
      const last = Math.min(T.length - 1, lowerBound(xmax));
      const pxPerStep = (u.valToPos(T[0] + D.stepSec, 'x', true) - u.valToPos(T[0], 'x', true)) / devicePixelRatio;
      const g = Math.max(1, Math.ceil(MIN_CELL_PX / Math.max(pxPerStep, 1e-9)));
      first = Math.floor(first / g) * g;
      const acc = new Float64Array(BUCKETS.lowerUs.length);
      /** @type {Cell[]} */
      const cells = [];
      let max = 0;
      const ymin = u.scales.y.min;
      for (let b = first; b <= last; b += g) {
        const end = Math.min(T.length - 1, b + g - 1);
        /** @type {number[]} */
        const touched = [];
        for (let i = b; i <= end; i++)
          for (const [k, c] of cols[i] || []) {
            if (acc[k] === 0) touched.push(k);
            acc[k] += c;
          }
        if (!touched.length) continue;
        touched.sort((a, z) => a - z);
        const to = stepEnd(end);
        const x0 = Math.round(u.valToPos(T[b], 'x', true));
        const x1 = Math.round(u.valToPos(to, 'x', true));
        for (const k of touched) {
          const count = acc[k];
          acc[k] = 0;
          const y0 = Math.round(u.valToPos(Math.min(BUCKETS.upperUs[k], yhi), 'y', true));
          const y1 = Math.round(u.valToPos(Math.max(BUCKETS.lowerUs[k], ymin), 'y', true));
          cells.push({ from: T[b], to, i0: b, i1: end, bucket: k, count, color: '', x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) });
          if (count > max) max = count;
        }
      }
      // Square root of the share of the busiest cell: the modes stand out, a lone slow request still shows.
      const colorOf = (/** @type {number} */ c) => heatLut[Math.max(1, Math.min(63, Math.ceil(Math.sqrt(c / max) * 63)))];
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, top, width, height);
      ctx.clip();
      for (const cell of cells) {
        cell.color = colorOf(cell.count);
        ctx.fillStyle = cell.color;
        ctx.fillRect(cell.x, cell.y, cell.w, cell.h);
      }
      ctx.restore();
      heat.cells = cells;
      heat.maxCount = max;
      heat.binSteps = g;
      heat.colorOf = colorOf;
      /** @type {HTMLElement} */ (scale.querySelector('.lo')).textContent = max ? '1' : '';
      /** @type {HTMLElement} */ (scale.querySelector('.hi')).textContent = max ? `${fmtNum(max)} requests${g > 1 ? ` per ${fmtDuration(g * D.stepSec)}` : ''}` : 'no requests in view';
      /** @type {HTMLElement} */ (scale.querySelector('.bar')).style.background = `linear-gradient(to right, ${heatLut[1]}, ${heatLut[32]}, ${heatLut[63]})`;
    }

    /** @param {any} u */
    function onCursor(u) {
      const { left, top } = u.cursor;
      if (left == null || left < 0) {
        readout.textContent = ' ';
        return;
      }
      const x = (left + u.bbox.left / devicePixelRatio) * devicePixelRatio;
      const y = (top + u.bbox.top / devicePixelRatio) * devicePixelRatio;
      const cell = heat.cells.find((c) => x >= c.x && x < c.x + c.w && y >= c.y && y < c.y + c.h);
      readout.textContent = cell
        ? `${fmtTime(cell.from)} to ${fmtTime(cell.to).slice(11)} · ${fmtUs(BUCKETS.lowerUs[cell.bucket])} to ${fmtUs(BUCKETS.upperUs[cell.bucket])} · ${cell.count.toLocaleString('en')} requests`
        : ' ';
    }

    function make() {
      const opts = /** @type {any} */ (baseOpts(widthOf(plot), spec.height || HEAT_HEIGHT));
      opts.axes = axes('us');
      opts.scales.y = { distr: 3, log: 10, range: () => [ylo, yhi] };
      opts.hooks.drawAxes = [drawCells];
      opts.hooks.setCursor = [onCursor];
      opts.series = [
        { value: (/** @type {any} */ _u, /** @type {number} */ v) => (v == null ? DASH : fmtTime(v)) },
        ...lines.map((p) => ({ label: p, stroke: C[p], width: p === 'p99' ? 2 : 1.5, dash: p === 'p50' ? [4, 3] : undefined, points: { show: false }, value: (/** @type {any} */ _u, /** @type {number | null} */ v) => fmtUs(v) })),
      ];
      return new uPlot(opts, [T, lat.p50, lat.p95, lat.p99], plot);
    }
    register(entry);
    RT.heatmaps.push(heat);
    return entry;
  }

  // ------------------------------------------------------------------ page sections

  /** @param {any[]} series @param {string} id */
  const find = (series, id) => series.find((s) => s.id === id);

  /** @param {string} title @param {string} [id] @param {string} [note] */
  function section(title, id, note) {
    const s = h('section', { id }, [h('h2', { text: title }), note ? h('p', { class: 'note', text: note }) : null]);
    document.getElementById('report')?.append(s);
    return s;
  }
  function grid() {
    return h('div', { class: 'grid' });
  }

  /** @param {Record<string, any>} r */
  function recordedText(r) {
    return r.on ? 'on' : `off${r.reason ? ` (${r.reason})` : ''}`;
  }

  function header() {
    const r = D;
    const dropped = allLatencies().filter((l) => l.dropped === 'budget').length;
    /** @type {[string, string][]} */
    const facts = [
      ['Range', `${fmtTime(r.range.from)} to ${fmtTime(r.range.to)} (${fmtDuration(r.range.to - r.range.from)})`],
      ['Times in', zone ? `${zone}${zone === Intl.DateTimeFormat().resolvedOptions().timeZone ? '' : " (the host's zone)"}` : `${Intl.DateTimeFormat().resolvedOptions().timeZone} (this browser's zone)`],
      ['Resolution', `${fmtDuration(r.stepSec)} steps; window statistics over ${fmtDuration(r.sampleIntervalSec)} samples`],
      ['Host', `${r.host.hostname}${r.host.os ? `, ${r.host.os}` : ''}`],
      ['Kernel', r.host.kernel],
      ['CPU', `${r.host.cpuModel ?? DASH}${r.host.cpus ? ` × ${r.host.cpus}` : ''}`],
      ['Memory', fmtBytes(r.host.memoryTotalBytes)],
      ['eBPF latency', recordedText(r.recorded.ebpf)],
      ['Containers', `${recordedText(r.recorded.containers)}${r.containerFilter ? `: ${r.containerFilter.matched} of ${r.containerFilter.total} matching ${r.containerFilter.selectors.join(', ')}` : r.recorded.containers.on ? `: ${r.containers.length}` : ''}`],
      ['Processes', recordedText(r.recorded.processes)],
      ['tailtop', `${r.tailtopVersion}, report made ${fmtTime(r.generatedAt)}`],
    ];
    if (dropped) facts.push(['Size limit', `${dropped} heatmap${dropped > 1 ? 's' : ''} carried as percentile lines only`]);
    const dl = h('dl', { class: 'facts' });
    for (const [k, v] of facts) dl.append(h('div', {}, [h('dt', { text: k }), h('dd', { text: v })]));
    const tools = h('div', { class: 'tools' }, [
      h('span', { class: 'range', id: 'view-range', text: '' }),
      h('button', { type: 'button', onclick: () => panBy(-0.5), title: 'Pan back by half the view', text: '◀' }),
      h('button', { type: 'button', onclick: () => zoomBy(2), title: 'Zoom out', text: 'Zoom out' }),
      h('button', { type: 'button', onclick: () => panBy(0.5), title: 'Pan forward by half the view', text: '▶' }),
      h('button', { type: 'button', onclick: resetRange, title: 'Show the whole range', text: 'Whole range' }),
      h('span', { class: 'hint', text: 'Drag across any chart to zoom; double-click to reset. All charts follow.' }),
    ]);
    const top = h('header', {}, [h('h1', {}, ['tailtop report ', h('span', { class: 'host', text: r.host.hostname })]), dl]);
    document.getElementById('report')?.append(top);
    return tools;
  }

  function allLatencies() {
    return [...D.disks.flatMap((/** @type {any} */ d) => d.latency), ...(D.runq ? [D.runq] : []), ...D.containers.flatMap((/** @type {any} */ c) => c.latency)];
  }

  function alertsSection() {
    if (!D.alerts.length) return;
    const s = section('Alerts', 'alerts', 'Marked on every chart as shaded intervals.');
    const rows = D.alerts.map((/** @type {any} */ a) =>
      h('tr', { class: `sev-${a.severity}` }, [
        h('td', {}, [h('span', { class: `badge ${a.severity}`, text: a.severity })]),
        h('td', { text: a.name }),
        h('td', { text: a.subject ?? '' }),
        h('td', { text: fmtTime(a.from) }),
        h('td', { text: a.to == null ? 'still firing' : `${fmtTime(a.to)} (${fmtDuration(a.to - a.from)})` }),
        h('td', { text: a.message }),
      ]),
    );
    s.append(h('table', { class: 'data' }, [h('thead', {}, [h('tr', {}, ['Severity', 'Rule', 'On', 'From', 'To', 'Message'].map((t) => h('th', { text: t })))]), h('tbody', {}, rows)]));
  }

  /** A small table of window statistics. @param {string} caption @param {any[]} series */
  function statsTable(caption, series) {
    const rows = series.map((x) => {
      const st = x.stats;
      const f = fmtOf(x.unit);
      return h('tr', { 'data-figure': x.id }, [h('td', { text: label(x.id), title: x.id }), ...['avg', 'max', 'p95', 'p99'].map((k) => h('td', { class: 'num', text: st ? f(st[k]) : DASH }))]);
    });
    return h('table', { class: 'data stats' }, [
      h('caption', { text: caption }),
      h('thead', {}, [h('tr', {}, ['', 'avg', 'max', 'p95', 'p99'].map((t) => h('th', { text: t })))]),
      h('tbody', {}, rows),
    ]);
  }

  function summarySection() {
    const s = section('Summary', 'summary', `Window statistics over the whole range, from the recorded samples (${fmtDuration(D.sampleIntervalSec)} apart). Hover a figure for its id.`);
    const tables = h('div', { class: 'tables' });
    s.append(tables);
    const groups = [
      ['CPU (% of machine)', 'host.cpu.'],
      ['Memory', 'host.memory.', 'host.swap.'],
      ['Load', 'host.load'],
      ['Pressure (% of time)', 'host.pressure.'],
    ];
    const seen = new Set();
    for (const [caption, ...prefixes] of groups) {
      const xs = D.series.filter((/** @type {any} */ x) => prefixes.some((p) => x.id.startsWith(p)));
      xs.forEach((/** @type {any} */ x) => seen.add(x));
      if (xs.length) tables.append(statsTable(caption, xs));
    }
    const rest = D.series.filter((/** @type {any} */ x) => !seen.has(x));
    if (rest.length) tables.append(statsTable('Other host figures', rest));
    for (const d of D.disks) tables.append(statsTable(`Disk ${d.name}`, d.series));
    const counted = D.disks.filter((/** @type {any} */ d) => d.totals);
    if (counted.length) {
      tables.append(
        h('table', { class: 'data stats totals' }, [
          h('caption', { text: 'Disk requests completed over the range (/proc/diskstats counters)' }),
          h('thead', {}, [h('tr', {}, ['', 'reads', 'writes', 'read', 'written'].map((t) => h('th', { text: t })))]),
          h(
            'tbody',
            {},
            counted.map((/** @type {any} */ d) =>
              h('tr', { 'data-disk-totals': d.name }, [
                h('td', { text: d.name }),
                h('td', { class: 'num', 'data-k': 'reads', text: String(d.totals.reads) }),
                h('td', { class: 'num', 'data-k': 'writes', text: String(d.totals.writes) }),
                h('td', { class: 'num', text: fmtBytes(d.totals.readBytes) }),
                h('td', { class: 'num', text: fmtBytes(d.totals.writeBytes) }),
              ]),
            ),
          ),
        ]),
      );
    }
    for (const n of D.net) tables.append(statsTable(`Network ${n.name}`, n.series));
    const lats = [...D.disks.flatMap((/** @type {any} */ d) => d.latency.map((/** @type {any} */ l) => [d.name, l])), ...(D.runq ? [['all tasks', D.runq]] : [])];
    if (lats.length) {
      const lrows = lats.map(([who, l]) =>
        h('tr', { 'data-latency': `${who}/${l.id}${l.op ? `:${l.op}` : ''}` }, [
          h('td', { text: who }),
          h('td', { text: l.kind === 'runq' ? 'run queue' : l.op }),
          h('td', { class: 'num', text: fmtNum(l.total.count) }),
          ...['p50', 'p95', 'p99', 'p999', 'max'].map((k) => h('td', { class: 'num', text: fmtUs(l.total[k]) })),
        ]),
      );
      tables.append(
        h('table', { class: 'data stats latency' }, [
          h('caption', { text: 'Latency (eBPF histograms merged over the range)' }),
          h('thead', {}, [h('tr', {}, ['', '', 'requests', 'p50', 'p95', 'p99', 'p99.9', 'max'].map((t) => h('th', { text: t })))]),
          h('tbody', {}, lrows),
        ]),
      );
    }
  }

  function hostSection() {
    const s = section('Host', 'host');
    const g = grid();
    s.append(g);
    const used = new Set(CHARTED_ALONE);
    for (const c of HOST_CHARTS) {
      const lines = c.figures.map((id) => find(D.series, id)).filter(Boolean);
      lines.forEach((x) => used.add(x.id));
      if (!lines.length) continue;
      lineChart(g, { id: c.id, title: c.title, note: c.note, unit: c.unit, group: 'host', stacked: c.stacked, lines: lines.map((x) => ({ label: label(x.id), source: `host/${x.id}`, values: x.values })) });
    }
    // Figures no chart above knows (a newer catalogue): one chart per unit.
    /** @type {Map<string, any[]>} */
    const rest = new Map();
    for (const x of D.series) if (!used.has(x.id)) rest.set(x.unit, [...(rest.get(x.unit) || []), x]);
    for (const [unit, xs] of rest) lineChart(g, { id: `host.other.${unit}`, title: `Other host figures (${unit})`, unit, group: 'host', lines: xs.map((x) => ({ label: x.id, source: `host/${x.id}`, values: x.values })) });
    for (const n of D.net) {
      lineChart(g, { id: `net.${n.name}`, title: `Network ${n.name}`, unit: 'bytes_per_sec', group: `net:${n.name}`, lines: n.series.map((/** @type {any} */ x) => ({ label: label(x.id), source: `net:${n.name}/${x.id}`, values: x.values })) });
    }
    if (D.runq) heatmapChart(g, D.runq, { id: 'host.runq', title: 'Run-queue latency, all tasks', note: 'wakeup → running', group: 'host', source: 'host/runq' });
  }

  function diskSection() {
    if (!D.disks.length) return;
    const s = section('Disks', 'disks', D.recorded.ebpf.on ? 'Latency is issue → complete per request (eBPF block tracepoints), in log-linear buckets 12.5% wide.' : `No latency heatmaps: eBPF was ${recordedText(D.recorded.ebpf)}.`);
    for (const d of D.disks) {
      const g = grid();
      s.append(h('h3', { text: `${d.name}`, title: `figures from ${d.source}` }), g);
      /** @param {string[]} ids */
      const pick = (ids) => ids.map((id) => find(d.series, id)).filter(Boolean);
      const tp = pick(['disk.read.bytes_per_sec', 'disk.write.bytes_per_sec']);
      const ops = pick(['disk.read.iops', 'disk.write.iops']);
      if (tp.length) lineChart(g, { id: `disk.${d.name}.throughput`, title: `${d.name} throughput`, note: d.source, unit: 'bytes_per_sec', group: `disk:${d.name}`, lines: tp.map((x) => ({ label: label(x.id), source: `disk:${d.name}/${x.id}`, values: x.values })) });
      if (ops.length) lineChart(g, { id: `disk.${d.name}.iops`, title: `${d.name} IOPS`, note: d.source, unit: 'ops_per_sec', group: `disk:${d.name}`, lines: ops.map((x) => ({ label: label(x.id), source: `disk:${d.name}/${x.id}`, values: x.values })) });
      for (const l of d.latency) {
        heatmapChart(g, l, { id: `disk.${d.name}.${l.op || l.kind}.latency`, title: `${d.name} ${l.op || l.kind} latency`, note: `p99 ${fmtUs(l.total.p99)} over ${fmtNum(l.total.count)} requests`, group: `disk:${d.name}`, source: `disk:${d.name}/${l.id}${l.op ? `:${l.op}` : ''}` });
      }
    }
  }

  /** @param {any} c @param {string} id */
  const avg = (c, id) => find(c.series, id)?.stats?.avg ?? 0;
  /** @param {any} c */
  const ioOf = (c) => avg(c, 'container.block.read.bytes_per_sec') + avg(c, 'container.block.write.bytes_per_sec');
  /** @param {any[]} list @param {(c: any) => number} key */
  const topBy = (list, key) => [...list].sort((a, b) => key(b) - key(a));

  /** @param {any} c */
  function shortName(c) {
    return c.name || c.id.slice(0, 12);
  }

  /** A container's own charts. @param {HTMLElement} host @param {any} c @param {string} group */
  function containerCard(host, c, group) {
    const labels = Object.entries(c.labels).filter(([k]) => /compose\.(project|service)$/.test(k) || !k.startsWith('com.docker.'));
    const card = h('div', { class: 'card', 'data-container': c.id }, [
      h('h3', {}, [h('span', { text: shortName(c) }), h('span', { class: 'id', text: c.id.slice(0, 12) })]),
      h('p', { class: 'meta', text: `${c.image}${labels.length ? ' · ' + labels.map(([k, v]) => `${k.replace('com.docker.compose.', 'compose.')}=${v}`).join(' · ') : ''}${c.firstSeen > D.range.from + D.stepSec ? ` · first seen ${fmtTime(c.firstSeen)}` : ''}` }),
    ]);
    const g = grid();
    card.append(g);
    host.append(card);
    /** @param {string} id @param {string} title @param {string} unit @param {string[]} ids @param {string} [note] */
    const chart = (id, title, unit, ids, note) => {
      const xs = ids.map((f) => find(c.series, f)).filter(Boolean);
      if (xs.length) lineChart(g, { id: `${group}.${id}`, title, note, unit, group, height: CARD_LINE_HEIGHT, lines: xs.map((x) => ({ label: label(x.id), source: `container:${c.id}/${x.id}`, values: x.values })) });
    };
    chart('cpu', 'CPU', 'percent', ['container.cpu_percent'], '100% = one core');
    chart('memory', 'Memory', 'bytes', ['container.memory.used']);
    chart('block', 'Block I/O', 'bytes_per_sec', ['container.block.read.bytes_per_sec', 'container.block.write.bytes_per_sec']);
    chart('net', 'Network', 'bytes_per_sec', ['container.net.rx.bytes_per_sec', 'container.net.tx.bytes_per_sec']);
    for (const l of c.latency) {
      const what = l.kind === 'runq' ? 'run-queue' : `${l.op} I/O`;
      heatmapChart(g, l, { id: `${group}.${l.id}${l.op ? `.${l.op}` : ''}`, title: `${what} latency`, note: `p99 ${fmtUs(l.total.p99)} over ${fmtNum(l.total.count)}`, group, height: CARD_HEAT_HEIGHT, source: `container:${c.id}/${l.id}${l.op ? `:${l.op}` : ''}` });
    }
    return card;
  }

  /** @type {HTMLSelectElement | null} */
  let picker = null;
  /** @type {HTMLElement | null} */
  let detail = null;

  function containerSection() {
    if (!D.recorded.containers.on && !D.containers.length) return;
    const s = section('Containers', 'containers', 'CPU: 100% = one full core. Memory: used − inactive file cache, as docker stats.');
    if (!D.containers.length) {
      s.append(h('p', { text: D.containerFilter ? 'No container matched the filter.' : 'No container ran in this range.' }));
      return;
    }
    const cs = D.containers;
    // A table of every container, busiest first; a click shows its charts below.
    const byCpu = topBy(cs, (c) => avg(c, 'container.cpu_percent'));
    const maxP99 = (/** @type {any} */ c, /** @type {string} */ kind) => {
      const ps = c.latency.filter((/** @type {any} */ l) => l.kind === kind && l.total.p99 != null).map((/** @type {any} */ l) => l.total.p99);
      return ps.length ? Math.max(...ps) : null;
    };
    const rows = byCpu.map((c) => {
      const cpu = find(c.series, 'container.cpu_percent')?.stats;
      const mem = find(c.series, 'container.memory.used')?.stats;
      return h('tr', { 'data-container': c.id, onclick: () => showContainer(c.id), title: 'Show its charts' }, [
        h('td', {}, [h('span', { class: 'name', text: shortName(c) })]),
        h('td', { class: 'image', text: c.image }),
        h('td', { class: 'num', text: FORMAT.percent(cpu?.avg) }),
        h('td', { class: 'num', text: FORMAT.percent(cpu?.max) }),
        h('td', { class: 'num', text: fmtBytes(mem?.avg) }),
        h('td', { class: 'num', text: fmtBytes(mem?.max) }),
        h('td', { class: 'num', text: FORMAT.bytes_per_sec(ioOf(c)) }),
        h('td', { class: 'num', text: fmtUs(maxP99(c, 'block')) }),
        h('td', { class: 'num', text: fmtUs(maxP99(c, 'runq')) }),
      ]);
    });
    s.append(
      h('div', { class: 'scroll' }, [
        h('table', { class: 'data containers' }, [
          h('thead', {}, [h('tr', {}, ['Container', 'Image', 'CPU avg', 'CPU max', 'Mem avg', 'Mem max', 'I/O avg', 'I/O p99', 'Run-queue p99'].map((t) => h('th', { text: t })))]),
          h('tbody', {}, rows),
        ]),
      ]),
    );
    // Top containers together, one line each.
    const g = grid();
    s.append(h('h3', { text: `Top ${Math.min(TOP_N, cs.length)} containers` }), g);
    /** @param {string} id @param {string} title @param {string} unit @param {(c: any) => number} key @param {string[]} figs */
    const top = (id, title, unit, key, figs) => {
      const list = topBy(cs, key).slice(0, TOP_N);
      lineChart(g, {
        id: `containers.top.${id}`,
        title,
        unit,
        group: 'containers.top',
        lines: list.map((c) => {
          const parts = figs.map((f) => find(c.series, f)).filter(Boolean);
          const values = T.map((_, i) => {
            let sum = null;
            for (const p of parts) if (p.values[i] != null) sum = (sum ?? 0) + p.values[i];
            return sum;
          });
          return { label: shortName(c), source: `container:${c.id}/${parts.map((p) => p.id).join('+')}`, values };
        }),
      });
    };
    top('cpu', 'Top by CPU', 'percent', (c) => avg(c, 'container.cpu_percent'), ['container.cpu_percent']);
    top('memory', 'Top by memory', 'bytes', (c) => avg(c, 'container.memory.used'), ['container.memory.used']);
    top('io', 'Top by block I/O (read + write)', 'bytes_per_sec', ioOf, ['container.block.read.bytes_per_sec', 'container.block.write.bytes_per_sec']);
    // The busiest containers' own charts.
    /** @type {any[]} */
    const cards = [];
    for (const key of [(/** @type {any} */ c) => avg(c, 'container.cpu_percent'), (/** @type {any} */ c) => avg(c, 'container.memory.used'), ioOf])
      for (const c of topBy(cs, key).slice(0, TOP_CARDS)) if (!cards.includes(c)) cards.push(c);
    const tops = h('div', { class: 'cards' });
    s.append(h('h3', { text: 'Busiest containers (top 3 by CPU, memory and I/O)' }), tops);
    for (const c of cards) containerCard(tops, c, `container:${c.id}`);
    // Any container's charts, chosen here.
    picker = /** @type {HTMLSelectElement} */ (h('select', { id: 'container-picker', onchange: () => picker && showContainer(picker.value) }, [
      h('option', { value: '', text: 'choose a container…' }),
      ...[...cs].sort((a, b) => shortName(a).localeCompare(shortName(b))).map((c) => h('option', { value: c.id, text: `${shortName(c)} (${c.image})` })),
    ]));
    detail = h('div', { id: 'container-detail', class: 'cards' });
    s.append(h('h3', { class: 'picker' }, [h('label', { for: 'container-picker', text: 'Any container: ' }), picker]), detail);
  }

  /** Show one container's charts under the picker (replacing the previous one). @param {string} id */
  function showContainer(id) {
    if (!detail || !picker) return;
    for (const c of RT.charts.filter((/** @type {ChartEntry} */ c) => c.group === 'picked')) c.u.destroy();
    RT.charts = RT.charts.filter((/** @type {ChartEntry} */ c) => c.group !== 'picked');
    RT.heatmaps = RT.heatmaps.filter((/** @type {HeatEntry} */ h) => h.chart.group !== 'picked');
    detail.replaceChildren();
    picker.value = id;
    const c = D.containers.find((/** @type {any} */ x) => x.id === id);
    if (!c) return;
    containerCard(detail, c, 'picked');
    detail.scrollIntoView({ block: 'nearest' });
  }

  // ------------------------------------------------------------------ range tools

  function showRange() {
    const el = document.getElementById('view-range');
    if (!el) return;
    const r = RT.range;
    el.textContent = r ? `Showing ${fmtTime(r.min)} to ${fmtTime(r.max)} (${fmtDuration(r.max - r.min)})` : `Showing the whole range (${fmtDuration(D.range.to - D.range.from)})`;
  }
  /** @param {number} min @param {number} max */
  function setRange(min, max) {
    const first = RT.charts[0];
    if (first) first.u.setScale('x', { min, max });
  }
  function resetRange() {
    setRange(T[0], T[T.length - 1]);
  }
  function view() {
    return RT.range || { min: T[0], max: T[T.length - 1] };
  }
  /** @param {number} factor */
  function zoomBy(factor) {
    const { min, max } = view();
    const mid = (min + max) / 2;
    const half = ((max - min) * factor) / 2;
    setRange(Math.max(T[0], mid - half), Math.min(T[T.length - 1], mid + half));
  }
  /** @param {number} share */
  function panBy(share) {
    const { min, max } = view();
    const d = (max - min) * share;
    const lo = Math.min(Math.max(T[0], min + d), T[T.length - 1] - (max - min));
    setRange(lo, lo + (max - min));
  }

  // ------------------------------------------------------------------ size, theme, print

  function resizeAll() {
    for (const c of RT.charts) {
      const w = widthOf(c.el);
      if (Math.abs(c.u.width - w) > 1) c.u.setSize({ width: w, height: c.u.height });
    }
  }
  function rebuildAll() {
    readColors();
    for (const c of RT.charts) {
      c.u.destroy();
      build(c);
    }
  }

  function watch() {
    let pending = 0;
    addEventListener('resize', () => {
      if (!pending) pending = requestAnimationFrame(() => ((pending = 0), resizeAll()));
    });
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', rebuildAll);
    // Print: the print CSS gives one column and light colours; the charts follow it.
    const onPrint = () => {
      rebuildAll();
      resizeAll();
    };
    matchMedia('print').addEventListener('change', onPrint);
    addEventListener('beforeprint', onPrint);
    addEventListener('afterprint', onPrint);
  }

  // ------------------------------------------------------------------ main

  async function main() {
    const t0 = performance.now();
    const doc = await decode();
    const t1 = performance.now();
    if (!doc || !doc.report || doc.report.schemaVersion !== 1) throw new Error(`this page reads report version 1, the data is version ${doc && doc.report && doc.report.schemaVersion}`);
    D = doc.report;
    BUCKETS = doc.buckets;
    T = D.time;
    RT.data = D;
    zone = D.host.timeZone || undefined;
    dtf = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    document.title = `tailtop report: ${D.host.hostname}, ${fmtTime(D.range.from).slice(0, 16)} to ${fmtTime(D.range.to).slice(0, 16)}`;
    readColors();
    const root = /** @type {HTMLElement} */ (document.getElementById('report'));
    root.replaceChildren();
    const tools = header();
    alertsSection();
    summarySection();
    const sticky = h('div', { class: 'toolbar' }, [tools]);
    root.append(sticky);
    hostSection();
    diskSection();
    containerSection();
    root.append(h('footer', { text: `Made by tailtop ${D.tailtopVersion}. This file is self-contained and makes no network requests. Charts: uPlot (MIT licence, © Leon Sorokin).` }));
    showRange();
    watch();
    root.removeAttribute('aria-busy');
    RT.timings = { decodeMs: t1 - t0, buildMs: performance.now() - t1, readyAt: performance.now() };
    RT.ready = true;
    document.documentElement.dataset.ready = 'true';
  }

  main().catch((err) => {
    RT.error = String(err && err.message ? err.message : err);
    const root = document.getElementById('report');
    if (root) root.replaceChildren(h('p', { class: 'error', text: `This report could not be drawn: ${RT.error}` }));
    console.error(err);
  });
})();
