import { afterEach, describe, expect, test } from 'vitest';
import { ContainerView, createContainerView } from '../../src/ui/views/container.js';
import { containersFrame, ctr, firstSample, frame, harness, latRow, latency, proc } from './ui-views-fixtures.js';
import type { Harness } from './ui-views-fixtures.js';
import type { ContainerFrame, PressureFrame } from '../../src/model/types.js';

let h: Harness | null = null;
afterEach(() => {
  h?.destroy();
  h = null;
});

const pressure: PressureFrame = {
  cpu: { some: { avg10: 1, avg60: 1, avg300: 1, percent: 3.5 }, full: null },
  memory: { some: { avg10: 0, avg60: 0, avg300: 0, percent: 0 }, full: null },
  io: { some: { avg10: 2, avg60: 2, avg300: 2, percent: 7.25 }, full: null },
};

function web(i: number): ContainerFrame {
  return ctr('web', {
    name: 'shop-web-1',
    image: 'nginx:1.27',
    cpuPercent: 10 + i * 10,
    cpuLimitCores: 2,
    cpuOfLimitPercent: (10 + i * 10) / 2,
    memoryLimitBytes: 512 << 20,
    composeProject: 'shop',
    composeService: 'web',
    pressure,
    labels: { 'com.docker.compose.project': 'shop', note: 'x\x1b]0;pwned\x07y' },
  });
}

const procs = [
  proc(10, { containerId: 'web', command: 'nginx: master', cpuPercent: 1, rssBytes: 5 << 20 }),
  proc(11, { containerId: 'web', command: 'nginx: worker', cpuPercent: 40, rssBytes: 30 << 20 }),
  proc(99, { containerId: 'other', command: 'not mine' }),
  proc(1, { containerId: null, command: '/sbin/init' }),
];

// The container's I/O summary as the model merges it: read + write [256,60] x 2 = 120 in the 128-256 µs row.
const io = { count: 200, opsPerSec: 200, readBytes: 409600, writeBytes: 409600, p50Us: 200, p95Us: 1800, p99Us: 6000, p999Us: 7000, maxUs: 7100, buckets: [[256, 120], [1024, 70], [2048, 8], [8192, 2]] as [number, number][] };

function mount(cols: number, rows: number, frames: number, active = true, blockReason: string | null = null): ContainerView {
  const v = createContainerView('web') as ContainerView;
  h = harness(v, cols, rows);
  for (let i = 0; i < frames; i++) {
    const lat = active
      ? latency(true, {
          containers: {
            web: {
              block: blockReason ? null : [latRow('sda', 'read', { p50Us: 150, p99Us: 2000 }), latRow('sda', 'write', { p99Us: 7000 })],
              blockReason,
              io: blockReason ? null : io,
              runqueue: { count: 40, p50Us: 4, p95Us: 30, p99Us: 95, p999Us: 200, maxUs: 400, buckets: [[4, 30], [32, 8], [128, 2]] },
            },
          },
        })
      : latency(false);
    h.store.push(frame(i, { containers: containersFrame([i === 0 ? firstSample(web(i)) : web(i), ctr('other')]), processes: procs, latency: lat }));
  }
  return v;
}

