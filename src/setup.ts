// `tailtop setup` / `tailtop setup --undo`: least privilege for eBPF in one command (run as root).
//
// setup copies the package's helper to /usr/local/lib/tailtop/tailtop-bpf, owned by root and group
// `tailtop` (created when missing), mode 0750, with the file capabilities cap_bpf,cap_perfmon (measured as
// the minimal set: test/integration/setup.test.ts). Members of `tailtop` then get eBPF without root; nobody
// but root can replace the file. --undo removes the file, the directory and the group it created.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  HELPER_GROUP,
  INSTALL_DIR,
  INSTALLED_HELPER,
  PACKAGE_ROOT,
  helperCandidates,
  hostAccess,
  readFileCaps,
  trustProblem,
} from './sources/ebpf/helper-path.js';
import { readVersion, shortHash, sourceHash } from './sources/ebpf/helper-version.js';
import { unescapeMountPath } from './sources/cgroup/detect.js';

/** The capabilities the helper needs (kernel 5.8+; see bpf/loader.c for the measurement). */
export const HELPER_CAPS = 'cap_bpf,cap_perfmon';
const CAP_BPF = 39;
const STATE = join(INSTALL_DIR, 'setup.json');
const TMP = join(INSTALL_DIR, '.tailtop-bpf.new');
const SBIN = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

interface State {
  version: 1;
  /** setup created the group (so --undo removes it). */
  createdGroup: boolean;
}

export class SetupError extends Error {}

function tool(name: string): string {
  const t = SBIN.map((d) => join(d, name)).find((p) => existsSync(p));
  if (!t) throw new SetupError(`${name} not found (Debian: apt-get install ${name.endsWith('cap') ? 'libcap2-bin' : 'passwd'})`);
  return t;
}

function run(name: string, args: string[]): void {
  const r = spawnSync(tool(name), args, { encoding: 'utf8' });
  if (r.status !== 0) throw new SetupError(`${name} ${args.join(' ')} failed: ${(r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').pop()}`);
}

function readState(): State | null {
  try {
    const s = JSON.parse(readFileSync(STATE, 'utf8')) as Partial<State>;
    return { version: 1, createdGroup: s.createdGroup === true };
  } catch {
    return null;
  }
}

/** The mount options of the file system holding `path` (from /proc/self/mountinfo). */
function mountOptions(path: string): string[] {
  let best = '';
  let opts: string[] = [];
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const f = line.split(' ');
      const mp = unescapeMountPath(f[4] ?? '');
      if ((path === mp || path.startsWith(mp === '/' ? '/' : `${mp}/`)) && mp.length >= best.length) {
        best = mp;
        opts = (f[5] ?? '').split(',');
      }
    }
  } catch {
    // no /proc: no check
  }
  return opts;
}

/** The package helper to install: one built from the package's sources, the static prebuilt one first. */
function sourceHelper(say: (l: string) => void): string {
  const want = sourceHash(join(PACKAGE_ROOT, 'bpf'));
  const own = helperCandidates(0).filter((c) => c.origin !== 'installed').reverse(); // prebuilt, build
  let fallback: string | null = null;
  for (const c of own) {
    if (!existsSync(c.path)) continue;
    const v = readVersion(c.path);
    if ('error' in v) {
      say(`skipping ${c.path}: ${v.error}`);
      continue;
    }
    if (want === null || v.sourceSha256 === want) return c.path;
    fallback ??= c.path;
  }
  if (fallback) {
    say(`warning: ${fallback} was built from other sources than ${join(PACKAGE_ROOT, 'bpf')} (rebuild: make -C bpf prebuilt)`);
    return fallback;
  }
  throw new SetupError(`no helper in ${join(PACKAGE_ROOT, 'bpf')} to install (build one: make -C bpf)`);
}

function requireRoot(what: string): void {
  if (process.geteuid?.() !== 0) throw new SetupError(`${what} needs root: run sudo tailtop ${what}`);
}

