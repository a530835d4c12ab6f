// Per-container counters from cgroup files: the container's cgroups are found from /proc/<initPid>/cgroup
// (never guessed), resolved once per container id + pid, then its files are re-read every poll through
// cached descriptors (see fastread.ts), which keeps a poll of 1000 containers cheap.
import { release } from 'node:os';
import type { ContainerCounters, ContainerMeta, NestedCgroups } from '../../model/types.js';
import { type CgroupLayout, detectCgroupLayout } from './detect.js';
import { FdCache, errText, isGone, readSmall } from './fastread.js';
import { depthOf, hasIoController, inode, nestedCgroupIds } from './nested.js';
import { sumNetDev } from './net-dev.js';
import { type ParseMemo } from './parse.js';
import { listCgroupPids } from './pids.js';
import { GoneError } from './read-util.js';
import { parsePidCgroup, type ResolvedCgroup, resolveCgroup, underRoot } from './resolve.js';
import { countersFromV1, cpuacctStatFollowsUsage, readV1Files, type V1Files, type V1Paths, v1Paths } from './v1.js';
import { countersFromV2, readV2Files, type V2Files, type V2Paths, v2Paths } from './v2.js';

export interface ReadCountersOptions {
  /** Filesystem root (tests point this at a fixture tree). Default "/". */
  root?: string;
  /** Mount layout; detected from <root>/proc/self/mountinfo (once per root) when absent. */
  layout?: CgroupLayout;
  /** USER_HZ for cpuacct.stat. Default 100. */
  clockTicks?: number;
  /**
   * Also read the files only a container's own view shows (PSI, v1 cpuacct.stat; memory.events every poll
   * rather than every LIMITS_EVERY). Default true; the monitor asks for it only for the container whose
   * view is open and the one under the table's cursor, which cuts a poll from 10 files to 6 (v2).
   */
  detail?: boolean;
}

export interface ReadCountersResult {
  counters: ContainerCounters | null;
  /** One line, or null. Partial trouble (one bad file) comes with counters; "gone" comes without. */
  error: string | null;
}

interface Entry {
  root: string;
  pid: number;
  resolved: ResolvedCgroup;
  /** Directories under the root. */
  v2dir: string | null;
  v1: { cpu: string | null; cpuacct: string | null; memory: string | null; blkio: string | null; pids: string | null; pressure: string | null };
  ids: ContainerCounters['cgroupIds'];
  /** File paths, built once (a path built per poll costs a string concatenation and a hash per read). */
  files: { v2: V2Paths } | { v1: V1Paths };
  /** /proc/<pid>/net/dev under the root. */
  netPath: string;
  /** Paths that may be read through cached descriptors (closed when the entry goes). */
  paths: Set<string>;
  /** Last parse of each file, reused while its text is unchanged. */
  memo: ParseMemo;
  /** Last net/dev text and its sums. */
  net: { text: string; rx: number; tx: number; errors: string[] } | null;
  /** Reads of this entry so far, and the limit files' texts with the read they were taken at. */
  polls: number;
  limits: Map<string, { text: string; at: number }>;
  /** From the id: staggers the re-reads of limit files across containers. */
  phase: number;
  /** Reads a limit file (see limitReader). */
  readLimit: (path: string) => string;
  /** Cgroups nested below the container's and (v2) whether the io controller is enabled, re-read with the limits. */
  nested: NestedCgroups | null;
  ioController: boolean | null;
  nestedAt: number;
  /** The last poll that read cleanly: its file texts, the counters made of them and what was added to them. */
  last: LastPoll | null;
}

interface LastPoll {
  files: V1Files | V2Files;
  detail: boolean;
  net: string | null;
  nested: NestedCgroups | null;
  ioController: boolean | null;
  counters: ContainerCounters;
}

/** Whether two polls' texts are the same, file by file (the reader gives the same string for the same bytes). */
function sameFiles(a: V1Files | V2Files, b: V1Files | V2Files): boolean {
  const x = a as unknown as Record<string, string | null | undefined>;
  const y = b as unknown as Record<string, string | null | undefined>;
  for (const k in x) if (x[k] !== y[k]) return false;
  return true;
}

const sameIds = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

function sameNested(a: NestedCgroups, b: NestedCgroups): boolean {
  return sameIds(a.unified, b.unified) && sameIds(a.blkio, b.blkio) && sameIds(a.cpu, b.cpu) &&
    a.depth.unified === b.depth.unified && a.depth.blkio === b.depth.blkio && a.depth.cpu === b.depth.cpu;
}

/** A file's last bytes (a copy, in a buffer of at least `len`) and the text made of them. */
interface KeptText {
  bytes: Buffer;
  len: number;
  text: string;
}

