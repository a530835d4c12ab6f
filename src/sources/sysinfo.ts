// systeminformation: static facts (once, at start-up) and the fallback host sampler for hosts without
// /proc. Several systeminformation calls spawn subprocesses on some platforms: on Linux only
// readStaticFacts() uses it (once); readHostSampleSysinfo() is for non-Linux hosts.
import { promises as fsp, constants as fsc } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { CpuTimes, DiskCounters, HostSample, NetCounters, SourceError, StaticFacts } from '../model/types.js';

/** The part of systeminformation used here; tests pass a stub. */
export interface SysinfoApi {
  osInfo: () => Promise<{ distro: string; release: string; platform: string }>;
  cpu: () => Promise<{ manufacturer: string; brand: string; cores: number }>;
  mem: () => Promise<{
    total: number;
    free: number;
    available: number;
    buffers: number;
    cached: number;
    swaptotal: number;
    swapfree: number;
  }>;
  networkStats: (ifaces: string) => Promise<
    { iface: string; rx_bytes: number; rx_errors: number; rx_dropped: number; tx_bytes: number; tx_errors: number; tx_dropped: number }[]
  >;
  disksIO: () => Promise<{ rIO: number; wIO: number } | null>;
  fsStats: () => Promise<{ rx: number; wx: number } | null>;
}

/** The part of node:os used here; tests pass a stub. */
export interface OsApi {
  hostname: () => string;
  release: () => string;
  type: () => string;
  cpus: () => { model: string; times: { user: number; nice: number; sys: number; idle: number; irq: number } }[];
  loadavg: () => number[];
  uptime: () => number;
  platform: () => string;
}

// systeminformation is loaded on first use: it is needed once at start-up (static facts) and in the
// poll loop only on hosts without /proc, and importing it costs start-up time.
let realSi: SysinfoApi | null = null;
async function loadSi(): Promise<SysinfoApi> {
  realSi ??= (await import('systeminformation')).default as unknown as SysinfoApi;
  return realSi;
}

// The static facts need only osInfo() and cpu(). The package's index loads all its twenty modules (about 7 MiB
// more peak RSS than these two); on Linux the two are loaded alone. Elsewhere the index does platform set-up
// (Windows code page, PowerShell) that they may rely on, so the whole package is loaded.
const requireHere = createRequire(import.meta.url);
function loadSiFacts(): Promise<Pick<SysinfoApi, 'osInfo' | 'cpu'>> {
  if (realSi || process.platform !== 'linux') return loadSi();
  try {
    const { osInfo } = requireHere('systeminformation/lib/osinfo.js') as Pick<SysinfoApi, 'osInfo'>;
    const { cpu } = requireHere('systeminformation/lib/cpu.js') as Pick<SysinfoApi, 'cpu'>;
    if (typeof osInfo === 'function' && typeof cpu === 'function') return Promise.resolve({ osInfo, cpu });
  } catch {
    // another layout of the package: its index
  }
  return loadSi();
}
const realOs: OsApi = os;

const DEFAULT_TIMEOUT_MS = 3000;

class TimeoutError extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0] ?? m;
}

function nonEmpty(s: string | undefined | null): s is string {
  return typeof s === 'string' && s.trim() !== '' && s.trim().toLowerCase() !== 'unknown';
}

/**
 * Hostname and kernel from node:os; OS name and CPU model from systeminformation (osInfo(), cpu()), each
 * under a timeout, falling back to node:os values when it fails or is slow. Never rejects.
 */
