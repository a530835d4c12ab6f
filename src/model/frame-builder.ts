// The frame builder: one tick's raw samples (a SampleSet) and the previous tick's become a Frame (rates,
// gauges, latency figures). Pure: every time comes from the sets (elapsed = the difference of their
// clocks), nothing reads a clock, a file or a process, and the inputs are not changed. The latency windows
// are state kept by time (store/latency-windows.ts); they come in already fed with this set's intervals
// (store/frame-maker.ts does both, for the live sampler and for replay alike) and are only read here.
import type { Frame, LatencyFrame, LatencyWindow, SourceError } from './types.js';
import type { SampleSet } from './sample-set.js';
import { deriveHost } from './host.js';
import { deriveContainers } from './containers.js';
import { deriveProcesses } from './processes.js';
import { applyEbpfBlock } from './block-source.js';
import {
  cgroupMapFromContainers,
  deviceNamesFromDiskstats,
  inactiveFrame,
  latencyFrame,
  unattributableContainers,
  type CgroupMaps,
  type LatencyFrameOptions,
  type LatencySpan,
} from './latency.js';

/**
 * Which latency figures a frame computes (LatencyFrameOptions), always with the same keys: the options
 * object then has one shape whatever the view, and code optimized for replay's rings-only frames keeps
 * working on the whole frames after them.
 */
interface LatencySpans {
  serviceOnly: LatencyFrameOptions['serviceOnly'];
  onlyWindows: LatencyFrameOptions['onlyWindows'];
  containerSpans: LatencyFrameOptions['containerSpans'];
  countsOnly: LatencyFrameOptions['countsOnly'];
  detailFor: LatencyFrameOptions['detailFor'];
}

const RINGS_ONLY: LatencySpans = { serviceOnly: true, onlyWindows: ['1s'], containerSpans: ['current'], countsOnly: ['current'], detailFor: undefined };
const ALL_SPANS: LatencySpans = { serviceOnly: undefined, onlyWindows: undefined, containerSpans: undefined, countsOnly: undefined, detailFor: undefined };

/** Latency figures are withdrawn when no interval came for the helper's interval plus this long. */
export const EBPF_GRACE_MS = 1000;

/** What the monitor shows: per-container latency only for these (a snapshot or replay without one: all). */
export interface FrameView {
  /** The latency window on screen: containers' latency is computed for it and `current` only. */
  latencyWindow: LatencyWindow;
  /** The open container: the only one with rows per device and op. */
  containerId: string | null;
  /** Windows alert rules read per-container latency over: computed for every container, with rows. */
  alertWindows?: readonly LatencyWindow[];
}

export interface FrameOptions {
  /** Also keep idle loop/ram devices. */
  showAllDisks: boolean;
  /** Clock ticks per second (process CPU times). */
  clockTicks: number;
  view?: FrameView | null;
  /**
   * The frame only feeds the graphs' rings (replay's frames before the one on screen): of the latency figures
   * only what the Store reads is computed (`current` and 1 s for the devices, their service time only: no run
   * queue nor total time, see model/latency.ts `serviceOnly`; containers' I/O counts and bytes for `current`,
   * the table's block rates; the other windows' devices with counts only, see `onlyWindows`). The Store's
   * series and heatmaps of such a frame equal a whole frame's.
   */
  ringsOnly?: boolean;
}

/** The latency windows as the builder reads them (store/latency-windows.ts; reading changes nothing). */
export interface LatencyWindowsRead {
  span(which: 'current' | LatencyWindow): LatencySpan;
}

export interface LatencyInput {
  windows: LatencyWindowsRead;
  /** Sampler time of the newest interval, or of the running helper's hello: how stale the figures are. */
  lastDataAt: number | null;
  /** cgroup id -> container id (latencyMapsOf(set)). */
  maps: CgroupMaps;
}

const NO_MAPS = (): CgroupMaps => ({ block: new Map(), runq: new Map() });

/** The cgroup -> container maps of a set, for the hierarchies its helper reports (empty before hello). */
export function latencyMapsOf(set: SampleSet): CgroupMaps {
  const hello = set.latency?.hello;
  if (!hello) return NO_MAPS();
  return cgroupMapFromContainers(containerList(set), hello);
}

function containerList(set: SampleSet): { id: string; counters: NonNullable<SampleSet['containers']>['containers'][number]['counters'] }[] {
  return (set.containers?.containers ?? []).map((c) => ({ id: c.meta.id, counters: c.counters }));
}

/** Frame = f(set, previous set, latency windows fed up to this set). */
export function buildFrame(set: SampleSet, prev: SampleSet | null, latency: LatencyInput | null, opts: FrameOptions): Frame {
  const atMs = set.atMs;
  const errors: SourceError[] = [];
  const host = deriveHost(set.host, prev?.host ?? null, prev ? set.host.atMs - prev.host.atMs : null, { showAllDisks: opts.showAllDisks });
  errors.push(...set.host.errors);

  let containers = null;
  if (set.containers) {
    const before = prev?.containers ?? null;
    containers = deriveContainers(set.containers, before, before ? set.containers.atMs - before.atMs : null);
    errors.push(...set.containers.errors);
  }

  let processes = null;
  if (set.processes) {
    const names = new Map<string, string>();
    for (const c of set.containers?.containers ?? []) names.set(c.meta.id, c.meta.name);
    const before = prev?.processes ?? null;
    processes = deriveProcesses(set.processes, before, before && prev ? atMs - prev.atMs : null, { clockTicks: opts.clockTicks, containerNames: names });
  }
  errors.push(...set.errors);

  const lat = latencyOf(set, latency, opts);
  if (lat) applyEbpfBlock(host, containers, lat);
  return { atMs, wallMs: set.wallMs, elapsedMs: prev ? atMs - prev.atMs : null, host, containers, processes, latency: lat, errors };
}

function latencyOf(set: SampleSet, input: LatencyInput | null, opts: FrameOptions): LatencyFrame | null {
  const l = set.latency;
  if (!l) return null;
  const { status, hello } = l;
  if (!status.active || !hello || !input) return inactiveFrame(status.reason, status.badLines);
  const overdue = set.atMs - (input.lastDataAt ?? set.atMs);
  if (overdue > hello.intervalMs + EBPF_GRACE_MS) return inactiveFrame(`eBPF: no data for ${Math.round(overdue / 1000)} s`, status.badLines);
  const w = input.windows;
  const view = opts.view;
  return latencyFrame(
    { current: w.span('current'), windows: { '1s': w.span('1s'), '10s': w.span('10s'), '1m': w.span('1m'), '5m': w.span('5m') } },
    {
      maps: input.maps,
      unattributable: unattributableContainers(containerList(set), hello),
      deviceNames: deviceNamesFromDiskstats(set.host.disks ?? []),
      badLines: status.badLines,
      // The monitor: containers for the window on screen (rows for the open container only), and their
      // I/O counts and bytes for `current` (the table's block rates).
      ...(opts.ringsOnly
        ? RINGS_ONLY
        : view && view.alertWindows?.length
        ? { ...ALL_SPANS, containerSpans: ['current', ...new Set([view.latencyWindow, ...view.alertWindows])], countsOnly: ['current'] }
        : view
          ? { ...ALL_SPANS, containerSpans: ['current', view.latencyWindow], countsOnly: ['current'], detailFor: (id: string) => id === view.containerId }
          : ALL_SPANS),
    },
  );
}
