// The process table from /proc. No subprocess. Per process instance (pid + start time):
//  - stat every poll: state, ppid, CPU ticks, threads, vsize, rss (pages × page size), start time;
//  - status when first seen and then every STATUS_EVERY polls: the effective uid and VmSwap, which change
//    rarely (reading and parsing status costs twice what stat does: this keeps a poll near one file per pid);
//    on a host with no swap area (/proc/swaps, looked at every SWAPS_EVERY polls) VmSwap is 0 for every
//    process and only the uid is left to follow: every STATUS_EVERY_NO_SWAP polls then, spread by pid;
//  - cmdline and cgroup when first seen, and again after an exec: comm changed, or the start of the code or
//    stack moved (stat fields 26 and 28: a new address space; visible for our own and, as root, every
//    process), so that bash -> bash shows the new command at once;
//  - cmdline again every CMDLINE_EVERY polls in any case (spread across processes: a tenth of a read per
//    process per poll), for processes that rewrite their argv in place (PostgreSQL, nginx, sshd do) without
//    an exec or a new name.
// Descriptors of /proc/<pid>/stat, status and cmdline are kept open between polls (within a budget): such a
// descriptor belongs to that process, so after it exits reads fail with ESRCH even if the pid is reused.
// Most processes of a host do not run from one poll to the next, and their stat stays byte for byte the
// same: its bytes are compared with the last poll's before anything is parsed, and when they and what
// came from status and cmdline are unchanged the poll gives the same row object again (rows are never
// mutated; the recorder's codec skips an object it has just written).
// A pid that vanishes between listing and reading is skipped quietly.
// Listing /proc (getdents: the kernel looks up every process) is the dearest read of a poll; it is done
// only when needed. /proc/loadavg's last field is the pid most recently allocated in our pid namespace, so
// the processes created since the last poll have pids in (last, now]: while that range is short (and did
// not wrap), the poll reads the known processes plus whichever pids of the range exist and are processes
// (Tgid = pid: a thread's /proc/<tid> can be opened too, though /proc does not list it), and lists /proc
// again only every RELIST_EVERY polls (pids given by hand, e.g. clone3's set_tid, are found then).
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import type { ProcessCounters } from '../../model/types.js';
import type { ProcessesSource } from '../types.js';
import { FdCache, errText, isGone, openFileLimit, readSmall } from '../cgroup/fastread.js';
import { containerIdFromCgroupPath, parsePidCgroup } from '../cgroup/resolve.js';
import { parseCmdline, parsePidStat, parsePidStatus, type PidStat } from './parse-pid.js';

export interface ReadProcessesOptions {
  /** Filesystem root (fixtures). Default "/". */
  root?: string;
  /** Read only these pids (e.g. a container's, from listCgroupPids). Default: every pid in /proc. */
  pids?: number[];
  /** Bytes per page (rss is read from stat in pages). Default: measured from /proc/self, else 4096. */
  pageSize?: number;
}

interface Known {
  /** /proc/<pid> under the root, and its stat and status files (built once: a path built per poll is a new
   * string to hash for the descriptor cache, for every process every tick). */
  base: string;
  statFile: string;
  statusFile: string;
  cmdlineFile: string;
  start: number;
  comm: string;
  execMark: number | null;
  cmdline: string;
  /** Poll at which cmdline was last read. */
  cmdPoll: number;
  containerId: string | null;
  uid: number;
  swapBytes: number;
  statusPoll: number;
  /** The last stat read: its bytes (a buffer of at least statLen), their parse, and the row made of them. */
  statBytes: Buffer;
  statLen: number;
  stat: PidStat;
  row: ProcessCounters | null;
}

/** Room left in a process's copy of its stat bytes, so that a counter gaining a digit needs no new buffer. */
const STAT_SLACK = 64;

/** `bytes` kept in `into` when it is large enough (else in a new buffer): the copy. */
function keepBytes(bytes: Buffer, into: Buffer | undefined): Buffer {
  const b = into !== undefined && into.length >= bytes.length ? into : Buffer.allocUnsafeSlow(bytes.length + STAT_SLACK);
  bytes.copy(b);
  return b;
}

const MAX_ERRORS = 20;
/** status is re-read every this many polls (uid and swap only)... */
const STATUS_EVERY = 3;
/** ...and every this many while the host has no swap area (uid only: a process changes it rarely, and
 * mostly right after it starts, before it is first seen). */
export const STATUS_EVERY_NO_SWAP = 15;
/** /proc/swaps is re-read every this many polls (swapon and swapoff are rare). */
const SWAPS_EVERY = 30;

