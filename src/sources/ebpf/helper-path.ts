// Which eBPF helper tailtop runs, and whether it may run it.
//
// Candidates, first usable wins:
//   TAILTOP_BPF_HELPER  an absolute path; when set it is the only candidate
//   installed           /usr/local/lib/tailtop/tailtop-bpf (`sudo tailtop setup`: root:tailtop 0750 + caps)
//   build               <package>/bpf/tailtop-bpf (make -C bpf, on hosts with the toolchain)
//   prebuilt            <package>/bpf/prebuilt/tailtop-bpf-<arch> (static, committed)
// root tries its package's own helpers first (it needs no capabilities) and the installed one last; other
// users try the installed one first (their own builds have no capabilities).
//
// Trust: the helper runs with root's or the capabilities' privilege, so whoever can replace it can act
// with that privilege. A helper is refused, with a one-line reason, when the file or any directory on its
// path (as given and as resolved) is owned by anyone but root or the running user, is writable by
// everyone (a root-owned sticky directory such as /tmp excepted), or is writable by a group that is not
// root's or the user's own private group. When the helper would run with more privilege than the user has
// (tailtop runs as root, or with capabilities, or the file carries file capabilities), only root may own
// the chain: root never runs a user's file, and a user's file never carries capabilities.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLineText } from './protocol.js';

export const INSTALL_DIR = '/usr/local/lib/tailtop';
export const INSTALLED_HELPER = `${INSTALL_DIR}/tailtop-bpf`;
export const HELPER_GROUP = 'tailtop';
export const REASON_NOT_BUILT = 'eBPF: helper not built (make -C bpf)';
export const REASON_NOT_IN_GROUP = `eBPF: not permitted (not in group ${HELPER_GROUP})`;

/** The package root (works from src/ and from dist/: both are three levels below it). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type HelperOrigin = 'env' | 'option' | 'installed' | 'build' | 'prebuilt';

export interface HelperCandidate {
  path: string;
  origin: HelperOrigin;
}

export type HelperChoice =
  | { ok: true; path: string; origin: HelperOrigin }
  | {
      ok: false;
      /** not-found: nothing there; refused: fails the trust check; not-permitted: cannot execute it. */
      kind: 'not-found' | 'refused' | 'not-permitted' | 'bad-env';
      /** One line for the status line, starting "eBPF: ". */
      reason: string;
      path?: string;
      origin?: HelperOrigin;
    };