export async function readStaticFacts(
  opts: { timeoutMs?: number; si?: SysinfoApi; os?: OsApi } = {},
): Promise<StaticFacts> {
  const o = opts.os ?? realOs;
  const s = opts.si ?? (await loadSiFacts());
  const ms = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cpus = safe(() => o.cpus(), []);
  const facts: StaticFacts = {
    hostname: safe(() => o.hostname(), 'localhost'),
    kernel: safe(() => o.release(), 'unknown'),
    os: safe(() => `${o.type()} ${o.release()}`, 'unknown'),
    cpuModel: cpus[0]?.model?.trim() || 'unknown',
    cpuCount: cpus.length || 1,
  };
  const [osInfo, cpu] = await Promise.allSettled([
    withTimeout(Promise.resolve().then(() => s.osInfo()), ms, 'osInfo'),
    withTimeout(Promise.resolve().then(() => s.cpu()), ms, 'cpu'),
  ]);
  if (osInfo.status === 'fulfilled' && nonEmpty(osInfo.value?.distro)) {
    facts.os = [osInfo.value.distro, osInfo.value.release].filter(nonEmpty).join(' ');
  }
  if (cpu.status === 'fulfilled' && cpu.value) {
    const model = [cpu.value.manufacturer, cpu.value.brand].filter(nonEmpty).join(' ');
    if (model) facts.cpuModel = model;
    if (cpus.length === 0 && Number.isInteger(cpu.value.cores) && cpu.value.cores > 0) facts.cpuCount = cpu.value.cores;
  }
  return facts;
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** True when `<root>/proc/stat` is readable (a Linux procfs is mounted). */
export async function hasProcfs(root = '/'): Promise<boolean> {
  try {
    await fsp.access(path.join(root, 'proc/stat'), fsc.R_OK);
    return true;
  } catch {
    return false;
  }
}

function cpuTimesFromOs(t: { user: number; nice: number; sys: number; idle: number; irq: number }): CpuTimes {
  // node:os reports milliseconds, not USER_HZ ticks; the model only uses ratios of deltas, so the unit
  // does not matter. iowait, softirq and steal are not reported outside Linux.
  return { user: t.user, nice: t.nice, system: t.sys, idle: t.idle, iowait: 0, irq: t.irq, softirq: 0, steal: 0 };
}

/**
 * Fallback HostSample for hosts without /proc (source 'sysinfo'). Cumulative CPU times come from
 * os.cpus() (the same counters systeminformation's currentLoad() is computed from; its raw* fields are
 * deltas since its own previous call, so they cannot serve as counters). Memory from mem(), interfaces
 * from networkStats('*'), disk totals from disksIO() (ops) and fsStats() (bytes), as one pseudo-disk
 * "all". Figures these do not provide are NaN in the counters (packets, io_ticks, load running/total),
 * which the model turns into null. Each failing call becomes a SourceError and leaves its section null.
 */
export async function readHostSampleSysinfo(
  atMs: number,
  deps: { si?: SysinfoApi; os?: OsApi; timeoutMs?: number } = {},
): Promise<HostSample> {
  const o = deps.os ?? realOs;
  const s = deps.si ?? (await loadSi());
  const ms = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const errors: SourceError[] = [];
  const call = async <T>(what: string, f: () => Promise<T>): Promise<T | null> => {
    try {
      return await withTimeout(Promise.resolve().then(f), ms, what);
    } catch (e) {
      errors.push({ source: 'sysinfo', message: e instanceof TimeoutError ? e.message : `${what}: ${oneLine(e)}` });
      return null;
    }
  };

  const [mem, net, dio, fss] = await Promise.all([
    call('mem', () => s.mem()),
    call('networkStats', () => s.networkStats('*')),
    call('disksIO', () => s.disksIO()),
    call('fsStats', () => s.fsStats()),
  ]);

  const sample: HostSample = {
    atMs,
    source: 'sysinfo',
    stat: null,
    meminfo: null,
    loadavg: null,
    disks: null,
    net: null,
    pressure: null,
    uptimeSec: null,
    errors,
  };

  try {
    const cpus = o.cpus();
    if (cpus.length > 0) {
      const cores = cpus.map((c, id) => ({ id, times: cpuTimesFromOs(c.times) }));
      const total: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
      for (const c of cores) for (const k of Object.keys(total) as (keyof CpuTimes)[]) total[k] += c.times[k];
      sample.stat = { total, cores, contextSwitches: null, bootTimeSec: null, procsRunning: null, procsBlocked: null };
    } else errors.push({ source: 'sysinfo', message: 'os.cpus(): no CPUs reported' });
  } catch (e) {
    errors.push({ source: 'sysinfo', message: `os.cpus(): ${oneLine(e)}` });
  }

  if (mem && Number.isFinite(mem.total) && mem.total > 0) {
    sample.meminfo = {
      totalBytes: mem.total,
      availableBytes: Number.isFinite(mem.available) ? mem.available : mem.free,
      freeBytes: mem.free,
      buffersBytes: mem.buffers || 0,
      cachedBytes: mem.cached || 0,
      swapTotalBytes: mem.swaptotal || 0,
      swapFreeBytes: mem.swapfree || 0,
    };
  } else if (mem) errors.push({ source: 'sysinfo', message: 'mem: no total' });

  if (net) {
    sample.net = net
      .filter((n) => nonEmpty(n.iface))
      .map(
        (n): NetCounters => ({
          name: n.iface,
          rxBytes: num(n.rx_bytes),
          rxPackets: NaN,
          rxErrors: num(n.rx_errors),
          rxDrops: num(n.rx_dropped),
          txBytes: num(n.tx_bytes),
          txPackets: NaN,
          txErrors: num(n.tx_errors),
          txDrops: num(n.tx_dropped),
        }),
      );
  }

  if (dio || fss) {
    const disk: DiskCounters = {
      name: 'all',
      major: 0,
      minor: 0,
      readsCompleted: num(dio?.rIO),
      writesCompleted: num(dio?.wIO),
      readSectors: num(fss?.rx) / 512,
      writeSectors: num(fss?.wx) / 512,
      discardsCompleted: null,
      flushesCompleted: null,
      ioTicksMs: NaN,
      parent: null,
    };
    sample.disks = [disk];
  }

  if (safe(() => o.platform(), '') !== 'win32') {
    const la = safe(() => o.loadavg(), []);
    if (la.length >= 3 && la.every(Number.isFinite)) {
      sample.loadavg = { one: la[0]!, five: la[1]!, fifteen: la[2]!, running: NaN, total: NaN };
    }
  }
  const up = safe(() => o.uptime(), NaN);
  sample.uptimeSec = Number.isFinite(up) ? up : null;
  return sample;
}

function num(n: number | null | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : NaN;
}

/** What node:os knows at once (the monitor's first frame and the agent must not wait for readStaticFacts). */
export function quickFacts(): StaticFacts {
  const cpus = os.cpus();
  return { hostname: os.hostname(), kernel: os.release(), os: os.type(), cpuModel: cpus[0]?.model ?? '', cpuCount: cpus.length };
}