/** Whether <root>/proc/swaps lists no swap area; false when it cannot be read (then swap is followed). */
export function noSwapAreas(root: string): boolean {
  try {
    return readSmall(join(root, '/proc/swaps')).split('\n').filter((l) => l.trim() !== '').length <= 1;
  } catch {
    return false;
  }
}
/** /proc is listed at least every this many polls (see the head of this file)... */
export const RELIST_EVERY = 30;
/** ...and whenever more pids than this were allocated since the last poll. */
export const NEW_PIDS_MAX = 64;

/** The pid most recently allocated (/proc/loadavg's last field, through a kept descriptor), or null. */
function lastPidOf(root: string, fds: FdCache): number | null {
  try {
    const m = /\/\d+ (\d+)\s*$/.exec(fds.read(join(root, '/proc/loadavg')));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The Tgid of a status text, or null. */
function tgidOf(status: string): number | null {
  const m = /^Tgid:\s*(\d+)/m.exec(status);
  return m ? Number(m[1]) : null;
}

/** cmdline is re-read at least every this many polls (argv rewritten in place shows within that). */
export const CMDLINE_EVERY = 10;

/** Bytes per page: VmRSS of status against the rss pages of stat, of <root>/proc/self; 4096 if unknown. */
function pageSizeOf(root = '/'): number {
  try {
    const st = parsePidStat(readSmall(join(root, '/proc/self/stat'))).value;
    const rss = parsePidStatus(readSmall(join(root, '/proc/self/status'))).value.rssBytes;
    if (st && rss !== null && st.rssPages > 0) {
      const ps = rss / st.rssPages;
      for (const c of [4096, 16384, 65536]) if (Math.abs(ps - c) / c < 0.05) return c;
    }
  } catch {
    // fall through
  }
  return 4096;
}

/** Pure: /etc/passwd -> uid -> name (first entry wins). */
export function parsePasswd(text: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3 || f[0] === '' || !/^\d+$/.test(f[2]!)) continue;
    const uid = Number(f[2]);
    if (!m.has(uid)) m.set(uid, f[0]!);
  }
  return m;
}

/** Pure: the container of a process from its /proc/<pid>/cgroup text (v2 line first, then any v1 line). */
export function containerIdFromPidCgroup(text: string): string | null {
  const { value } = parsePidCgroup(text);
  if (value.unified !== null) {
    const id = containerIdFromCgroupPath(value.unified);
    if (id) return id;
  }
  for (const path of value.v1.values()) {
    const id = containerIdFromCgroupPath(path);
    if (id) return id;
  }
  return null;
}

/** A sort's comparator made once (a closure made per poll is compiled again by V8 after every full GC). */
const ascending = (a: number, b: number): number => a - b;

function join(root: string, p: string): string {
  return root === '/' || root === '' ? p : `${root}${p}`;
}

/** Reads processes; keeps per-process caches and descriptors between calls. One per root. */
export class ProcessReader {
  private readonly known = new Map<number, Known>();
  private passwd: { map: Map<number, string>; mtimeMs: number; checkedAt: number } | null = null;
  private polls = 0;
  private pageSize: number | null = null;
  private swaps = { none: false, at: -Infinity };
  /** The last pid allocated when /proc was last listed or probed, and the poll of the last listing. */
  private lastPid: number | null = null;
  private listedAt = -Infinity;
  /** Pids whose files could not be read or parsed at the last poll (not gone): tried again at the next. */
  private retry: number[] = [];
  /** Times /proc was listed (tests). */
  listings = 0;
  /** Whether /proc/loadavg's last pid is of the pid namespace /proc shows (see the head of this file). */
  private readonly pidCounter: boolean;
  readonly fds: FdCache;

  constructor(readonly root = '/', fds?: FdCache) {
    this.fds = fds ?? new FdCache(Math.min(8192, Math.floor(openFileLimit() / 4)));
    let own = false;
    try {
      own = (root === '/' || root === '') && readlinkSync('/proc/self') === String(process.pid);
    } catch {
      // no /proc/self: list every poll
    }
    this.pidCounter = own;
  }