describe('container view', () => {
  test('80x24: header, limits, source, labels sanitised, sparklines', () => {
    mount(80, 24, 5);
    const lines = h!.text();
    const all = lines.join('\n');
    expect(lines[0]).toMatch(/^shop-web-1\s+nginx:1\.27\s+running\s+docker/);
    expect(lines[1]).toContain('limits: CPU 2.00 cores, memory 512M');
    expect(lines[1]).toContain('source: cgroup-v2');
    expect(lines[2]).toContain('note=xy');
    expect(all).not.toContain('pwned');
    expect(h!.written()).not.toContain('pwned');
    const cpu = lines.find((l) => l.startsWith('CPU '))!;
    expect(cpu).toMatch(/[▁▂▃▄▅▆▇█]{4}\s+50\.0%/);
    expect(cpu).toContain('NET RX');
    expect(all).toMatch(/PSI io\s+[▁▂▃▄▅▆▇█ ]*\s+7\.3%/);
    expect(all).toContain('THROTTLE');
    expect(lines.every((l) => l.length <= 80)).toBe(true);
  });

  test('processes of this container only, sortable by CPU, memory and pid', () => {
    const v = mount(160, 50, 2);
    let lines = h!.text();
    const rowsOf = (ls: string[]): string[] => ls.filter((l) => /^\s+\d+ root/.test(l)).map((l) => l.trim().split(/\s+/)[0]!);
    expect(rowsOf(lines)).toEqual(['11', '10']);
    expect(lines.join('\n')).not.toContain('not mine');
    while (v.model.sortColumn?.id !== 'pid') v.command('sortNext', h!.ctx);
    lines = h!.text();
    expect(rowsOf(lines)).toEqual(['10', '11']);
    v.command('sortReverse', h!.ctx);
    expect(rowsOf(h!.text())).toEqual(['11', '10']);
    while (v.model.sortColumn?.id !== 'rss') v.command('sortNext', h!.ctx);
    expect(rowsOf(h!.text())).toEqual(['11', '10']);
    expect(v.command('back', h!.ctx)).toBeNull();
  });

  test('eBPF active: I/O latency rows per device/op and run queue', () => {
    mount(160, 50, 2);
    const all = h!.text().join('\n');
    expect(all).toMatch(/run queue: n=40 p50 4µs p95 30µs p99 95µs max 400µs/);
    expect(all).toMatch(/sda\s+read\s+n=100\s+p50\s+150µs .*p99\s+2\.00ms/);
    expect(all).toMatch(/sda\s+write .*p99\s+7\.00ms/);
  });

  test('eBPF active: its own I/O and run-queue histograms as bars with percentile marks', () => {
    mount(160, 50, 2);
    const lines = h!.text();
    const head = lines.findIndex((l) => l.includes(`I/O service time (${h!.ctx.window})`));
    expect(head).toBeGreaterThan(0);
    expect(lines[head]).toContain(`run queue (${h!.ctx.window})`);
    const bars = lines.slice(head + 1, head + 12).join('\n');
    // the model's merged I/O histogram, with its p50 (200 µs) and p99 (6 ms) marks
    expect(bars).toMatch(/128µs-256µs │█+\s+120 ◄p50/);
    expect(bars).toMatch(/4\.10ms-8\.19ms │\S*\s+2 ◄p99/);
    expect(bars).toMatch(/2µs-4µs │█+\s+30 ◄p50/);
  });

  test('I/O that cannot be attributed: "—" with the reason, the run queue still shown', () => {
    mount(160, 50, 2, true, 'cgroup v2 io controller not enabled for its cgroup: the kernel charges its I/O to an ancestor');
    const all = h!.text().join('\n');
    expect(all).toContain('I/O: — (cgroup v2 io controller not enabled for its cgroup: the kernel charges its I/O to an ancestor)');
    expect(all).toMatch(/run queue: n=40 p50 4µs/);
    expect(all).not.toMatch(/sda\s+read\s+n=/);
  });

  test('eBPF inactive: the reason, and "—" before the second frame', () => {
    mount(80, 24, 1, false);
    const lines = h!.text();
    const all = lines.join('\n');
    expect(all).toContain('eBPF: helper not built (make -C bpf)');
    expect(lines.find((l) => l.startsWith('CPU '))).toMatch(/—\s+NET RX/);
  });

  test('unknown container', () => {
    const v = createContainerView('nope') as ContainerView;
    h = harness(v, 80, 24);
    h.store.push(frame(0, { containers: containersFrame([web(0)]) }));
    expect(h.text()[0]).toContain('container nope not found');
  });
});
