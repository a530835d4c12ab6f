// A ReportData from the recording store: the figures of the metric catalogue (model/catalogue.ts
// `figuresOf`, the same function the writer's roll-ups were computed with) per step of the report's time
// axis, window statistics over the whole range, latency heatmaps from the recorded eBPF histograms, and
// what the header says (host, what was recorded and what was off).
//
// Which data answers: a short range (up to REPORT_RAW_MAX_MS, one hour: steps of 1-2 s) is read sample by
// sample (every sample's figures and every interval's histogram, each interval in the step it ENDED in);
// a longer one at steps of at least a minute from the 1-minute roll-up rows (a minute without its row — not written yet, its writer
// died — from its raw samples). Window statistics: the raw path from its own samples; the roll-up path from
// the store's range aggregate (`StoreReader.aggregate`: hour rows, minute rows, raw edges), so both are
// over the 1-second samples (p95/p99 from the roll-ups' 1% sketches), never over 1-minute averages.
//
// Container metadata and the cgroup -> container and device-number -> name maps come from the samples:
// every one on the raw path, probes every PROBE_MS on the roll-up path (a container that lived only
// between two probes keeps its name, id and image from its figures' labels, but not its labels map or its
// latency, which needs its cgroup ids). Pure apart from reading the store.
import { release } from 'node:os';
import { figuresOf as catalogueFigures, ROLLUP_FIGURES, type MetricDef } from '../model/catalogue.js';
import { Histogram } from '../model/histogram.js';
import { cgroupMapFromContainers, deviceNamesFromDiskstats } from '../model/latency.js';
import type { LatencyIntervalSample, SampleSet } from '../model/sample-set.js';
import type { ContainerMeta } from '../model/types.js';
import { selectContainers, type ContainerSelector } from '../model/container-selector.js';
import type { RecordedSample, StoreReader } from '../record/reader.js';
import { figureAverage, figureQuantile, intervalEndWallMs, PeriodAccumulator, type FigureStats, type FiguresOf, type LatencyRollup } from '../record/rollup.js';
import { chooseStep, latencyData, windowStats } from './build.js';
import { ReportError } from './errors.js';
import type { ContainerData, DiskData, DiskTotals, LatencyData, NetData, Recorded, ReportData, Series, Unit, WindowStats } from './types.js';
import { REPORT_SCHEMA_VERSION } from './types.js';

/** Ranges up to this long are read sample by sample; longer ones from the 1-minute roll-ups. */
export const REPORT_RAW_MAX_MS = 3_600_000;
/** On the roll-up path, metadata and cgroup maps come from a sample every this often. */
export const PROBE_MS = 10 * 60_000;