  private users(): Map<number, string> {
    const file = join(this.root, '/etc/passwd');
    // Re-check the file's mtime every 30 polls: new users are rare.
    if (this.passwd && this.polls - this.passwd.checkedAt < 30) return this.passwd.map;
    let mtimeMs = -1;
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      mtimeMs = -1;
    }
    if (!this.passwd || this.passwd.mtimeMs !== mtimeMs) {
      let map = new Map<number, string>();
      try {
        map = parsePasswd(readSmall(file, 'utf8'));
      } catch {
        // no passwd file: numeric uids
      }
      this.passwd = { map, mtimeMs, checkedAt: this.polls };
    } else {
      this.passwd.checkedAt = this.polls;
    }
    return this.passwd.map;
  }

  /**
   * The pids to read, ascending, and those of them that may be threads (found by the pid counter, not
   * listed): see the head of this file.
   */
  private listPids(): { pids: number[]; probed: Set<number> | null } {
    const before = this.lastPid;
    const now = this.pidCounter ? lastPidOf(this.root, this.fds) : null;
    this.lastPid = now;
    if (now !== null && before !== null && now >= before && now - before <= NEW_PIDS_MAX && this.polls - this.listedAt < RELIST_EVERY) {
      const pids = [...this.known.keys()];
      for (const pid of this.retry) if (!this.known.has(pid) && !(pid > before && pid <= now)) pids.push(pid);
      const probed = new Set<number>();
      for (let pid = before + 1; pid <= now; pid++) {
        if (this.known.has(pid)) continue;
        pids.push(pid);
        probed.add(pid);
      }
      return { pids: pids.sort(ascending), probed };
    }
    const out: number[] = [];
    for (const name of readdirSync(join(this.root, '/proc'))) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57 || !/^\d+$/.test(name)) continue;
      out.push(Number(name));
    }
    this.listedAt = this.polls;
    this.listings++;
    return { pids: out.sort(ascending), probed: null };
  }

  read(opts: { pids?: number[]; pageSize?: number } = {}): { rows: ProcessCounters[]; errors: string[] } {
    this.polls++;
    const errors: string[] = [];
    let dropped = 0;
    const err = (m: string): void => {
      if (errors.length < MAX_ERRORS) errors.push(m);
      else dropped++;
    };
    let pids: number[];
    let probed: Set<number> | null = null;
    try {
      if (opts.pids) pids = [...new Set(opts.pids)].filter((p) => Number.isInteger(p) && p > 0).sort(ascending);
      else ({ pids, probed } = this.listPids());
    } catch (e) {
      return { rows: [], errors: [`${join(this.root, '/proc')}: ${errText(e)}`] };
    }
    const users = this.users();
    if (this.polls - this.swaps.at >= SWAPS_EVERY) this.swaps = { none: noSwapAreas(this.root), at: this.polls };
    const noSwap = this.swaps.none;
    const statusEvery = noSwap ? STATUS_EVERY_NO_SWAP : STATUS_EVERY;
    if (this.pageSize === null) this.pageSize = opts.pageSize ?? pageSizeOf(this.root);
    const pageSize = opts.pageSize ?? this.pageSize;
    const rows: ProcessCounters[] = [];
    const live = new Set<number>();
    const failed: number[] = [];
    for (const pid of pids) {
      let k = this.known.get(pid);
      const base = k?.base ?? join(this.root, `/proc/${pid}`);
      try {
        // A pid found by the counter: most are gone already (a short command), some are threads.
        let statusText: string | null = null;
        if (probed?.has(pid)) {
          statusText = readSmall(`${base}/status`, 'latin1');
          if (tgidOf(statusText) !== pid) continue;
        }
        const statFile = k?.statFile ?? `${base}/stat`;
        // A view of the shared read buffer: compared, or parsed and copied, before anything else is read.
        const bytes = this.fds.readBytes(statFile);
        const same = k !== undefined && bytes.length === k.statLen && bytes.compare(k.statBytes, 0, k.statLen) === 0;
        let s: PidStat;
        let statBytes: Buffer;
        if (same) {
          s = k!.stat;
          statBytes = k!.statBytes;
        } else {
          const st = parsePidStat(bytes.toString('utf8'), statFile);
          if (!st.value) {
            err(st.error!);
            failed.push(pid);
            continue;
          }
          s = st.value;
          if (k) k.statLen = -1; // its copy is overwritten now: until this poll ends well, it matches nothing
          statBytes = keepBytes(bytes, k?.statBytes);
        }
        const statusFile = k?.statusFile ?? `${base}/status`;
        const fresh = !k || k.start !== s.startTicks;
        const cmdlineFile = k?.cmdlineFile ?? `${base}/cmdline`;
        if (fresh && k) {
          // Same pid, another process: the old descriptors already fail; make sure they are closed.
          this.fds.close(statusFile);
          this.fds.close(cmdlineFile);
        }
        if (!k || fresh || k.comm !== s.comm || (s.execMark !== null && s.execMark !== k.execMark)) {
          const cmdline = parseCmdline(this.fds.read(cmdlineFile, 'utf8'));
          let containerId: string | null = null;
          try {
            containerId = containerIdFromPidCgroup(readSmall(`${base}/cgroup`, 'utf8'));
          } catch (e) {
            if (isGone(e)) throw e;
            // no cgroup file (no cgroup support): no container
          }
          // The next rolling re-read is spread by pid, so that a poll re-reads about a tenth of them.
          const cmdPoll = k ? this.polls : this.polls - (pid % CMDLINE_EVERY);
          k = {
            base, statFile, statusFile, cmdlineFile, start: s.startTicks, comm: s.comm, execMark: s.execMark, cmdline, cmdPoll, containerId, uid: -1, swapBytes: 0, statusPoll: -Infinity,
            statBytes, statLen: bytes.length, stat: s, row: null,
          };
          this.known.set(pid, k);
        } else if (this.polls - k.cmdPoll >= CMDLINE_EVERY) {
          k.cmdline = parseCmdline(this.fds.read(k.cmdlineFile, 'utf8'));
          k.cmdPoll = this.polls;
        }
        if (this.polls - k.statusPoll >= statusEvery) {
          const status = parsePidStatus(statusText ?? this.fds.read(statusFile, 'latin1'), statusFile);
          for (const e of status.errors) err(e);
          let uid = status.value.uid;
          if (uid === null) {
            try {
              uid = statSync(base).uid;
            } catch {
              uid = -1;
            }
          }
          k.uid = uid;
          k.swapBytes = status.value.swapBytes ?? 0;
          // the next re-reads spread by pid, not all processes seen in one poll at once
          k.statusPoll = k.statusPoll === -Infinity ? this.polls - (pid % statusEvery) : this.polls;
        }
        if (!same) {
          k.statBytes = statBytes;
          k.statLen = bytes.length;
          k.stat = s;
        }
        live.add(pid);
        const user = users.get(k.uid) ?? String(k.uid);
        const rssBytes = s.rssPages * pageSize;
        const swapBytes = noSwap ? 0 : k.swapBytes;
        let row = k.row;
        if (!same || row === null || row.uid !== k.uid || row.user !== user || row.rssBytes !== rssBytes || row.swapBytes !== swapBytes || row.cmdline !== k.cmdline || row.containerId !== k.containerId) {
          row = {
            pid,
            ppid: s.ppid,
            uid: k.uid,
            user,
            state: s.state,
            threads: s.threads,
            utimeTicks: s.utimeTicks,
            stimeTicks: s.stimeTicks,
            rssBytes,
            vmsBytes: s.vsizeBytes,
            swapBytes,
            comm: s.comm,
            cmdline: k.cmdline,
            containerId: k.containerId,
            startTicks: s.startTicks,
          };
          k.row = row;
        }
        rows.push(row);
      } catch (e) {
        this.fds.close(k?.statFile ?? `${base}/stat`);
        this.fds.close(k?.statusFile ?? `${base}/status`);
        this.fds.close(k?.cmdlineFile ?? `${base}/cmdline`);
        if (isGone(e)) continue; // exited between listing and reading
        err(`${base}: ${errText(e)}`);
        failed.push(pid);
      }
    }
    // Forget processes that are gone (only on full listings: a pid subset says nothing about the rest).
    if (!opts.pids) {
      for (const [pid, k] of this.known) {
        if (live.has(pid)) continue;
        this.known.delete(pid);
        this.fds.close(k.statFile);
        this.fds.close(k.statusFile);
        this.fds.close(k.cmdlineFile);
      }
    }
    if (!opts.pids) this.retry = failed;
    if (dropped > 0) errors.push(`processes: ${dropped} more errors`);
    return { rows, errors };
  }

  close(): void {
    this.fds.closeAll();
    this.known.clear();
  }
}