export interface FileInfo {
  uid: number;
  gid: number;
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** The system as this process sees it (tests pass a fake). */
export interface HostAccess {
  euid: number;
  /** Effective and supplementary group ids of this process. */
  gids: number[];
  /** Effective capabilities of this process (0n: none). */
  capEff: bigint;
  stat(path: string): FileInfo | null;
  realpath(path: string): string | null;
  executable(path: string): boolean;
  /** The file's capabilities as getcap prints them, '' for none, null when they cannot be read. */
  fileCaps(path: string): string | null;
  userName(uid: number): string | null;
  primaryGid(uid: number): number | null;
  group(gidOrName: number | string): GroupEntry | null;
}

/** The prebuilt helper's file name for a Node.js arch, or null when none is shipped for it. */
export function prebuiltName(arch: string = process.arch): string | null {
  if (arch === 'x64') return 'tailtop-bpf-x86_64';
  if (arch === 'arm64') return 'tailtop-bpf-aarch64';
  return null;
}

export function helperCandidates(euid: number, pkgRoot = PACKAGE_ROOT, arch: string = process.arch): HelperCandidate[] {
  const own: HelperCandidate[] = [{ path: join(pkgRoot, 'bpf', 'tailtop-bpf'), origin: 'build' }];
  const pre = prebuiltName(arch);
  if (pre) own.push({ path: join(pkgRoot, 'bpf', 'prebuilt', pre), origin: 'prebuilt' });
  const installed: HelperCandidate = { path: INSTALLED_HELPER, origin: 'installed' };
  return euid === 0 ? [...own, installed] : [installed, ...own];
}

/** "/a/b" -> ["/", "/a", "/a/b"]. */
function chain(path: string): string[] {
  const out = ['/'];
  let cur = '';
  for (const part of path.split('/')) {
    if (part === '') continue;
    cur += `/${part}`;
    out.push(cur);
  }
  return out;
}

function ownerLabel(uid: number, sys: HostAccess): string {
  const name = sys.userName(uid);
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

/** Root's group, or (for a helper that runs without extra privilege) the user's own private group. */
function groupTrusted(gid: number, sys: HostAccess, elevated: boolean): boolean {
  if (gid === 0) return true;
  if (elevated) return false;
  const g = sys.group(gid);
  const me = sys.userName(sys.euid);
  return g !== null && me !== null && g.name === me && sys.primaryGid(sys.euid) === gid && g.members.every((m) => m === me);
}

/** Why `path` must not be run as a helper by this process, or null when it may be. */
export function trustProblem(path: string, sys: HostAccess): string | null {
  const real = sys.realpath(path);
  if (real === null) return `${path} cannot be resolved`;
  const list: string[] = [];
  for (const p of [...chain(dirname(path)), ...chain(real)]) if (!list.includes(p)) list.push(p);
  const root = sys.euid === 0;
  const elevated = root || sys.capEff !== 0n;
  let userOwned: string | null = null;
  for (const p of list) {
    const st = sys.stat(p);
    if (!st) return `${p} cannot be examined`;
    if (st.uid !== 0 && st.uid !== sys.euid) return `${p} is owned by ${ownerLabel(st.uid, sys)}, not ${root ? 'root' : 'root or you'}`;
    if (st.uid !== 0) userOwned ??= p;
    if (st.mode & 0o002 && !(st.isDirectory && st.mode & 0o1000 && st.uid === 0)) return `${p} is writable by everyone`;
    if (st.mode & 0o020 && !groupTrusted(st.gid, sys, elevated)) {
      const g = sys.group(st.gid);
      return `${p} is writable by group ${g ? g.name : st.gid}`;
    }
  }
  if (userOwned === null || root) return null;
  if (elevated) return `${userOwned} is yours and tailtop runs with capabilities: only a root-owned helper may be run (sudo tailtop setup)`;
  const caps = sys.fileCaps(real);
  if (caps) return `it has file capabilities (${oneLineText(caps, 40)}) but ${userOwned} is yours to replace; install it with: sudo tailtop setup`;
  return null;
}

/** Checks one candidate: there, trusted, executable by us. */
export function checkHelper(c: HelperCandidate, sys: HostAccess = hostAccess()): HelperChoice {
  const base = { path: c.path, origin: c.origin };
  const st = sys.stat(c.path);
  if (!st || !st.isFile) {
    const reason = c.origin === 'env' ? `eBPF: helper not found: ${oneLineText(c.path, 100)} (TAILTOP_BPF_HELPER)` : REASON_NOT_BUILT;
    return { ok: false, kind: 'not-found', reason, ...base };
  }
  const problem = trustProblem(c.path, sys);
  if (problem) return { ok: false, kind: 'refused', reason: oneLineText(`eBPF: refusing helper ${c.path}: ${problem}`, 400), ...base };
  if (!sys.executable(c.path)) {
    const g = sys.group(st.gid);
    if (st.mode & 0o010 && !sys.gids.includes(st.gid) && g) {
      const me = sys.userName(sys.euid);
      const listed = me !== null && g.members.includes(me);
      const reason = listed
        ? `eBPF: not permitted (in group ${g.name} since this login began: log in again, or run: newgrp ${g.name})`
        : g.name === HELPER_GROUP
          ? REASON_NOT_IN_GROUP
          : `eBPF: not permitted (not in group ${g.name})`;
      return { ok: false, kind: 'not-permitted', reason, ...base };
    }
    return { ok: false, kind: 'not-permitted', reason: `eBPF: helper not executable: ${oneLineText(c.path, 100)}`, ...base };
  }
  return { ok: true, ...base };
}

/** The helper this process should run, or why there is none. */
export function findHelper(o: { env?: NodeJS.ProcessEnv; sys?: HostAccess; pkgRoot?: string; arch?: string } = {}): HelperChoice {
  const env = o.env ?? process.env;
  const sys = o.sys ?? hostAccess();
  const fromEnv = env.TAILTOP_BPF_HELPER;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!isAbsolute(fromEnv))
      return { ok: false, kind: 'bad-env', reason: `eBPF: TAILTOP_BPF_HELPER must be an absolute path, got '${oneLineText(fromEnv, 80)}'` };
    return checkHelper({ path: normalize(fromEnv), origin: 'env' }, sys);
  }
  let first: HelperChoice | null = null;
  for (const c of helperCandidates(sys.euid, o.pkgRoot, o.arch)) {
    const r = checkHelper(c, sys);
    if (r.ok || r.kind === 'not-permitted') return r;
    if (r.kind !== 'not-found') first ??= r;
  }
  if (first) return first;
  return prebuiltName(o.arch) === null
    ? { ok: false, kind: 'not-found', reason: `eBPF: no prebuilt helper for ${process.arch}; build one: make -C bpf` }
    : { ok: false, kind: 'not-found', reason: REASON_NOT_BUILT };
}

// ------------------------------------------------------------------------------------ the real host

function table(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

const GETCAP = ['/usr/sbin/getcap', '/sbin/getcap', '/usr/bin/getcap'];

/** getcap's answer for a file: '' none, the capability text, or null when getcap is not installed. */
export function readFileCaps(path: string): string | null {
  const tool = GETCAP.find((t) => {
    try {
      accessSync(t, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!tool) return null;
  const r = spawnSync(tool, [path], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0) return null;
  const out = (r.stdout ?? '').trim();
  // "/path cap_bpf,cap_perfmon=ep" (libcap 2.x); older versions print "/path = cap_...+ep"
  return out.startsWith(path) ? out.slice(path.length).replace(/^\s*=?\s*/, '') : out;
}

/** Effective capabilities of this process, from /proc/self/status. */
function ownCapEff(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

export function hostAccess(): HostAccess {
  let passwd: string[][] | null = null;
  let groups: string[][] | null = null;
  const pw = (): string[][] => (passwd ??= table('/etc/passwd'));
  const gr = (): string[][] => (groups ??= table('/etc/group'));
  const euid = process.geteuid?.() ?? -1;
  const gids = [...new Set([process.getegid?.() ?? -1, ...(process.getgroups?.() ?? [])])];
  return {
    euid,
    gids,
    capEff: ownCapEff(),
    stat(p) {
      try {
        const s = statSync(p);
        return { uid: s.uid, gid: s.gid, mode: s.mode & 0o7777, isFile: s.isFile(), isDirectory: s.isDirectory() };
      } catch {
        return null;
      }
    },
    realpath(p) {
      try {
        return realpathSync(p);
      } catch {
        return null;
      }
    },
    executable(p) {
      try {
        accessSync(p, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    fileCaps: readFileCaps,
    userName: (uid) => pw().find((f) => Number(f[2]) === uid)?.[0] ?? null,
    primaryGid: (uid) => {
      const f = pw().find((e) => Number(e[2]) === uid);
      return f ? Number(f[3]) : null;
    },
    group(key) {
      const f = gr().find((e) => (typeof key === 'number' ? Number(e[2]) === key : e[0] === key));
      return f ? { name: f[0] ?? '', gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) } : null;
    },
  };
}
