// The catalogue's page for `snapshot --json` (docs/snapshot.md): every number the document holds, by path
// (`[]` = each element of a list), with its unit and kind and, where the figure is one of the catalogue's
// ids (model/catalogue.ts), that id. A unit test walks real snapshots and fails on any number not listed
// here, and checks that each listed id reads the same value from the frame as the snapshot shows.
import { LOST_KEYS } from './types.js';
import type { FigureKind } from './catalogue.js';
import type { Unit } from './units.js';

export type SnapshotUnit = Unit | 'microseconds' | 'milliseconds';

export interface SnapshotField {
  unit: SnapshotUnit;
  /** 'fact': an identity or a count of things (a pid, a core's number, the schema's version), not a figure. */
  kind: FigureKind | 'fact';
  /** The catalogue id of this figure, when it has one; its values carry the labels that match the row. */
  figure?: string;
}

const f = (unit: SnapshotUnit, kind: SnapshotField['kind'], figure?: string): SnapshotField => (figure ? { unit, kind, figure } : { unit, kind });

const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
const PSI_FIELDS = (prefix: string, figure: ((res: string, kind: string) => string) | null): [string, SnapshotField][] =>
  (['cpu', 'memory', 'io'] as const).flatMap((res) =>
    (['some', 'full'] as const).flatMap((kind): [string, SnapshotField][] => [
      [`${prefix}.${res}.${kind}.avg10`, f('percent', 'gauge')],
      [`${prefix}.${res}.${kind}.avg60`, f('percent', 'gauge')],
      [`${prefix}.${res}.${kind}.avg300`, f('percent', 'gauge')],
      [`${prefix}.${res}.${kind}.percent`, f('percent', 'counter', figure?.(res, kind))],
    ]),
  );
const LATENCY_ROW = (prefix: string): [string, SnapshotField][] => [
  [`${prefix}.count`, f('count', 'counter')],
  [`${prefix}.bytes`, f('bytes', 'counter')],
  [`${prefix}.opsPerSec`, f('per_second', 'counter')],
  [`${prefix}.bytesPerSec`, f('bytes_per_second', 'counter')],
  ...(['p50Us', 'p95Us', 'p99Us', 'p999Us', 'maxUs'] as const).map((p): [string, SnapshotField] => [`${prefix}.${p}`, f('microseconds', 'histogram')]),
  [`${prefix}.buckets[][]`, f('microseconds', 'histogram')],
  ...(['count', 'p50Us', 'p95Us', 'p99Us', 'p999Us', 'maxUs'] as const).map((p): [string, SnapshotField] => [`${prefix}.total.${p}`, f(p === 'count' ? 'count' : 'microseconds', 'histogram')]),
  [`${prefix}.total.buckets[][]`, f('microseconds', 'histogram')],
];
const RUNQ = (prefix: string): [string, SnapshotField][] => [
  [`${prefix}.count`, f('count', 'counter')],
  ...(['p50Us', 'p95Us', 'p99Us', 'p999Us', 'maxUs'] as const).map((p): [string, SnapshotField] => [`${prefix}.${p}`, f('microseconds', 'histogram')]),
  [`${prefix}.buckets[][]`, f('microseconds', 'histogram')],
];
const PROCESS = (prefix: string): [string, SnapshotField][] => [
  [`${prefix}.pid`, f('count', 'fact')],
  [`${prefix}.threads`, f('count', 'gauge')],
  [`${prefix}.cpuPercent`, f('percent', 'counter')],
  [`${prefix}.cpuUserPercent`, f('percent', 'counter')],
  [`${prefix}.cpuSystemPercent`, f('percent', 'counter')],
  [`${prefix}.rssBytes`, f('bytes', 'gauge')],
  [`${prefix}.vmsBytes`, f('bytes', 'gauge')],
  [`${prefix}.swapBytes`, f('bytes', 'gauge')],
];
const DISK_RATES = (prefix: string, figures: boolean): [string, SnapshotField][] => [
  [`${prefix}.readBytesPerSec`, f('bytes_per_second', 'counter', figures ? 'disk.read.bytes_per_sec' : undefined)],
  [`${prefix}.writeBytesPerSec`, f('bytes_per_second', 'counter', figures ? 'disk.write.bytes_per_sec' : undefined)],
  [`${prefix}.readOpsPerSec`, f('per_second', 'counter', figures ? 'disk.read.iops' : undefined)],
  [`${prefix}.writeOpsPerSec`, f('per_second', 'counter', figures ? 'disk.write.iops' : undefined)],
];

