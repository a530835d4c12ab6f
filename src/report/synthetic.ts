// A synthetic ReportData shaped like a real host (seeded, so every run makes the same document): a day's
// rhythm of CPU, memory, load and pressure, disks with log-normal latency (an SSD and a spinning disk), a
// batch job at night, containers that do what containers do (one restarts, one starts late), alerts. For the
// benchmark (bench/report.mjs), the browser tests and the README's screenshot: never for figures a user sees.
import { BUCKETS, bucketIndex, bucketLower, bucketUpper, Histogram, toSparse } from '../model/histogram.js';
import type { SparseHistogram } from '../model/histogram.js';
import { mulberry32 } from '../model/seeded-random.js';
import { chooseStep, latencyData, windowStats } from './build.js';
import type { AlertInterval, ContainerData, DiskData, LatencyData, NetData, ReportData, Series, Unit } from './types.js';
import { REPORT_SCHEMA_VERSION } from './types.js';

export interface SyntheticOptions {
  /** Length of the range, hours (default 24). */
  hours?: number;
  /** Containers (default 20). */
  containers?: number;
  /** eBPF on: latency heatmaps for disks, containers and the run queue (default true). */
  ebpf?: boolean;
  /** Step, seconds (default: chooseStep for the range at a 1 s sampling interval). */
  stepSec?: number;
  /** End of the range, epoch s (default 2026-11-20T12:00:00Z). */
  end?: number;
  seed?: number;
}

/** Abramowitz-Stegun 7.1.26: erf to 1.5e-7. */
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-ax * ax);
  return s * y;
}

/** P(X < ns) for a log-normal latency with median `medianNs` and log-sd `sigma`. */
function lognormalCdf(ns: number, medianNs: number, sigma: number): number {
  if (ns <= 0) return 0;
  return 0.5 * (1 + erf(Math.log(ns / medianNs) / (sigma * Math.SQRT2)));
}

/** A latency mode: a share of requests log-normal around a median. */
interface Mode {
  share: number;
  medianNs: number;
  sigma: number;
}

const LOWER = Array.from({ length: BUCKETS }, (_, i) => bucketLower(i));
const UPPER = Array.from({ length: BUCKETS }, (_, i) => bucketUpper(i));
/** One dense histogram reused for every step (a new one each time is most of the garbage). */
const scratch = new Histogram();

/** Bucket counts for `count` requests from a mixture of log-normal modes (expected counts, jittered). */
function histogramOf(count: number, modes: Mode[], rand: () => number): SparseHistogram {
  const h = scratch.clear();
  if (count <= 0) return toSparse(h);
  for (const m of modes) {
    const n = count * m.share;
    if (n < 0.5) continue;
    // Only the buckets within +-4.5 sigma carry mass worth a request.
    const lo = m.medianNs * Math.exp(-4.5 * m.sigma);
    const hi = m.medianNs * Math.exp(4.5 * m.sigma);
    let below = lognormalCdf(LOWER[Math.max(8, bucketIndex(lo))]!, m.medianNs, m.sigma);
    for (let i = Math.max(8, bucketIndex(lo)); i < BUCKETS && LOWER[i]! <= hi; i++) {
      const upTo = lognormalCdf(UPPER[i]!, m.medianNs, m.sigma);
      const expect = n * (upTo - below);
      below = upTo;
      // Jittered by +-15%, rounded at random (so the tails' fractions of a request still show up now and then).
      const c = Math.floor(expect * (0.85 + 0.3 * rand()) + rand());
      if (c > 0) h.addBucket(i, c);
    }
  }
  return toSparse(h);
}

