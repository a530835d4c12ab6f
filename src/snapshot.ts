// Frame -> the JSON document of `tailtop snapshot --json` (documented in docs/snapshot.md).
// camelCase, bytes and seconds, percent 0-100 (100 = the whole machine for host CPU, one core for
// containers and processes). Unknown figures are null, never 0. Latency figures are the frame's `current`
// span: exactly the eBPF intervals that completed between the two samples.
import type {
  BlockLatencyRow,
  ContainerFrame,
  ContainerLatency,
  Frame,
  IoSummary,
  ProcessFrame,
  RunqueueLatency,
  StaticFacts,
} from './model/types.js';
import { percentilesOf } from './model/histogram.js';

export const SNAPSHOT_SCHEMA_VERSION = 1;

function latencyRow(r: BlockLatencyRow) {
  return {
    device: r.device,
    op: r.op,
    count: r.count,
    bytes: r.bytes,
    opsPerSec: r.opsPerSec,
    bytesPerSec: r.bytesPerSec,
    ...percentilesOf(r),
    buckets: r.buckets,
    total: r.total,
  };
}

function runqueue(r: RunqueueLatency | null) {
  return r ? { count: r.count, ...percentilesOf(r), buckets: r.buckets ?? [] } : null;
}

function io(s: IoSummary | null) {
  return s
    ? { count: s.count, opsPerSec: s.opsPerSec, readBytes: s.readBytes, writeBytes: s.writeBytes, ...percentilesOf(s), buckets: s.buckets }
    : null;
}

function containerLatency(l: ContainerLatency) {
  return { block: l.block ? l.block.map(latencyRow) : null, blockReason: l.blockReason, io: io(l.io), runqueue: runqueue(l.runqueue) };
}

function process(p: ProcessFrame) {
  return {
    pid: p.pid,
    user: p.user,
    state: p.state,
    threads: p.threads,
    cpuPercent: p.cpuPercent,
    cpuUserPercent: p.cpuUserPercent,
    cpuSystemPercent: p.cpuSystemPercent,
    rssBytes: p.rssBytes,
    vmsBytes: p.vmsBytes,
    swapBytes: p.swapBytes,
    command: p.command,
    containerId: p.containerId,
  };
}

function container(c: ContainerFrame, latency: ContainerLatency | undefined, processes: ProcessFrame[] | null) {
  return {
    id: c.id,
    name: c.name,
    image: c.image,
    runtime: c.runtime,
    state: c.state,
    cpuPercent: c.cpuPercent,
    cpuUserPercent: c.cpuUserPercent,
    cpuSystemPercent: c.cpuSystemPercent,
    cpuLimitCores: c.cpuLimitCores,
    cpuOfLimitPercent: c.cpuOfLimitPercent,
    memoryUsedBytes: c.memoryUsedBytes,
    memoryLimitBytes: c.memoryLimitBytes,
    memoryPercent: c.memoryPercent,
    netRxBytesPerSec: c.netRxBytesPerSec,
    netTxBytesPerSec: c.netTxBytesPerSec,
    blockReadBytesPerSec: c.blockReadBytesPerSec,
    blockWriteBytesPerSec: c.blockWriteBytesPerSec,
    pids: c.pids,
    throttledPercent: c.throttledPercent,
    oomKills: c.oomKills,
    pressure: c.pressure,
    composeProject: c.composeProject,
    composeService: c.composeService,
    hostNetwork: c.hostNetwork,
    labels: c.labels,
    source: c.source,
    blockSource: c.blockSource,
    latency: latency ? containerLatency(latency) : null,
    error: c.error,
    ...(processes ? { processes: processes.filter((p) => p.containerId === c.id).map(process) } : {}),
  };
}

export interface SnapshotOptions {
  facts: StaticFacts;
  intervalMs: number;
  processes: boolean;
  version: string;
  /** How far apart the eBPF intervals' ends and the host samples were, ms (the larger of the two cuts). */
  cutSkewMs?: number | null;
}

export function toSnapshot(frame: Frame, opts: SnapshotOptions) {
  const h = frame.host;
  const lat = frame.latency;
  const win = lat ? lat.current : null;
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    tailtopVersion: opts.version,
    timestamp: new Date(frame.wallMs).toISOString(),
    intervalSec: (frame.elapsedMs ?? opts.intervalMs) / 1000,
    host: {
      hostname: opts.facts.hostname,
      kernel: opts.facts.kernel,
      os: opts.facts.os,
      cpuModel: opts.facts.cpuModel,
      uptimeSec: h.uptimeSec,
      source: h.source,
      cpu: {
        ...h.cpu,
        cores: h.cores.map((c) => ({ ...c })),
      },
      contextSwitchesPerSec: h.contextSwitchesPerSec,
      memory: h.memory,
      load: h.load ? { one: h.load.one, five: h.load.five, fifteen: h.load.fifteen, running: h.load.running, total: h.load.total } : null,
      disks: h.disks.map((d) => ({ ...d })),
      net: h.net.map((n) => ({ ...n })),
      pressure: h.pressure,
    },
    containers: frame.containers
      ? frame.containers.containers.map((c) => container(c, win?.containers[c.id], opts.processes ? frame.processes : null))
      : [],
    containerRuntime: frame.containers ? frame.containers.daemon : null,
    ...(opts.processes && frame.processes ? { processes: frame.processes.map(process) } : {}),
    latency: {
      source: lat?.source ?? 'eBPF: disabled',
      active: lat?.active ?? false,
      seconds: win ? win.seconds : 0,
      cutSkewMs: opts.cutSkewMs ?? null,
      block: win ? win.block.map(latencyRow) : [],
      runqueue: win ? runqueue(win.runqueue) : null,
      lost: win ? { ...win.lost } : null,
      blockCompleted: win ? win.blockCompleted : 0,
      unattributed: win ? { ...win.unattributed } : null,
    },
    errors: frame.errors.map((e) => ({ source: e.source, message: e.message })),
  };
}