const readers = new Map<string, ProcessReader>();

/** Reads the process table (or the given pids) under `root`. Never throws. */
export async function readProcesses(opts: ReadProcessesOptions = {}): Promise<{ rows: ProcessCounters[]; errors: string[] }> {
  const root = opts.root ?? '/';
  let r = readers.get(root);
  if (!r) {
    r = new ProcessReader(root);
    readers.set(root, r);
  }
  try {
    return r.read({ pids: opts.pids, pageSize: opts.pageSize });
  } catch (e) {
    return { rows: [], errors: [`processes: ${(e as Error).message.split('\n')[0]}`] };
  }
}

/** Descriptors readProcesses keeps open now (all roots). */
export function openProcessDescriptors(): number {
  let n = 0;
  for (const r of readers.values()) n += r.fds.size;
  return n;
}

/** Closes the descriptors kept by readProcesses (on exit, or when the whole process table is no longer read). */
export function closeProcessReaders(): void {
  for (const r of readers.values()) r.close();
  readers.clear();
}

/** The process source the sampler reads (sources/types.ts): /proc under `root` (default "/"). */
export function procfsProcesses(root?: string): ProcessesSource {
  return {
    read: (pids) => readProcesses(root === undefined ? (pids ? { pids: [...pids] } : {}) : pids ? { root, pids: [...pids] } : { root }),
    release: closeProcessReaders,
  };
}