const HOUR = 3600;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** 0..1 over the day: quiet at night, busy in the afternoon. */
function daily(t: number): number {
  const h = ((t % 86400) + 86400) % 86400 / HOUR;
  return 0.5 - 0.5 * Math.cos(((h - 3) / 24) * 2 * Math.PI);
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

function series(id: string, unit: Unit, values: (number | null)[]): Series {
  return { id, unit, values, stats: windowStats(values) };
}

/** Exponential smoothing, like the kernel's load averages over `tauSec`. */
function smooth(values: number[], stepSec: number, tauSec: number): number[] {
  const a = 1 - Math.exp(-stepSec / tauSec);
  let s = values[0] ?? 0;
  return values.map((v) => (s = s + a * (v - s)));
}

const SERVICES = ['web', 'api', 'worker', 'db', 'redis', 'kafka', 'nginx', 'auth', 'search', 'cron', 'metrics', 'mail', 'billing', 'cache', 'queue', 'ingest', 'report', 'backup', 'grafana', 'loki'];

export function syntheticReport(opts: SyntheticOptions = {}): ReportData {
  const hours = opts.hours ?? 24;
  const nContainers = opts.containers ?? 20;
  const ebpf = opts.ebpf ?? true;
  const end = opts.end ?? Date.UTC(2026, 10, 20, 12) / 1000;
  const from = end - hours * HOUR;
  const stepSec = opts.stepSec ?? chooseStep(end - from, 1);
  const rand = mulberry32(opts.seed ?? 1);
  const n = Math.floor((end - from) / stepSec);
  const time = Array.from({ length: n }, (_, i) => from + i * stepSec);
  const noise = (amp: number): number => (rand() - 0.5) * 2 * amp;
  const cpus = 8;
  // A batch job: 2 h after the start for 40 minutes (a nightly backup on a 24 h report ending at noon).
  const batchFrom = from + Math.min(14 * HOUR, (end - from) * 0.55);
  const batchTo = batchFrom + Math.min(40 * 60, (end - from) * 0.05);
  const inBatch = (t: number): boolean => t >= batchFrom && t < batchTo;

  // ---- host CPU by mode (% of the machine)
  const busy = time.map((t) => clamp(8 + 40 * daily(t) + noise(4) + (inBatch(t) ? 35 : 0), 1, 97));
  const mode = (share: number, amp: number): number[] => busy.map((b) => Math.max(0, b * share + noise(amp)));
  const user = mode(0.62, 0.6);
  const nice = mode(0.02, 0.1);
  const system = mode(0.2, 0.4);
  const iowait = busy.map((b, i) => Math.max(0, b * 0.05 + (inBatch(time[i]!) ? 9 : 0) + noise(0.3)));
  const irq = mode(0.01, 0.05);
  const softirq = mode(0.04, 0.2);
  const steal = mode(0.03, 0.2);
  const percent = busy.map((_, i) => user[i]! + nice[i]! + system[i]! + iowait[i]! + irq[i]! + softirq[i]! + steal[i]!);
  // ---- memory, load, pressure
  const total = 32 * GiB;
  const used = time.map((t, i) => 11 * GiB + 6 * GiB * daily(t) + (i / n) * 1.5 * GiB + noise(0.1 * GiB));
  const cached = used.map((u) => clamp(total - u - 4 * GiB + noise(0.2 * GiB), 1 * GiB, total));
  const buffers = time.map(() => 420 * MiB + noise(10 * MiB));
  const swap = time.map((t) => (inBatch(t) ? 300 * MiB : 40 * MiB) + noise(2 * MiB));
  const runnable = busy.map((b) => (b / 100) * cpus * (1 + noise(0.1)));
  const load1 = smooth(runnable, stepSec, 60);
  const load5 = smooth(runnable, stepSec, 300);
  const load15 = smooth(runnable, stepSec, 900);
  const psiCpu = busy.map((b) => Math.max(0, (b - 30) * 0.3 + noise(0.5)));
  const psiMemSome = time.map((t) => Math.max(0, (inBatch(t) ? 4 : 0.1) + noise(0.1)));
  const psiMemFull = psiMemSome.map((v) => v * 0.3);
  const psiIoSome = iowait.map((w) => Math.max(0, w * 1.4 + noise(0.3)));
  const psiIoFull = psiIoSome.map((v) => v * 0.5);
  const hostSeries: Series[] = [
    series('host.cpu.percent', 'percent', percent),
    series('host.cpu.user', 'percent', user),
    series('host.cpu.nice', 'percent', nice),
    series('host.cpu.system', 'percent', system),
    series('host.cpu.iowait', 'percent', iowait),
    series('host.cpu.irq', 'percent', irq),
    series('host.cpu.softirq', 'percent', softirq),
    series('host.cpu.steal', 'percent', steal),
    series('host.memory.used', 'bytes', used),
    series('host.memory.cached', 'bytes', cached),
    series('host.memory.buffers', 'bytes', buffers),
    series('host.swap.used', 'bytes', swap),
    series('host.load1', 'load', load1),
    series('host.load5', 'load', load5),
    series('host.load15', 'load', load15),
    series('host.pressure.cpu.some', 'percent', psiCpu),
    series('host.pressure.memory.some', 'percent', psiMemSome),
    series('host.pressure.memory.full', 'percent', psiMemFull),
    series('host.pressure.io.some', 'percent', psiIoSome),
    series('host.pressure.io.full', 'percent', psiIoFull),
  ];

  // ---- disks: an NVMe SSD, a SATA disk the batch job hammers, a small device-mapper volume
  const diskSpecs = [
    { name: 'nvme0n1', readIops: 900, writeIops: 600, readMode: [{ share: 0.9, medianNs: 90e3, sigma: 0.35 }, { share: 0.1, medianNs: 600e3, sigma: 0.5 }], writeMode: [{ share: 0.97, medianNs: 30e3, sigma: 0.4 }, { share: 0.03, medianNs: 2e6, sigma: 0.6 }] },
    { name: 'sda', readIops: 60, writeIops: 90, readMode: [{ share: 0.7, medianNs: 6e6, sigma: 0.5 }, { share: 0.3, medianNs: 300e3, sigma: 0.4 }], writeMode: [{ share: 0.8, medianNs: 1.2e6, sigma: 0.6 }, { share: 0.2, medianNs: 12e6, sigma: 0.5 }] },
    { name: 'dm-0', readIops: 15, writeIops: 25, readMode: [{ share: 1, medianNs: 150e3, sigma: 0.5 }], writeMode: [{ share: 1, medianNs: 80e3, sigma: 0.5 }] },
  ];
  const disks: DiskData[] = diskSpecs.map((d) => {
    const batchBoost = d.name === 'sda' ? 6 : 1.2;
    const rOps = time.map((t) => Math.max(0, d.readIops * (0.3 + daily(t)) * (inBatch(t) ? batchBoost : 1) * (1 + noise(0.15))));
    const wOps = time.map((t) => Math.max(0, d.writeIops * (0.3 + daily(t)) * (inBatch(t) ? batchBoost * 1.5 : 1) * (1 + noise(0.15))));
    const rBytes = rOps.map((o) => o * (24 + noise(8)) * 1024);
    const wBytes = wOps.map((o, i) => o * (inBatch(time[i]!) ? 256 : 16 + noise(4)) * 1024);
    const util = rOps.map((o, i) => clamp(((o + wOps[i]!) / (d.readIops + d.writeIops)) * (d.name === 'sda' ? 35 : 8), 0, 100));
    const latency: LatencyData[] = [];
    if (ebpf) {
      const slow = (t: number): number => (inBatch(t) && d.name === 'sda' ? 4 : 1);
      const hist = (ops: number[], modes: Mode[]): SparseHistogram[] =>
        ops.map((o, i) => {
          const k = slow(time[i]!);
          return histogramOf(Math.round(o * stepSec), modes.map((m) => ({ ...m, medianNs: m.medianNs * k })), rand);
        });
      latency.push(latencyData('disk.read.latency', 'block', hist(rOps, d.readMode), 'read'));
      latency.push(latencyData('disk.write.latency', 'block', hist(wOps, d.writeMode), 'write'));
    }
    return {
      name: d.name,
      series: [
        series('disk.read.bytes_per_sec', 'bytes_per_sec', rBytes),
        series('disk.write.bytes_per_sec', 'bytes_per_sec', wBytes),
        series('disk.read.iops', 'ops_per_sec', rOps),
        series('disk.write.iops', 'ops_per_sec', wOps),
        series('disk.util_percent', 'percent', util),
      ],
      latency,
      source: ebpf ? 'ebpf' : 'diskstats',
    };
  });

  const rx = time.map((t) => 40 * MiB * daily(t) + 2 * MiB + noise(MiB));
  const tx = time.map((t) => 25 * MiB * daily(t) + 1 * MiB + (inBatch(t) ? 60 * MiB : 0) + noise(MiB));
  const net: NetData[] = [{ name: 'eth0', series: [series('net.rx.bytes_per_sec', 'bytes_per_sec', rx), series('net.tx.bytes_per_sec', 'bytes_per_sec', tx)] }];

  // ---- containers
  const containers: ContainerData[] = [];
  for (let k = 0; k < nContainers; k++) {
    const svc = SERVICES[k % SERVICES.length]!;
    const name = k < SERVICES.length ? `shop-${svc}-1` : `shop-${svc}-${Math.floor(k / SERVICES.length) + 1}`;
    const weight = 1 / (1 + k * 0.6);
    const doesIo = ['db', 'kafka', 'backup', 'search', 'loki', 'ingest', 'worker', 'redis'].includes(svc);
    // One container restarts (a gap of 5 minutes at 60% of the range); one starts at 75%.
    const restartAt = svc === 'api' ? from + (end - from) * 0.6 : null;
    const startAt = svc === 'report' ? from + (end - from) * 0.75 : from;
    const alive = (t: number): boolean => t >= startAt && (restartAt === null || t < restartAt || t >= restartAt + 300);
    const isBackup = svc === 'backup';
    const cpu = time.map((t) => (alive(t) ? Math.max(0.1, (isBackup ? (inBatch(t) ? 180 : 0.2) : 200 * weight * (0.2 + daily(t))) + noise(2 * weight)) : null));
    const mem = time.map((t, i) => (alive(t) ? (svc === 'db' ? 4 * GiB : 900 * MiB * weight + 60 * MiB) * (0.9 + 0.1 * daily(t)) + (i / n) * 50 * MiB * weight + noise(MiB) : null));
    const blkR = time.map((t) => (alive(t) ? (doesIo ? 4 * MiB * weight * (0.2 + daily(t)) + (isBackup && inBatch(t) ? 80 * MiB : 0) : 0) : null));
    const blkW = time.map((t) => (alive(t) ? (doesIo ? 6 * MiB * weight * (0.2 + daily(t)) + (isBackup && inBatch(t) ? 20 * MiB : 0) : 0.01 * MiB) : null));
    const nrx = time.map((t) => (alive(t) ? 5 * MiB * weight * (0.1 + daily(t)) + noise(0.1 * MiB * weight) + 0.2 * MiB : null));
    const ntx = time.map((t) => (alive(t) ? 3 * MiB * weight * (0.1 + daily(t)) + noise(0.1 * MiB * weight) + 0.1 * MiB : null));
    const pids = time.map((t) => (alive(t) ? Math.round(8 + 40 * weight) : null));
    const latency: LatencyData[] = [];
    if (ebpf) {
      const runq = time.map((t, i) => (alive(t) ? histogramOf(Math.round((cpu[i] ?? 0) * 20 * stepSec), [{ share: 0.95, medianNs: 6e3 * (1 + busy[i]! / 30), sigma: 0.7 }, { share: 0.05, medianNs: 300e3, sigma: 0.8 }], rand) : null));
      latency.push(latencyData('container.runq.latency', 'runq', runq));
      if (doesIo) {
        const w = time.map((t, i) => (alive(t) ? histogramOf(Math.round((blkW[i]! / (32 * 1024)) * stepSec), [{ share: 0.9, medianNs: (isBackup ? 1.5e6 : 60e3) * (inBatch(t) ? 3 : 1), sigma: 0.5 }, { share: 0.1, medianNs: 3e6, sigma: 0.6 }], rand) : null));
        const r = time.map((t, i) => (alive(t) ? histogramOf(Math.round((blkR[i]! / (24 * 1024)) * stepSec), [{ share: 1, medianNs: (isBackup ? 5e6 : 110e3) * (inBatch(t) ? 2 : 1), sigma: 0.45 }], rand) : null));
        latency.push(latencyData('container.block.read.latency', 'block', r, 'read'));
        latency.push(latencyData('container.block.write.latency', 'block', w, 'write'));
      }
    }
    const hex = Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
    containers.push({
      id: hex,
      name,
      image: svc === 'db' ? 'postgres:16' : svc === 'redis' ? 'redis:7-alpine' : `registry.example/shop/${svc}:2.4.${k}`,
      labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': svc, team: k % 3 === 0 ? 'core' : 'growth' },
      series: [
        series('container.cpu_percent', 'percent', cpu),
        series('container.memory.used', 'bytes', mem),
        series('container.block.read.bytes_per_sec', 'bytes_per_sec', blkR),
        series('container.block.write.bytes_per_sec', 'bytes_per_sec', blkW),
        series('container.net.rx.bytes_per_sec', 'bytes_per_sec', nrx),
        series('container.net.tx.bytes_per_sec', 'bytes_per_sec', ntx),
        series('container.pids', 'count', pids),
      ],
      latency,
      firstSeen: startAt,
      lastSeen: time[n - 1]!,
    });
  }

  const runq = ebpf ? latencyData('host.runq.latency', 'runq', time.map((_, i) => histogramOf(Math.round(busy[i]! * 400 * stepSec), [{ share: 0.95, medianNs: 5e3 * (1 + busy[i]! / 25), sigma: 0.7 }, { share: 0.05, medianNs: 250e3, sigma: 0.9 }], rand))) : null;

  const alerts: AlertInterval[] = [
    { name: 'disk-p99-high', severity: 'critical', figure: 'disk.write.p99', subject: 'sda', from: batchFrom + 120, to: batchTo - 60, message: 'sda write p99 above 50 ms' },
    { name: 'cpu-high', severity: 'warning', figure: 'host.cpu.percent', from: batchFrom, to: batchTo + 300, message: 'host CPU above 70% for 5 minutes' },
    { name: 'container-restarted', severity: 'info', figure: 'container.cpu_percent', subject: 'shop-api-1', from: from + (end - from) * 0.6, to: from + (end - from) * 0.6 + 300, message: 'shop-api-1 exited (137) and restarted' },
  ];

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tailtopVersion: '0.1.0',
    generatedAt: end + 30,
    host: { hostname: 'shop-prod-3', kernel: '6.18.44', os: 'Debian GNU/Linux 12 (bookworm)', cpuModel: 'AMD EPYC 7R13', cpus, memoryTotalBytes: total, timeZone: 'UTC' },
    range: { from, to: end },
    stepSec,
    sampleIntervalSec: 1,
    recorded: {
      ebpf: ebpf ? { on: true } : { on: false, reason: 'eBPF: needs root or CAP_BPF+CAP_PERFMON' },
      containers: { on: true },
      processes: { on: false, reason: 'not recorded (agent ran without --processes)' },
    },
    time,
    series: hostSeries,
    runq,
    disks,
    net,
    containers,
    containerFilter: null,
    alerts,
  };
}