/** Whether this kernel's cpuacct.stat can be left unread while cpuacct.usage did not move (v1.ts). */
const STAT_FOLLOWS_USAGE = cpuacctStatFollowsUsage(release());

/** Limit files (memory.max, pids.max, memory.limit_in_bytes) are re-read every this many polls. */
export const LIMITS_EVERY = 10;

/** A stable 0..LIMITS_EVERY-2 from a container id (the second read of a limit is never the second poll). */
function phaseOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return (h >>> 0) % (LIMITS_EVERY - 1);
}

/**
 * Limit files and figures the table does not show (see readV1, readV2): read every LIMITS_EVERY polls,
 * through a kept descriptor while less than half the budget is used, else with open/read/close, so that on
 * a host with very many containers the budget goes to the files read every poll. The first re-read comes
 * after 1..LIMITS_EVERY polls depending on the id, so that containers started together do not all re-read
 * on the same poll.
 */
function limitReader(entry: Pick<Entry, 'limits' | 'polls' | 'phase'>, fds: FdCache): (path: string) => string {
  return (p) => {
    const l = entry.limits.get(p);
    if (l !== undefined && entry.polls - l.at < LIMITS_EVERY) return l.text;
    const text = fds.size < fds.budget / 2 ? fds.read(p) : readSmall(p);
    entry.limits.set(p, { text, at: l === undefined ? entry.polls - entry.phase : entry.polls });
    return text;
  };
}

function goneResult(meta: ContainerMeta): ReadCountersResult {
  return { counters: null, error: `container ${meta.name}: gone` };
}

function oneLine(name: string, errors: string[]): string | null {
  if (errors.length === 0) return null;
  return `container ${name}: ${errors[0]}${errors.length > 1 ? ` (+${errors.length - 1} more)` : ''}`;
}

/** Reads container counters, keeping resolved directories and open descriptors between polls. */
export class CgroupCounterReader {
  private readonly entries = new Map<string, Entry>();
  private readonly layouts = new Map<string, Promise<{ layout: CgroupLayout; errors: string[] }>>();
  readonly fds: FdCache;
  private readonly readFile: (path: string) => string;
  /** Per file read every poll: its last bytes and text (dropped with the container's entry). */
  private readonly texts = new Map<string, KeptText>();

  constructor(fds?: FdCache) {
    const f = fds ?? new FdCache();
    this.fds = f;
    this.readFile = (p) => this.readKept(p);
  }

  /**
   * A file's text (latin1), read through a kept descriptor: the same string as the last read's when the bytes
   * are the same (most files of an idle container do not change from one poll to the next), so that no new
   * string is made and the comparisons after it (the parse memo, the poll's texts) are by identity.
   */
  private readKept(path: string): string {
    const b = this.fds.readBytes(path);
    const k = this.texts.get(path);
    if (k !== undefined && k.len === b.length && b.compare(k.bytes, 0, k.len) === 0) return k.text;
    const text = b.toString('latin1');
    const bytes = k !== undefined && k.bytes.length >= b.length ? k.bytes : Buffer.allocUnsafeSlow(b.length + 64);
    b.copy(bytes);
    if (k !== undefined) {
      k.bytes = bytes;
      k.len = b.length;
      k.text = text;
    } else this.texts.set(path, { bytes, len: b.length, text });
    return text;
  }

  /** Number of containers with a cached resolution. */
  get cached(): number {
    return this.entries.size;
  }

  private async layoutFor(root: string, given?: CgroupLayout): Promise<{ layout: CgroupLayout; errors: string[] }> {
    if (given) return { layout: given, errors: [] };
    let p = this.layouts.get(root);
    if (!p) {
      p = detectCgroupLayout(root);
      this.layouts.set(root, p);
    }
    return p;
  }

  private drop(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    for (const p of e.paths) {
      this.fds.close(p);
      this.texts.delete(p);
    }
    this.entries.delete(id);
  }

  /** Forgets every container not in `keep` (closing its descriptors). */
  prune(keep: Iterable<string>): void {
    const k = new Set(keep);
    for (const id of [...this.entries.keys()]) if (!k.has(id)) this.drop(id);
  }

  close(): void {
    for (const id of [...this.entries.keys()]) this.drop(id);
    this.fds.closeAll();
  }