export interface FromStoreOptions {
  fromMs: number;
  toMs: number;
  tailtopVersion: string;
  /** `--containers` (parsed); empty: every container. */
  selectors?: readonly ContainerSelector[];
  /** The selectors as typed (for the header). */
  selectorTexts?: readonly string[];
  /** The report machine's boot id: the kernel release is only known for a recording of this boot. */
  bootId?: string | null;
  nowMs?: number;
  /** The catalogue's figures (tests may pass their own). */
  figuresOf?: FiguresOf;
  /** Force the path (tests); default by the range's length. */
  path?: 'raw' | 'rollup';
  /** Force the step, seconds (tests; a multiple of 60 on the roll-up path). */
  stepSec?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The catalogue's unit as the report's. */
function unitOf(d: MetricDef): Unit {
  switch (d.unit) {
    case 'bytes_per_second':
      return 'bytes_per_sec';
    case 'per_second':
      return 'ops_per_sec';
    case 'seconds':
      return 'us';
    case 'percent':
    case 'bytes':
      return d.unit;
    default:
      return d.id.startsWith('host.load') ? 'load' : 'count';
  }
}

/** loop, ram and zram devices are left out of a frame while idle: there a missing value means 0. */
const HIDDEN_WHEN_IDLE = /^(loop|ram|zram)\d/;

const labelsKey = (l: Readonly<Record<string, string>>): string =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}\u0001${l[k]}`)
    .join('\u0000');

/** One step of the axis being accumulated. */
interface Step {
  acc: PeriodAccumulator;
  /** Whether any latency interval (or eBPF-on sample) covered the step. */
  ebpf: boolean;
}

/** What the samples say besides figures. */
class Observed {
  readonly metas = new Map<string, ContainerMeta>();
  readonly blockCgroups = new Map<number, string>();
  readonly runqCgroups = new Map<number, string>();
  readonly devices = new Map<string, string>();
  ebpfOn = false;
  ebpfReason: string | null = null;
  containersOn = false;
  containersReason: string | null = null;
  processesOn = false;
  cpus: number | null = null;
  memoryTotalBytes: number | null = null;
  bootTimeSec: number | null = null;
  bootChanged = false;

  see(set: SampleSet): void {
    const l = set.latency;
    if (l?.status.active) this.ebpfOn = true;
    else if (l) this.ebpfReason = l.status.reason;
    const cs = set.containers;
    if (cs) {
      if (cs.daemon.state === 'ok') this.containersOn = true;
      else this.containersReason = cs.daemon.state === 'none' ? 'no container runtime found' : 'the container runtime was not answering';
      for (const c of cs.containers) this.metas.set(c.meta.id, c.meta);
      if (l?.hello) {
        const maps = cgroupMapFromContainers(
          cs.containers.map((c) => ({ id: c.meta.id, counters: c.counters })),
          l.hello,
        );
        for (const [k, v] of maps.block) this.blockCgroups.set(k, v);
        for (const [k, v] of maps.runq) this.runqCgroups.set(k, v);
      }
    }
    if (set.processes) this.processesOn = true;
    const h = set.host;
    if (h.disks) for (const [k, v] of deviceNamesFromDiskstats(h.disks)) this.devices.set(k, v);
    if (h.stat) {
      this.cpus = h.stat.cores.length || this.cpus;
      if (h.stat.bootTimeSec !== null) {
        if (this.bootTimeSec !== null && Math.abs(h.stat.bootTimeSec - this.bootTimeSec) > 2) this.bootChanged = true;
        this.bootTimeSec = h.stat.bootTimeSec;
      }
    }
    if (h.meminfo) this.memoryTotalBytes = h.meminfo.totalBytes;
  }
}

export interface FromStoreResult {
  data: ReportData;
  /** How the steps were read: raw samples or roll-up rows (and how many). */
  path: 'raw' | 'rollup';
  samples: number;
  rollupRows: number;
}

/**
 * The report of [fromMs, toMs) from a store. Throws ReportError `empty` (exit 2) when the range holds no
 * sample (naming the range and what the store holds) and UsageError-like ReportError `invalid` when
 * `--containers` matched none of the recorded containers.
 */
export function reportFromStore(reader: StoreReader, opts: FromStoreOptions): FromStoreResult {
  const { fromMs, toMs } = opts;
  const figuresOf = opts.figuresOf ?? catalogueFigures;
  const span = reader.span();
  const file = reader.file;
  if (span === null) throw new ReportError('empty', `store ${file} holds no samples yet`);
  const holds = `it holds ${iso(span.fromMs)} to ${iso(span.toMs)}`;
  if (toMs <= span.fromMs || fromMs > span.toMs) {
    throw new ReportError('empty', `the range ${iso(fromMs)} to ${iso(toMs)} is outside the recording in ${file} (${holds})`);
  }
  const sessions = reader.sessions();
  const intervalMs = sessions.map((s) => s.intervalMs).find((v) => v != null && v > 0) ?? 1000;
  const rangeMs = toMs - fromMs;
  const path = opts.path ?? (rangeMs <= REPORT_RAW_MAX_MS ? 'raw' : 'rollup');
  let stepSec = chooseStep(rangeMs / 1000, intervalMs / 1000);
  if (path === 'rollup') stepSec = Math.max(60, Math.ceil(stepSec / 60) * 60);
  if (opts.stepSec !== undefined) stepSec = opts.stepSec;
  const stepMs = stepSec * 1000;
  const t0 = Math.floor(fromMs / stepMs) * stepMs;
  const steps: Step[] = [];
  for (let t = t0; t < toMs; t += stepMs) steps.push({ acc: new PeriodAccumulator('minute', t, t + stepMs), ebpf: false });
  const stepOf = (wallMs: number): Step | null => {
    const i = Math.floor((wallMs - t0) / stepMs);
    return i >= 0 && i < steps.length ? steps[i]! : null;
  };

  const seen = new Observed();
  let samples = 0;
  let rollupRows = 0;
  let whole: { figures: FigureStats[]; samples: number };

  if (path === 'raw') {
    const addIntervals = (set: SampleSet, ivs: readonly LatencyIntervalSample[]): void => {
      for (const iv of ivs) {
        const end = intervalEndWallMs(set.wallMs, set.latency!, iv);
        if (end < fromMs || end >= toMs) continue;
        const s = stepOf(end);
        if (!s) continue;
        s.acc.addInterval(iv);
        s.ebpf = true;
      }
    };
    let prev: RecordedSample | null = reader.at(fromMs - 1);
    for (const r of reader.range(fromMs, toMs)) {
      const set = r.set;
      const p = prev && prev.session === r.session ? prev.set : null;
            stepOf(set.wallMs)?.acc.addSample(set.wallMs, figuresOf(p, set));
      if (set.latency) {
        if (set.latency.status.active) {
          const s = stepOf(set.wallMs);
          if (s) s.ebpf = true;
        }
        addIntervals(set, set.latency.intervals);
      }
      seen.see(set);
      samples++;
      prev = r;
    }
    // Intervals that ended before `to` but were drained by the first sample after it.
    const after = reader.after(toMs);
    if (after?.set.latency) addIntervals(after.set, after.set.latency.intervals);
    // Steps hold only samples of [from, to): the whole range is their rows merged.
    const overall = new PeriodAccumulator('minute', fromMs, toMs);
    for (const s of steps) if (!s.acc.empty) overall.mergeRow(s.acc.finish());
    whole = { figures: overall.figureStats(), samples: overall.samples };
  } else {
    // Whole minutes from their rows; a minute without a row from its raw samples.
    const firstMinute = t0;
    const lastMinute = Math.min(t0 + steps.length * stepMs, Math.ceil(span.toMs / 60_000) * 60_000 + 60_000);
    const rows = new Map(reader.rollups('minute', firstMinute, lastMinute).map((r) => [r.startMs, r]));
    for (let m = Math.max(firstMinute, Math.floor(span.fromMs / 60_000) * 60_000); m < lastMinute; m += 60_000) {
      const s = stepOf(m);
      if (!s) continue;
      const row = rows.get(m);
      if (row) {
        s.acc.mergeRow(row);
        if (row.latency.intervals > 0) s.ebpf = true;
        rollupRows++;
        continue;
      }
      let prev: RecordedSample | null = reader.at(m - 1);
      for (const r of reader.range(m, m + 60_000)) {
        const p = prev && prev.session === r.session ? prev.set : null;
        s.acc.addSample(r.set.wallMs, figuresOf(p, r.set));
        const lat = r.set.latency;
        if (lat) {
          for (const iv of lat.intervals) {
            const end = intervalEndWallMs(r.set.wallMs, lat, iv);
            const into = stepOf(end) ?? s;
            into.acc.addInterval(iv);
            into.ebpf = true;
          }
        }
        seen.see(r.set);
        samples++;
        prev = r;
      }
    }
    // Metadata and cgroup maps: a sample every PROBE_MS, and the last one.
    const probeMs = Math.max(PROBE_MS, stepMs);
    for (let t = Math.max(fromMs, span.fromMs); t < toMs + probeMs; t += probeMs) {
      const r = reader.at(Math.min(t, toMs - 1)) ?? reader.after(t);
      if (r && r.set.wallMs < toMs + probeMs) seen.see(r.set);
      if (t >= toMs) break;
    }
    const agg = reader.aggregate(fromMs, toMs, figuresOf);
    whole = { figures: agg.figures, samples: agg.samples };
    if (agg.samples === 0) samples = 0;
    else samples = Math.max(samples, agg.samples);
  }

  if (whole.samples === 0) {
    throw new ReportError('empty', `no samples recorded between ${iso(fromMs)} and ${iso(toMs)} in ${file} (${holds}, with gaps where no agent ran)`);
  }

  // ---- figures per step
  const perStep = steps.map((s) => {
    const m = new Map<string, FigureStats>();
    for (const f of s.acc.figureStats()) m.set(`${f.id}\u0002${labelsKey(f.labels)}`, f);
    return { m, samples: s.acc.samples };
  });
  const wholeBy = new Map(whole.figures.map((f) => [`${f.id}\u0002${labelsKey(f.labels)}`, f]));

  // Which label sets each figure has (over the whole range and the steps).
  const labelSets = new Map<string, Map<string, Record<string, string>>>();
  const note = (f: FigureStats): void => {
    let m = labelSets.get(f.id);
    if (!m) labelSets.set(f.id, (m = new Map()));
    m.set(labelsKey(f.labels), f.labels);
  };
  for (const f of whole.figures) note(f);
  for (const s of perStep) for (const f of s.m.values()) note(f);

  const hidden = (def: MetricDef, labels: Record<string, string>): boolean => def.scope === 'disk' && HIDDEN_WHEN_IDLE.test(labels['device'] ?? '');
  const seriesOf = (def: MetricDef, labels: Record<string, string>): Series => {
    const lk = labelsKey(labels);
    const key = `${def.id}\u0002${lk}`;
    const zeroWhenAbsent = hidden(def, labels);
    const values = perStep.map((s) => {
      const f = s.m.get(key);
      if (zeroWhenAbsent) return s.samples > 0 ? (f ? f.sum : 0) / s.samples : null;
      return f ? figureAverage(f) : null;
    });
    const w = wholeBy.get(key);
    const stats = w ? statsOf(w, zeroWhenAbsent ? whole.samples : w.count) : zeroWhenAbsent ? windowStats(new Array(whole.samples).fill(0)) : null;
    const scale = unitOf(def) === 'us' ? 1e6 : 1;
    return { id: def.id, unit: unitOf(def), values: scale === 1 ? values : values.map((v) => (v === null ? null : v * scale)), stats };
  };

  const host: Series[] = [];
  const disks = new Map<string, Series[]>();
  const nets = new Map<string, Series[]>();
  const containerSeries = new Map<string, { labels: Record<string, string>; series: Series[] }>();
  for (const def of ROLLUP_FIGURES) {
    const sets = labelSets.get(def.id);
    if (!sets) continue;
    for (const labels of sets.values()) {
      const s = seriesOf(def, labels);
      if (def.scope === 'host') host.push(s);
      else if (def.scope === 'disk') push(disks, labels['device'] ?? '?', s);
      else if (def.scope === 'net') push(nets, labels['interface'] ?? '?', s);
      else {
        const id = labels['id'] ?? '?';
        let c = containerSeries.get(id);
        if (!c) containerSeries.set(id, (c = { labels, series: [] }));
        c.series.push(s);
      }
    }
  }

  // ---- latency per step
  const stepLatency = steps.map((s) => (s.ebpf ? s.acc.finish().latency : null));
  const time = steps.map((s) => s.acc.startMs / 1000);

  const diskLatency = new Map<string, Map<string, (Histogram | null)[]>>();
  const hostRunq: (Histogram | null)[] = [];
  const contBlock = new Map<string, Map<string, (Histogram | null)[]>>();
  const contRunq = new Map<string, (Histogram | null)[]>();
  const slot = <K>(m: Map<K, (Histogram | null)[]>, k: K, i: number): Histogram => {
    let arr = m.get(k);
    if (!arr) m.set(k, (arr = new Array<Histogram | null>(steps.length).fill(null)));
    return (arr[i] ??= new Histogram());
  };
  const nested = <K>(m: Map<K, Map<string, (Histogram | null)[]>>, k: K): Map<string, (Histogram | null)[]> => {
    let x = m.get(k);
    if (!x) m.set(k, (x = new Map()));
    return x;
  };
  stepLatency.forEach((lat: LatencyRollup | null, i) => {
    hostRunq.push(lat ? new Histogram() : null);
    if (!lat) return;
    for (const r of lat.block) {
      const dev = seen.devices.get(`${r.major}:${r.minor}`) ?? `${r.major}:${r.minor}`;
      addRow(slot(nested(diskLatency, dev), r.op, i), r.service, r.maxNs);
      const cid = seen.blockCgroups.get(r.cgroup);
      if (cid) addRow(slot(nested(contBlock, cid), r.op, i), r.service, r.maxNs);
    }
    for (const r of lat.runq) {
      addRow(hostRunq[i]!, r.hist, r.maxNs);
      const cid = seen.runqCgroups.get(r.cgroup);
      if (cid) addRow(slot(contRunq, cid, i), r.hist, r.maxNs);
    }
  });
  // Steps with eBPF but no request of a kind are empty histograms, not gaps.
  const fill = (arr: (Histogram | null)[]): (Histogram | null)[] => arr.map((h, i) => h ?? (stepLatency[i] ? new Histogram() : null));
  const ebpfAny = stepLatency.some((l) => l !== null);

  // ---- disks
  const diskNames = new Set([...disks.keys(), ...diskLatency.keys()]);
  const totals = diskTotals(reader, fromMs, toMs);
  const diskData: DiskData[] = [...diskNames].sort().map((name) => ({
    name,
    series: disks.get(name) ?? [],
    latency: [...(diskLatency.get(name) ?? new Map<string, (Histogram | null)[]>())].sort((a, b) => opOrder(a[0]) - opOrder(b[0])).map(([op, hs]) => latencyData(`disk.${op}.latency`, 'block', fill(hs), op)),
    source: 'diskstats',
    totals: totals.get(name) ?? null,
  }));
  const netData: NetData[] = [...nets].sort((a, b) => a[0].localeCompare(b[0])).map(([name, series]) => ({ name, series }));

  // ---- containers
  const byShort = new Map<string, ContainerMeta>();
  for (const m of seen.metas.values()) byShort.set(m.id.slice(0, 12), m);
  const all: ContainerData[] = [];
  const fullIds = new Set<string>();
  for (const [short, { labels, series }] of containerSeries) {
    const meta = byShort.get(short);
    const id = meta?.id ?? short;
    fullIds.add(id);
    all.push(containerData(id, meta, labels, series, time, stepSec, contBlock.get(id), contRunq.get(id), fill));
  }
  // Containers with latency but no figure in the range (stopped: the catalogue reads running ones).
  for (const id of new Set([...contBlock.keys(), ...contRunq.keys()])) {
    if (fullIds.has(id)) continue;
    const meta = seen.metas.get(id);
    all.push(containerData(id, meta, { container: meta?.name ?? id.slice(0, 12), image: meta?.image ?? '' }, [], time, stepSec, contBlock.get(id), contRunq.get(id), fill));
  }
  const selectors = opts.selectors ?? [];
  const chosen = selectContainers(all, selectors);
  if (selectors.length > 0 && chosen.length === 0) {
    throw new ReportError('invalid', `--containers ${(opts.selectorTexts ?? []).map((t) => JSON.stringify(t)).join(' ')} matched none of the ${all.length} containers recorded in the range`);
  }

  const sameBoot = opts.bootId != null && sessions.some((s) => s.bootId === opts.bootId && s.startedMs < toMs && (s.endedMs ?? Infinity) >= fromMs);
  const ebpf: Recorded = ebpfAny || seen.ebpfOn ? { on: true } : { on: false, reason: seen.ebpfReason ?? 'the agent ran without eBPF' };
  const containers: Recorded = seen.containersOn || all.length > 0 ? { on: true } : { on: false, reason: seen.containersReason ?? 'no container runtime was watched' };
  const processes: Recorded = seen.processesOn ? { on: true } : { on: false, reason: path === 'rollup' ? 'not in the report (processes are not rolled up)' : 'not recorded' };
  const hostInfo: ReportData['host'] = {
    hostname: reader.info.hostname ?? sessions[sessions.length - 1]?.hostname ?? 'unknown',
    kernel: sameBoot ? release() : 'unknown (recorded during another boot)',
  };
  if (seen.cpus) hostInfo.cpus = seen.cpus;
  if (seen.memoryTotalBytes) hostInfo.memoryTotalBytes = seen.memoryTotalBytes;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) hostInfo.timeZone = zone;

  const data: ReportData = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tailtopVersion: opts.tailtopVersion,
    generatedAt: Math.floor((opts.nowMs ?? Date.now()) / 1000),
    host: hostInfo,
    range: { from: fromMs / 1000, to: toMs / 1000 },
    stepSec,
    sampleIntervalSec: intervalMs / 1000,
    recorded: { ebpf, containers, processes },
    time,
    series: host,
    runq: ebpfAny && hostRunq.some((h) => h && h.total > 0) ? latencyData('host.runq.latency', 'runq', hostRunq) : null,
    disks: diskData,
    net: netData,
    containers: chosen,
    containerFilter: selectors.length ? { selectors: [...(opts.selectorTexts ?? selectors.map((s) => s.text))], matched: chosen.length, total: all.length } : null,
    alerts: [],
  };
  return { data, path, samples, rollupRows };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

function addRow(h: Histogram, pairs: readonly (readonly [number, number])[], maxNs: number): void {
  for (const [i, n] of pairs) h.addBucket(i, n);
  if (maxNs > 0) h.noteMax(maxNs);
}

const OP_ORDER = ['read', 'write', 'flush', 'discard'];
const opOrder = (op: string): number => {
  const i = OP_ORDER.indexOf(op);
  return i < 0 ? OP_ORDER.length : i;
};

/** Window statistics of a figure; `n` > count pads with zeros (a device left out while idle). */
function statsOf(f: FigureStats, n: number): WindowStats {
  const zeros = Math.max(0, n - f.count);
  const q = (p: number): number | null => {
    if (zeros === 0) return figureQuantile(f, p);
    const rank = p * n;
    if (rank <= zeros) return 0;
    return figureQuantile(f, Math.min(1, (rank - zeros) / f.count));
  };
  return {
    avg: n > 0 ? f.sum / n : null,
    min: zeros > 0 ? Math.min(0, f.min) : f.min,
    max: zeros > 0 ? Math.max(0, f.max) : f.max,
    p95: q(0.95),
    p99: q(0.99),
    samples: n,
  };
}

function containerData(
  id: string,
  meta: ContainerMeta | undefined,
  labels: Record<string, string>,
  series: Series[],
  time: number[],
  stepSec: number,
  block: Map<string, (Histogram | null)[]> | undefined,
  runq: (Histogram | null)[] | undefined,
  fill: (a: (Histogram | null)[]) => (Histogram | null)[],
): ContainerData {
  let first = -1;
  let last = -1;
  for (const s of series) {
    s.values.forEach((v, i) => {
      if (v === null) return;
      if (first < 0 || i < first) first = i;
      if (i > last) last = i;
    });
  }
  const latency: LatencyData[] = [];
  for (const [op, hs] of [...(block ?? new Map<string, (Histogram | null)[]>())].sort((a, b) => opOrder(a[0]) - opOrder(b[0]))) latency.push(latencyData(`container.block.${op}.latency`, 'block', fill(hs), op));
  if (runq) latency.push(latencyData('container.runq.latency', 'runq', fill(runq)));
  if (first < 0) {
    const busy = (hs: (Histogram | null)[]): void =>
      hs.forEach((h, i) => {
        if (!h || h.total === 0) return;
        if (first < 0 || i < first) first = i;
        if (i > last) last = i;
      });
    for (const hs of block?.values() ?? []) busy(hs);
    if (runq) busy(runq);
  }
  return {
    id,
    name: meta?.name ?? labels['container'] ?? id.slice(0, 12),
    image: meta?.image ?? labels['image'] ?? '',
    labels: meta ? { ...meta.labels } : {},
    series,
    latency,
    firstSeen: first < 0 ? time[0] ?? 0 : time[first]!,
    lastSeen: last < 0 ? time[time.length - 1] ?? 0 : time[last]! + stepSec,
  };
}

/**
 * Requests and bytes per disk between the first and the last sample in [fromMs, toMs): the difference of
 * the /proc/diskstats counters when both samples are of one boot and no counter went down.
 */
function diskTotals(reader: StoreReader, fromMs: number, toMs: number): Map<string, DiskTotals> {
  const out = new Map<string, DiskTotals>();
  const a = reader.after(fromMs);
  const b = reader.at(toMs - 1);
  if (!a || !b || b.set.wallMs < fromMs || b.seq <= a.seq) return out;
  const ba = a.set.host.stat?.bootTimeSec;
  const bb = b.set.host.stat?.bootTimeSec;
  if (ba == null || bb == null || Math.abs(ba - bb) > 2) return out;
  const before = new Map((a.set.host.disks ?? []).map((d) => [d.name, d]));
  for (const d of b.set.host.disks ?? []) {
    const p = before.get(d.name);
    if (!p || p.major !== d.major || p.minor !== d.minor) continue;
    const t = {
      reads: d.readsCompleted - p.readsCompleted,
      writes: d.writesCompleted - p.writesCompleted,
      readBytes: (d.readSectors - p.readSectors) * 512,
      writeBytes: (d.writeSectors - p.writeSectors) * 512,
      from: a.set.wallMs / 1000,
      to: b.set.wallMs / 1000,
    };
    if (t.reads >= 0 && t.writes >= 0 && t.readBytes >= 0 && t.writeBytes >= 0) out.set(d.name, t);
  }
  return out;
}