/** Installs the helper. Prints what it did, one line each. */
export function setup(say: (line: string) => void): void {
  requireRoot('setup');
  const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
  if (!(last >= CAP_BPF)) throw new SetupError('this kernel has no CAP_BPF (Linux 5.8+ has it): run tailtop as root instead');
  if (mountOptions(INSTALL_DIR).includes('nosuid'))
    throw new SetupError(`${INSTALL_DIR} is on a file system mounted nosuid, where file capabilities are ignored`);
  const from = sourceHelper(say);
  const setcap = tool('setcap');
  const sys = hostAccess();
  const previous = readState();
  let group = sys.group(HELPER_GROUP);
  let createdGroup = previous?.createdGroup ?? false;
  if (!group) {
    run('groupadd', ['--system', HELPER_GROUP]);
    group = hostAccess().group(HELPER_GROUP);
    if (!group) throw new SetupError(`groupadd ${HELPER_GROUP} did not create the group`);
    createdGroup = true;
    say(`created group ${HELPER_GROUP} (gid ${group.gid})`);
  }
  mkdirSync(INSTALL_DIR, { recursive: true, mode: 0o755 });
  chownSync(INSTALL_DIR, 0, 0);
  chmodSync(INSTALL_DIR, 0o755);
  writeFileSync(STATE, `${JSON.stringify({ version: 1, createdGroup } satisfies State)}\n`, { mode: 0o644 });
  // Owner and mode first: chown clears file capabilities. Then setcap, then into place in one rename.
  rmSync(TMP, { force: true });
  copyFileSync(from, TMP);
  chownSync(TMP, 0, group.gid);
  chmodSync(TMP, 0o750);
  const r = spawnSync(setcap, [`${HELPER_CAPS}+ep`, TMP], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(TMP, { force: true });
    throw new SetupError(`setcap ${HELPER_CAPS}+ep failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  }
  renameSync(TMP, INSTALLED_HELPER);
  const problem = trustProblem(INSTALLED_HELPER, hostAccess());
  if (problem) throw new SetupError(`installed, but tailtop would refuse it: ${problem}`);
  const caps = readFileCaps(INSTALLED_HELPER) ?? '?';
  const v = readVersion(INSTALLED_HELPER);
  const version = 'error' in v ? v.error : `source ${shortHash(v.sourceSha256)}, ${v.link}`;
  say(`installed ${INSTALLED_HELPER} (root:${HELPER_GROUP}, mode 0750, ${caps}; from ${relative(PACKAGE_ROOT, from)}, ${version})`);
  const user = process.env.SUDO_USER && process.env.SUDO_USER !== 'root' ? process.env.SUDO_USER : 'USER';
  say(`to give a user eBPF without root: sudo usermod -aG ${HELPER_GROUP} ${user}  (from their next login; or now: newgrp ${HELPER_GROUP})`);
  say('root needs nothing more; check with: tailtop doctor; undo with: sudo tailtop setup --undo');
}

/** Removes what setup installed. Prints what it did, one line each. */
export function undoSetup(say: (line: string) => void): void {
  requireRoot('setup --undo');
  const state = readState();
  let removed = 0;
  for (const f of [INSTALLED_HELPER, TMP, STATE]) {
    if (!existsSync(f)) continue;
    rmSync(f, { force: true });
    say(`removed ${f}`);
    removed++;
  }
  if (existsSync(INSTALL_DIR)) {
    const left = readdirSync(INSTALL_DIR);
    if (left.length > 0) throw new SetupError(`${INSTALL_DIR} still holds files tailtop did not put there (${left.slice(0, 3).join(', ')}): left in place`);
    rmdirSync(INSTALL_DIR);
    say(`removed ${INSTALL_DIR}`);
    removed++;
  }
  const group = hostAccess().group(HELPER_GROUP);
  if (group && state?.createdGroup) {
    run('groupdel', [HELPER_GROUP]);
    say(`removed group ${HELPER_GROUP}${group.members.length ? ` (members were: ${group.members.join(', ')})` : ''}`);
    removed++;
  } else if (group) {
    say(`group ${HELPER_GROUP} left in place (tailtop setup did not create it)`);
  }
  if (removed === 0) say('nothing to undo');
}