  private async resolve(meta: ContainerMeta, pid: number, root: string, opts: ReadCountersOptions): Promise<Entry | string> {
    const { layout, errors } = await this.layoutFor(root, opts.layout);
    if (layout.mode === 'none') return `no cgroup hierarchy mounted${errors[0] ? ` (${errors[0]})` : ''}`;
    const file = underRoot(root, `/proc/${pid}/cgroup`);
    const text = readSmall(file, 'utf8'); // throws ENOENT/ESRCH when the pid is gone
    const parsed = parsePidCgroup(text, file);
    const res = resolveCgroup(layout, parsed.value);
    if (!res.value) return `${file}: ${res.error ?? 'unresolvable'}`;
    const r = res.value;
    const at = (p: string | null): string | null => (p === null ? null : underRoot(root, p));
    const e: Entry = {
      root,
      pid,
      resolved: r,
      v2dir: r.mode === 'v2' ? at(r.unified) : null,
      v1: { cpu: at(r.cpu), cpuacct: at(r.cpuacct), memory: at(r.memory), blkio: at(r.blkio), pids: at(r.pids), pressure: null },
      ids: { unified: null, blkio: null, cpu: null },
      files: { v2: v2Paths('') },
      netPath: underRoot(root, `/proc/${pid}/net/dev`),
      paths: new Set(),
      memo: new Map(),
      net: null,
      polls: 0,
      limits: new Map(),
      phase: phaseOf(meta.id),
      readLimit: () => '',
      nested: null,
      ioController: null,
      nestedAt: -Infinity,
      last: null,
    };
    e.readLimit = limitReader(e, this.fds);
    if (r.mode === 'v2') {
      const ino = inode(e.v2dir);
      if (ino === null) throw Object.assign(new Error(`${e.v2dir}: missing`), { code: 'ENOENT' });
      e.ids = { unified: ino, blkio: ino, cpu: ino };
    } else {
      // Hybrid: the cgroup2 directory is the container's own only when it sits at the same path as the v1
      // ones (systemd driver, or runc's hybrid support); otherwise it is shared and says nothing about it.
      const own = r.unified !== null && r.unifiedPath !== null && r.unifiedPath !== '/' && r.unifiedPath === r.v1Path;
      e.v1.pressure = own ? at(r.unified) : null;
      e.ids = { unified: own ? inode(at(r.unified)) : null, blkio: inode(e.v1.blkio), cpu: inode(e.v1.cpu ?? e.v1.cpuacct) };
      if (e.v1.cpuacct === null && e.v1.memory === null) return `${file}: neither cpuacct nor memory controller resolved`;
    }
    e.files = e.v2dir !== null ? { v2: v2Paths(e.v2dir) } : { v1: v1Paths(e.v1) };
    const all = 'v2' in e.files ? e.files.v2 : e.files.v1;
    for (const v of Object.values(all)) if (typeof v === 'string') e.paths.add(v);
    e.paths.add(e.netPath);
    return e;
  }

  async read(meta: ContainerMeta, opts: ReadCountersOptions = {}): Promise<ReadCountersResult> {
    const root = opts.root ?? '/';
    const pid = meta.initPid;
    if (pid === null || !Number.isInteger(pid) || pid <= 0) {
      this.drop(meta.id);
      return { counters: null, error: `container ${meta.name}: no init pid (state ${meta.state})` };
    }
    let e = this.entries.get(meta.id);
    if (e && (e.pid !== pid || e.root !== root)) {
      this.drop(meta.id);
      e = undefined;
    }
    if (!e) {
      try {
        const r = await this.resolve(meta, pid, root, opts);
        if (typeof r === 'string') return { counters: null, error: `container ${meta.name}: ${r}` };
        e = r;
        this.entries.set(meta.id, e);
      } catch (err) {
        if (isGone(err)) return goneResult(meta);
        return { counters: null, error: `container ${meta.name}: ${errText(err)}` };
      }
    }
    const entry = e;
    const detail = opts.detail ?? true;
    entry.polls++;
    const read = this.readFile;
    try {
      const paths = entry.files;
      const errors: string[] = [];
      const files = 'v2' in paths
        ? readV2Files(paths.v2, read, entry.readLimit, detail, errors)
        : readV1Files(paths.v1, read, entry.readLimit, detail, errors, (entry.last?.files as V1Files | undefined) ?? null, STAT_FOLLOWS_USAGE);
      // Nested cgroups (their I/O and wakeups count to the container) and the v2 io controller change
      // rarely: looked at with the limit files, every LIMITS_EVERY polls.
      if (entry.polls - entry.nestedAt >= LIMITS_EVERY) {
        entry.nestedAt = entry.polls - (entry.nested === null ? entry.phase : 0);
        const cpuDir = entry.v1.cpu ?? entry.v1.cpuacct;
        const unified = entry.v2dir ?? (entry.ids.unified !== null ? entry.v1.pressure : null);
        const nested: NestedCgroups = {
          unified: nestedCgroupIds(unified),
          blkio: entry.v2dir !== null ? [] : nestedCgroupIds(entry.v1.blkio),
          cpu: entry.v2dir !== null ? [] : nestedCgroupIds(cpuDir),
          depth: { unified: depthOf(unified), blkio: depthOf(entry.v1.blkio), cpu: depthOf(cpuDir) },
        };
        // The same object while nothing changed (samples then share it, and the poll's counters may be reused).
        if (entry.nested === null || !sameNested(entry.nested, nested)) entry.nested = nested;
        entry.ioController = entry.v2dir !== null ? hasIoController(entry.v2dir, readSmall) : null;
      }
      let netText: string | null = null;
      let netError: string | null = null;
      if (!meta.hostNetwork) {
        try {
          netText = read(entry.netPath);
        } catch (err) {
          if (isGone(err)) throw err;
          netError = `${entry.netPath}: ${errText(err)}`;
        }
      }
      // Every text as at the last poll (and it read cleanly): the same counters object again, which the
      // recorder skips at once. The files are still read every poll; only parsing them again is saved.
      const last = entry.last;
      if (
        last !== null && errors.length === 0 && netError === null && last.detail === detail && last.net === netText && last.nested === entry.nested &&
        last.ioController === entry.ioController && sameFiles(files, last.files)
      ) {
        return { counters: last.counters, error: null };
      }
      const r = 'v2' in paths
        ? countersFromV2(files as V2Files, paths.v2.dir, entry.memo, detail)
        : countersFromV1(files as V1Files, { clockTicks: opts.clockTicks ?? 100, memo: entry.memo, name: paths.v1.name, detail });
      const c = r.counters;
      for (const e of r.errors) errors.push(e);
      c.cgroupIds = entry.ids; // shared between samples, like memoized parses: read-only
      c.nestedCgroups = entry.nested;
      c.ioController = entry.ioController;
      if (netError !== null) errors.push(netError);
      if (netText !== null) {
        let n = entry.net;
        if (n === null || n.text !== netText) {
          n = { text: netText, ...sumNetDev(netText, entry.netPath) };
          entry.net = n;
        }
        for (const e of n.errors) errors.push(e);
        c.netRxBytes = n.rx;
        c.netTxBytes = n.tx;
      }
      entry.last = errors.length === 0 ? { files, detail, net: netText, nested: entry.nested, ioController: entry.ioController, counters: c } : null;
      return { counters: c, error: oneLine(meta.name, errors) };
    } catch (err) {
      if (err instanceof GoneError || isGone(err)) {
        this.drop(meta.id);
        return goneResult(meta);
      }
      this.drop(meta.id);
      return { counters: null, error: `container ${meta.name}: ${errText(err)}` };
    }
  }

