// Hand-made frames and a real blessed screen over in-memory streams, for the view render tests.
import blessed from 'blessed';
import { PassThrough, Writable } from 'node:stream';
import { inactiveFrame } from '../../src/model/latency.js';
import type {
  BlockLatencyRow,
  BlockOp,
  ContainerFrame,
  ContainersFrame,
  Frame,
  HostFrame,
  LatencyFrame,
  LatencyWindow,
  LatencyWindowFrame,
  ProcessFrame,
} from '../../src/model/types.js';
import { Store } from '../../src/store/store.js';
import type { Theme } from '../../src/ui/theme.js';
import type { View, ViewContext } from '../../src/ui/view.js';

export const COLOR_THEME: Theme = {
  name: 'test',
  mono: false,
  colors: {
    main_fg: '#cccccc', title: '#ffffff', hi_fg: '#ff0000', selected_bg: '#333333', selected_fg: '#ffffff',
    inactive_fg: '#666666', status_err: '#ff5555', cpu_start: '#00ff00', cpu_mid: '#ffff00', cpu_end: '#ff0000',
    mem_start: '#00ff00', mem_mid: '#ffff00', mem_end: '#ff0000', lat_start: '#0000ff', lat_mid: '#ff00ff', lat_end: '#ff0000',
  },
};
export const MONO_THEME: Theme = { name: 'mono', mono: true, colors: {} };

export function host(): HostFrame {
  return {
    source: 'procfs',
    cpu: { percent: 10, user: 5, nice: 0, system: 5, idle: 90, iowait: 0, irq: 0, softirq: 0, steal: 0 },
    cores: [],
    contextSwitchesPerSec: null,
    memory: null,
    load: null,
    disks: [
      { name: 'sda', readBytesPerSec: 1, writeBytesPerSec: 1, readOpsPerSec: 1, writeOpsPerSec: 1, utilPercent: 1, partitions: [], source: 'diskstats' },
      { name: 'nvme0n1', readBytesPerSec: 1, writeBytesPerSec: 1, readOpsPerSec: 1, writeOpsPerSec: 1, utilPercent: 1, partitions: [], source: 'diskstats' },
    ],
    net: [],
    pressure: null,
    uptimeSec: 100,
  };
}

export function ctr(id: string, over: Partial<ContainerFrame> = {}): ContainerFrame {
  return {
    id,
    name: id,
    image: `${id}-image:latest`,
    runtime: 'docker',
    state: 'running',
    cpuPercent: 10,
    cpuUserPercent: 6,
    cpuSystemPercent: 4,
    cpuLimitCores: null,
    cpuOfLimitPercent: null,
    memoryUsedBytes: 100 * 1024 * 1024,
    memoryLimitBytes: null,
    memoryPercent: null,
    netRxBytesPerSec: 1000,
    netTxBytesPerSec: 2000,
    blockReadBytesPerSec: 0,
    blockWriteBytesPerSec: 0,
    pids: 3,
    throttledPercent: 0,
    oomKills: 0,
    pressure: null,
    labels: {},
    composeProject: null,
    composeService: null,
    hostNetwork: false,
    source: 'cgroup-v2',
    blockSource: 'cgroup-v2',
    error: null,
    ...over,
  };
}

/** A container frame as on the first sample: every rate unknown. */
export function firstSample(c: ContainerFrame): ContainerFrame {
  return {
    ...c,
    cpuPercent: null, cpuUserPercent: null, cpuSystemPercent: null, cpuOfLimitPercent: null,
    netRxBytesPerSec: null, netTxBytesPerSec: null, blockReadBytesPerSec: null, blockWriteBytesPerSec: null, throttledPercent: null,
  };
}

export function proc(pid: number, over: Partial<ProcessFrame> = {}): ProcessFrame {
  return {
    pid, user: 'root', state: 'S', threads: 1, cpuPercent: 1, cpuUserPercent: 0.5, cpuSystemPercent: 0.5,
    rssBytes: 1024 * 1024, vmsBytes: 10 * 1024 * 1024, swapBytes: 0, command: `/bin/proc${pid} --flag`,
    containerId: null, containerName: null, ...over,
  };
}

export function latRow(device: string, op: BlockOp, over: Partial<BlockLatencyRow> = {}): BlockLatencyRow {
  return {
    device, op, count: 100, bytes: 409600, opsPerSec: 100, bytesPerSec: 409600, p50Us: 200, p95Us: 900, p99Us: 1500, p999Us: 4000, maxUs: 5000,
    buckets: [[256, 60], [1024, 35], [2048, 4], [8192, 1]],
    total: { p50Us: 300, p95Us: 1200, p99Us: 2500, maxUs: 6000 },
    ...over,
  };
}

function emptyWindow(): LatencyWindowFrame {
  return inactiveFrame('').current;
}

export function latency(active: boolean, win: Partial<LatencyWindowFrame> = {}, current: BlockLatencyRow[] = [], source?: string): LatencyFrame {
  const w: LatencyWindowFrame = { ...emptyWindow(), ...win };
  const windows = {} as Record<LatencyWindow, LatencyWindowFrame>;
  for (const k of ['1s', '10s', '1m', '5m'] as LatencyWindow[]) windows[k] = active ? w : emptyWindow();
  const cur = { ...emptyWindow(), seconds: active ? 1 : 0, block: current };
  return { source: source ?? (active ? 'ebpf' : 'eBPF: helper not built (make -C bpf)'), active, current: cur, windows, badLines: 0 };
}

export function frame(i: number, over: Partial<Frame> = {}): Frame {
  return {
    atMs: i * 1000,
    wallMs: 1_700_000_000_000 + i * 1000,
    elapsedMs: i === 0 ? null : 1000,
    host: host(),
    containers: null,
    processes: null,
    latency: null,
    errors: [],
    ...over,
  };
}

export function containersFrame(cs: ContainerFrame[], daemon: Partial<ContainersFrame['daemon']> = {}): ContainersFrame {
  return { daemon: { state: 'ok', attempt: 0, endpoint: '/var/run/docker.sock', runtime: 'docker', ...daemon }, containers: cs };
}

export interface Harness {
  screen: blessed.Widgets.Screen;
  parent: blessed.Widgets.BoxElement;
  store: Store;
  ctx: ViewContext;
  view: View;
  /** Render and return the screen as plain text lines (trailing spaces trimmed). */
  text(): string[];
  /** Raw bytes written to the terminal so far. */
  written(): string;
  destroy(): void;
}

export function harness(view: View, cols: number, rows: number, store = new Store(300), theme: Theme = COLOR_THEME): Harness {
  let out = '';
  const output = new Writable({
    write(chunk, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  }) as Writable & { columns: number; rows: number; isTTY: boolean };
  output.columns = cols;
  output.rows = rows;
  output.isTTY = true;
  const screen = blessed.screen({ input: new PassThrough(), output, terminal: 'xterm-256color', warnings: false } as blessed.Widgets.IScreenOptions);
  const parent = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: '100%' });
  const ctx: ViewContext = { store, theme, window: '10s', refreshMs: 1000, paused: false };
  view.mount(parent, ctx);
  return {
    screen,
    parent,
    store,
    ctx,
    view,
    text() {
      view.update(ctx);
      screen.render();
      return (screen.lines as unknown as [unknown, string][][]).map((l) => l.map((c) => c[1]).join('').trimEnd());
    },
    written: () => out,
    destroy() {
      view.unmount();
      screen.destroy();
    },
  };
}

/** Strip SGR sequences from a screenshot. */
export function plain(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}
