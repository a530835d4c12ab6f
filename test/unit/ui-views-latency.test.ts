import { afterEach, describe, expect, test } from 'vitest';
import { LatencyView, createLatencyView } from '../../src/ui/views/latency.js';
import { ebpfState } from '../../src/ui/chrome/status.js';
import { frame, harness, latRow, latency } from './ui-views-fixtures.js';
import type { Harness } from './ui-views-fixtures.js';
import type { BlockLatencyRow } from '../../src/model/types.js';

let h: Harness | null = null;
afterEach(() => {
  h?.destroy();
  h = null;
});

/** Rows of a 10 s window: IOPS from the model is count / 10. */
function rows(i: number): BlockLatencyRow[] {
  const r = (device: string, op: BlockLatencyRow['op'], over: Partial<BlockLatencyRow>): BlockLatencyRow => latRow(device, op, { ...over, opsPerSec: over.count! / 10 });
  return [
    r('sda', 'write', { count: 200, p99Us: 9000 + i }),
    r('sda', 'read', { count: 100, p99Us: 1500 + i * 10 }),
    r('sda', 'flush', { count: 7, p99Us: 20000 }),
    r('nvme0n1', 'read', { count: 1000, p50Us: 40, p99Us: 90 }),
    r('nvme0n1', 'discard', { count: 3 }),
  ];
}

const runqueue = { count: 5000, p50Us: 10, p95Us: 50, p99Us: 80, p999Us: 90, maxUs: 100 };

function mount(cols: number, lines: number, frames = 30): LatencyView {
  const v = createLatencyView() as LatencyView;
  h = harness(v, cols, lines);
  for (let i = 0; i < frames; i++) h.store.push(frame(i, { latency: latency(true, { block: rows(i), runqueue }, rows(i)) }));
  return v;
}

function tableRows(lines: string[]): string[] {
  const at = lines.findIndex((l) => l.startsWith('DEVICE'));
  return lines.slice(at + 1).filter((l) => /^(sda|nvme0n1)\s/.test(l));
}

