// Hand-made frames for the render tests (no collectors). `first: true` gives what the model produces from
// a single sample: gauges known, every rate null.
import type { BlockLatencyRow, Frame, LatencyFrame, StaticFacts } from '../../src/model/types.js';
import { inactiveFrame } from '../../src/model/latency.js';
import { Store } from '../../src/store/store.js';
import { bindings } from '../../src/ui/keys.js';
import type { Theme } from '../../src/ui/theme.js';
import { defaultTheme } from '../../src/config/themes.js';

export const facts: StaticFacts = { hostname: 'testhost', kernel: '6.1.0-test', os: 'Linux', cpuModel: 'Test CPU', cpuCount: 4 };

export interface FrameOpts {
  first?: boolean;
  cores?: number;
  disks?: string[];
  nets?: string[];
  pressure?: boolean;
  latency?: 'active' | 'off' | null;
  errors?: { source: string; message: string }[];
  netErrors?: boolean;
}

const split = (p: number | null) => ({
  percent: p,
  user: p == null ? null : p * 0.6,
  nice: p == null ? null : 0,
  system: p == null ? null : p * 0.3,
  idle: p == null ? null : 100 - p,
  iowait: p == null ? null : p * 0.1,
  irq: p == null ? null : 0,
  softirq: p == null ? null : 0,
  steal: p == null ? null : 0,
});

function latRow(device: string, op: 'read' | 'write', i: number): BlockLatencyRow {
  return {
    device,
    op,
    count: 100,
    bytes: 4096 * 100,
    opsPerSec: 100,
    bytesPerSec: 4096 * 100,
    p50Us: 200 + i,
    p95Us: 1500,
    p99Us: 4200,
    p999Us: 9000,
    maxUs: 12_000,
    buckets: [
      [256, 50],
      [2048, 45],
      [16384, 5],
    ],
    total: null,
  };
}

export function makeFrame(i: number, o: FrameOpts = {}): Frame {
  const first = o.first ?? i === 0;
  const r = (v: number): number | null => (first ? null : v);
  const cores = o.cores ?? 4;
  const disks = o.disks ?? ['sda', 'nvme0n1'];
  const nets = o.nets ?? ['eth0', 'lo'];
  const cpu = first ? null : 20 + ((i * 7) % 60);
  const latency: LatencyFrame | null =
    o.latency === null
      ? null
      : o.latency === 'active'
        ? (() => {
            const rows = disks.flatMap((d) => [latRow(d, 'read', i), latRow(d, 'write', i)]);
            const w = { ...inactiveFrame('').current, seconds: 1, block: rows };
            return { source: 'ebpf', active: true, current: w, windows: { '1s': w, '10s': w, '1m': w, '5m': w }, badLines: 0 };
          })()
        : inactiveFrame('eBPF: needs root or CAP_BPF+CAP_PERFMON');
  const line = (a: number) => ({ avg10: a, avg60: a / 2, avg300: a / 4, percent: r(a * 1.5) });
  return {
    atMs: 1000 * i,
    wallMs: 1_700_000_000_000 + 1000 * i,
    elapsedMs: first ? null : 1000,
    host: {
      source: 'procfs',
      cpu: split(cpu),
      cores: Array.from({ length: cores }, (_, id) => ({ id, ...split(first ? null : (id * 13 + i * 5) % 100) })),
      contextSwitchesPerSec: r(12_345),
      memory: {
        totalBytes: 16 * 2 ** 30,
        availableBytes: 10 * 2 ** 30,
        usedBytes: 6 * 2 ** 30 + i * 2 ** 20,
        buffersBytes: 200 * 2 ** 20,
        cachedBytes: 3 * 2 ** 30,
        swapTotalBytes: 2 * 2 ** 30,
        swapUsedBytes: 100 * 2 ** 20,
      },
      load: { one: 0.52, five: 0.48, fifteen: 0.4, running: 3, total: 312 },
      disks: disks.map((name) => ({
        name,
        readBytesPerSec: r(1.5 * 2 ** 20 + i * 1000),
        writeBytesPerSec: r(300 * 1024),
        readOpsPerSec: r(100),
        writeOpsPerSec: r(20),
        utilPercent: r(12),
        partitions: [],
        source: 'diskstats',
      })),
      net: nets.map((name) => ({
        name,
        rxBytesPerSec: r(2.5 * 2 ** 20),
        txBytesPerSec: r(700 * 1024),
        rxPacketsPerSec: r(1000),
        txPacketsPerSec: r(800),
        rxErrorsPerSec: o.netErrors ? r(3) : r(0),
        txErrorsPerSec: r(0),
        rxDropsPerSec: o.netErrors ? r(1) : r(0),
        txDropsPerSec: r(0),
      })),
      pressure:
        o.pressure === false
          ? null
          : {
              cpu: { some: line(1.2), full: null },
              memory: { some: line(0.5), full: line(0.1) },
              io: { some: line(4.4), full: line(2.2) },
            },
      uptimeSec: 3 * 86400 + 2 * 3600 + 5 * 60,
    },
    containers: null,
    processes: null,
    latency,
    errors: o.errors ?? [],
  };
}

export function filledStore(n: number, o: FrameOpts = {}): Store {
  const s = new Store(300);
  for (let i = 0; i < n; i++) s.push(makeFrame(i, o));
  return s;
}

export const theme: Theme = defaultTheme();
export const keyTable = bindings();