export const SNAPSHOT_FIELDS: ReadonlyMap<string, SnapshotField> = new Map<string, SnapshotField>([
  ['schemaVersion', f('count', 'fact')],
  ['intervalSec', f('seconds', 'fact')],
  ['host.uptimeSec', f('seconds', 'gauge')],
  ['host.cpu.percent', f('percent', 'counter', 'host.cpu.percent')],
  ...CPU_MODES.map((m): [string, SnapshotField] => [`host.cpu.${m}`, f('percent', 'counter', ['user', 'system', 'iowait', 'steal'].includes(m) ? `host.cpu.${m}` : undefined)]),
  ['host.cpu.cores[].id', f('count', 'fact')],
  ['host.cpu.cores[].percent', f('percent', 'counter', 'host.core.percent')],
  ...CPU_MODES.map((m): [string, SnapshotField] => [`host.cpu.cores[].${m}`, f('percent', 'counter')]),
  ['host.contextSwitchesPerSec', f('per_second', 'counter')],
  ['host.memory.totalBytes', f('bytes', 'gauge')],
  ['host.memory.availableBytes', f('bytes', 'gauge', 'host.memory.available')],
  ['host.memory.usedBytes', f('bytes', 'gauge', 'host.memory.used')],
  ['host.memory.buffersBytes', f('bytes', 'gauge')],
  ['host.memory.cachedBytes', f('bytes', 'gauge')],
  ['host.memory.swapTotalBytes', f('bytes', 'gauge')],
  ['host.memory.swapUsedBytes', f('bytes', 'gauge', 'host.swap.used')],
  ['host.load.one', f('count', 'gauge', 'host.load1')],
  ['host.load.five', f('count', 'gauge', 'host.load5')],
  ['host.load.fifteen', f('count', 'gauge', 'host.load15')],
  ['host.load.running', f('count', 'gauge')],
  ['host.load.total', f('count', 'gauge')],
  ...DISK_RATES('host.disks[]', true),
  ['host.disks[].utilPercent', f('percent', 'counter', 'disk.util_percent')],
  ...DISK_RATES('host.disks[].diskstats', false),
  ...(['rx', 'tx'] as const).flatMap((d): [string, SnapshotField][] => [
    [`host.net[].${d}BytesPerSec`, f('bytes_per_second', 'counter', `net.${d}.bytes_per_sec`)],
    [`host.net[].${d}PacketsPerSec`, f('per_second', 'counter')],
    [`host.net[].${d}ErrorsPerSec`, f('per_second', 'counter', `net.${d}.errors_per_sec`)],
    [`host.net[].${d}DropsPerSec`, f('per_second', 'counter', `net.${d}.drops_per_sec`)],
  ]),
  ...PSI_FIELDS('host.pressure', (res, kind) => `host.pressure.${res}.${kind}`),
  ['containers[].cpuPercent', f('percent', 'counter', 'container.cpu_percent')],
  ['containers[].cpuUserPercent', f('percent', 'counter')],
  ['containers[].cpuSystemPercent', f('percent', 'counter')],
  ['containers[].cpuLimitCores', f('count', 'gauge')],
  ['containers[].cpuOfLimitPercent', f('percent', 'counter', 'container.cpu_limit_percent')],
  ['containers[].memoryUsedBytes', f('bytes', 'gauge', 'container.memory.used')],
  ['containers[].memoryLimitBytes', f('bytes', 'gauge')],
  ['containers[].memoryPercent', f('percent', 'gauge', 'container.memory.percent')],
  ['containers[].netRxBytesPerSec', f('bytes_per_second', 'counter', 'container.net.rx.bytes_per_sec')],
  ['containers[].netTxBytesPerSec', f('bytes_per_second', 'counter', 'container.net.tx.bytes_per_sec')],
  ['containers[].blockReadBytesPerSec', f('bytes_per_second', 'counter', 'container.block.read.bytes_per_sec')],
  ['containers[].blockWriteBytesPerSec', f('bytes_per_second', 'counter', 'container.block.write.bytes_per_sec')],
  ['containers[].pids', f('count', 'gauge', 'container.pids')],
  ['containers[].throttledPercent', f('percent', 'counter', 'container.throttled_percent')],
  ['containers[].oomKills', f('count', 'counter')],
  ...PSI_FIELDS('containers[].pressure', (res, kind) => (kind === 'some' ? `container.pressure.${res}.some` : '')).map(
    ([p, v]): [string, SnapshotField] => [p, v.figure === '' ? f(v.unit, v.kind) : v],
  ),
  ...LATENCY_ROW('containers[].latency.block[]'),
  ['containers[].latency.io.count', f('count', 'counter')],
  ['containers[].latency.io.opsPerSec', f('per_second', 'counter')],
  ['containers[].latency.io.readBytes', f('bytes', 'counter')],
  ['containers[].latency.io.writeBytes', f('bytes', 'counter')],
  ...(['p50Us', 'p95Us', 'p99Us', 'p999Us', 'maxUs'] as const).map((p): [string, SnapshotField] => [`containers[].latency.io.${p}`, f('microseconds', 'histogram')]),
  ['containers[].latency.io.buckets[][]', f('microseconds', 'histogram')],
  ...RUNQ('containers[].latency.runqueue'),
  ...PROCESS('containers[].processes[]'),
  ['containerRuntime.attempt', f('count', 'fact')],
  ...PROCESS('processes[]'),
  ['latency.seconds', f('seconds', 'fact')],
  ['latency.cutSkewMs', f('milliseconds', 'fact')],
  ...LATENCY_ROW('latency.block[]'),
  ...RUNQ('latency.runqueue'),
  ...LOST_KEYS.map((k): [string, SnapshotField] => [`latency.lost.${k}`, f(k.endsWith('Bytes') ? 'bytes' : 'count', 'counter')]),
  ['latency.blockCompleted', f('count', 'counter')],
  ['latency.unattributed.count', f('count', 'counter')],
  ['latency.unattributed.bytes', f('bytes', 'counter')],
]);