describe('latency view', () => {
  test('80x24: per disk and op, ordered by device then op, other ops by name', () => {
    mount(80, 24);
    const lines = h!.text();
    expect(lines[0]).toContain('Tail latency (window 10s)');
    expect(lines[0]).toContain('source: eBPF');
    const header = lines.find((l) => l.startsWith('DEVICE'))!;
    for (const t of ['OP', 'COUNT', 'IOPS', 'p50', 'p95', 'p99', 'p99.9', 'max', 'tot p99']) expect(header).toContain(t);
    const r = tableRows(lines).map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    expect(r).toEqual(['nvme0n1 read', 'nvme0n1 discard', 'sda read', 'sda write', 'sda flush']);
    // 200 requests over a 10 s window = 20 IOPS (the model's figure).
    expect(tableRows(lines)[3]).toMatch(/^sda\s+write\s+200\s+20\s+200µs\s+900µs\s+9\.03ms/);
    expect(lines.join('\n')).toMatch(/run queue \(wakeup→run\): n=5000 p50 10µs p95 50µs p99 80µs/);
    expect(lines.join('\n')).toContain('other ops (10s): nvme0n1 discard 3, sda flush 7');
    expect(lines.join('\n')).toContain('lost (10s): none');
    expect(lines.every((l) => l.length <= 80)).toBe(true);
  });

  test('160x50: service and total side by side, p99 sparkline', () => {
    mount(160, 50);
    const lines = h!.text();
    const header = lines.find((l) => l.startsWith('DEVICE'))!;
    for (const t of ['tot p50', 'tot p99', 'tot max', 'p99 (1s)']) expect(header).toContain(t);
    const sdaRead = tableRows(lines).find((l) => /^sda\s+read/.test(l))!;
    expect(sdaRead).toMatch(/300µs\s+2\.50ms\s+6\.00ms\s+[▁▂▃▄▅▆▇█]{20,}$/);
  });

  test('sort by p99 descending, then reverse', () => {
    const v = mount(80, 24);
    while (v.model.sortColumn?.id !== 'p99') v.command('sortNext', h!.ctx);
    let r = tableRows(h!.text()).map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    expect(r[0]).toBe('sda flush');
    expect(r[1]).toBe('sda write');
    v.command('sortReverse', h!.ctx);
    r = tableRows(h!.text()).map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    expect(r[0]).toBe('nvme0n1 read');
  });

  test('filter and Enter opens the disk view of the selected row', () => {
    const v = mount(80, 24);
    const req = v.command('filter', h!.ctx);
    if (req?.kind === 'prompt') req.onSubmit('sda');
    expect(tableRows(h!.text())).toHaveLength(3);
    v.command('down', h!.ctx);
    expect(v.command('open', h!.ctx)).toEqual({ kind: 'open', view: 'disk', target: 'sda write' });
    v.command('up', h!.ctx);
    expect(v.command('open', h!.ctx)).toEqual({ kind: 'open', view: 'disk', target: 'sda read' });
    expect(v.command('window', h!.ctx)).toBeNull();
  });

  test('reads the window chosen by the app', () => {
    const v = createLatencyView() as LatencyView;
    h = harness(v, 80, 24);
    const lat = latency(true, { block: rows(0), runqueue });
    lat.windows['1m'] = { ...lat.windows['1m'], seconds: 60, block: [latRow('sdb', 'read', { count: 6000, opsPerSec: 100 })], runqueue: null, containers: {} };
    for (let i = 0; i < 100; i++) h.store.push(frame(i, { latency: lat }));
    h.ctx.window = '1m';
    const lines = h.text();
    expect(lines[0]).toContain('window 1m');
    expect(tableRows(lines)).toHaveLength(0);
    expect(lines.find((l) => l.startsWith('sdb'))).toMatch(/^sdb\s+read\s+6000\s+100\s/);
    expect(lines.join('\n')).toMatch(/run queue .*n=— p50 —/);
  });

  test('eBPF inactive: the reason and "—" figures for the host disks', () => {
    const v = createLatencyView() as LatencyView;
    h = harness(v, 80, 24);
    h.store.push(frame(0, { latency: latency(false) }));
    const lines = h.text();
    expect(lines[0]).toContain('eBPF: helper not built (make -C bpf)');
    const r = tableRows(lines);
    expect(r).toHaveLength(4);
    for (const l of r) expect(l).toMatch(/^\S+\s+(read|write)(\s+—){8}$/);
    expect(lines.join('\n')).toContain('run queue (wakeup→run): n=— p50 —');
  });

  test('says what the helper lost in the window, by cause', () => {
    const v = createLatencyView() as LatencyView;
    h = harness(v, 220, 24);
    const lat = latency(true, { block: rows(0), runqueue, blockCompleted: 996, unattributed: { count: 10, bytes: 40960 } });
    lat.windows['10s'].lost = { ...lat.windows['10s'].lost, blockNoStart: 4, histFull: 2, runqStartDropped: 12 };
    h.store.push(frame(0, { latency: lat }));
    expect(h.text().join('\n')).toContain(
      'lost (10s): 0.4% of block completions had no start; 2 events not counted (histogram map full); 12 wakeups not timed (run-queue map full); 1.0% of block I/O had no cgroup',
    );
  });
});

describe('status line: eBPF state', () => {
  test('"eBPF on", with what was lost in the last minute, or why it is off / overdue', () => {
    const lat = latency(true, { blockCompleted: 996 });
    expect(ebpfState(frame(1, { latency: lat }))).toBe('eBPF on');
    lat.windows['1m'] = { ...lat.windows['1m'], lost: { ...lat.windows['1m'].lost, blockNoStart: 4 } };
    expect(ebpfState(frame(1, { latency: lat }))).toBe('eBPF on: 0.4% of block completions had no start');
    expect(ebpfState(frame(1, { latency: latency(false, {}, [], 'eBPF: no data for 3 s') }))).toBe('eBPF: no data for 3 s');
  });
});