  /**
   * Pids in the container's cgroup and its sub-cgroups (cgroup.procs; v1: of the memory, else cpuacct,
   * hierarchy). Resolves like read() does.
   */
  async listPids(meta: ContainerMeta, opts: ReadCountersOptions = {}): Promise<{ pids: number[]; error: string | null }> {
    const root = opts.root ?? '/';
    const pid = meta.initPid;
    if (pid === null || pid <= 0) return { pids: [], error: `container ${meta.name}: no init pid (state ${meta.state})` };
    let e = this.entries.get(meta.id);
    if (!e || e.pid !== pid || e.root !== root) {
      this.drop(meta.id);
      try {
        const r = await this.resolve(meta, pid, root, opts);
        if (typeof r === 'string') return { pids: [], error: `container ${meta.name}: ${r}` };
        e = r;
        this.entries.set(meta.id, e);
      } catch (err) {
        if (isGone(err)) return { pids: [], error: `container ${meta.name}: gone` };
        return { pids: [], error: `container ${meta.name}: ${errText(err)}` };
      }
    }
    const dir = e.v2dir ?? e.v1.memory ?? e.v1.cpuacct ?? e.v1.pids;
    if (dir === null) return { pids: [], error: `container ${meta.name}: no cgroup directory to list` };
    return listCgroupPids(dir);
  }
}

const shared = new CgroupCounterReader();

/** Counters of one container from its cgroup files (shared reader: resolutions and descriptors cached). */
export function readContainerCounters(meta: ContainerMeta, opts: ReadCountersOptions = {}): Promise<ReadCountersResult> {
  return shared.read(meta, opts);
}

/** Pids of one container's cgroup (and sub-cgroups), through the shared reader. */
export function listContainerPids(meta: ContainerMeta, opts: ReadCountersOptions = {}): Promise<{ pids: number[]; error: string | null }> {
  return shared.listPids(meta, opts);
}

/** Drops cached resolutions and descriptors of containers no longer present. Call after discovery. */
export function pruneContainerCache(keep: Iterable<string>): void {
  shared.prune(keep);
}

/** Containers resolved, descriptors open and the descriptor budget of the shared reader. */
export function cgroupReaderStats(): { containers: number; descriptors: number; budget: number } {
  return { containers: shared.cached, descriptors: shared.fds.size, budget: shared.fds.budget };
}

/** Closes every cached descriptor (on exit). */
export function closeCgroupReaders(): void {
  shared.close();
}
