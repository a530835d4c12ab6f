// What the sampler needs from each source, as interfaces: the real sources (procfs, Docker + cgroups, /proc
// per process, the eBPF helper) implement them, and tests or a replay substitute their own without casts.
// Sources return raw samples (counters as read); they never derive rates and never read a clock of their own
// for the sampler's times (atMs comes in as an argument).
import type { ContainersSample, HostSample, ProcessCounters } from '../model/types.js';
import type { EbpfStatus } from './ebpf/supervisor.js';
import type { IntervalData } from './ebpf/protocol.js';

/** Host counters: /proc (or systeminformation off Linux), read at `atMs` on the sampler's clock. */
export interface HostSource {
  read(atMs: number): Promise<HostSample>;
}

/**
 * Which containers get the figures only their own view shows (PSI, OOM counts every poll, the v1 user/system
 * split): 'all' (snapshot), or a set of ids (the TUI: the open container and the one under the cursor).
 */
export type DetailScope = 'all' | ReadonlySet<string>;

/** Containers: metadata and cgroup counters, and a container's pids (for its process table). */
export interface ContainersSource {
  sample(atMs: number, detail?: DetailScope): Promise<ContainersSample>;
  /** Pids of a container's cgroup; [] when stopped or gone; null when they cannot be listed from here. */
  pidsOf(id: string): Promise<number[] | null>;
}

/** Processes: every /proc entry (pids absent) or the given pids only. */
export interface ProcessesSource {
  read(pids?: readonly number[]): Promise<{ rows: ProcessCounters[]; errors: string[] }>;
  /** Release what a whole-host read keeps open (descriptors of every process). */
  release(): void;
}

/** The eBPF helper as the sampler sees it: its status, the intervals it sent, and the flush request. */
export interface LatencySource {
  status(): EbpfStatus;
  /** Intervals received since the last call, oldest first. */
  drain(): IntervalData[];
  /** Ask the helper to end its interval now (or at CLOCK_MONOTONIC `atMonoNs`); null when none runs. */
  flush(timeoutMs: number, atMonoNs?: number): { token: number; done: Promise<boolean> } | null;
}
