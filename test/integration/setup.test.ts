// `tailtop setup` for real, as root, and tailtop run as two unprivileged users created here (useradd):
// one added to group tailtop (eBPF on, block rows for a loop device under load), one not ("eBPF: not
// permitted (not in group tailtop)"). The capability set is measured as such a user: cap_bpf and
// cap_perfmon together work, neither alone nor none does. A helper the running user could replace is
// refused (a user's own file with capabilities; root with a user's file). `setup --undo` leaves no file,
// directory, group or membership behind. doctor is checked as both users.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO, requirement } from '../env.js';
import { which } from './docker-helpers.js';
import { loopUnderLoad, type LoopLoad } from './loop-load.js';
import { HELPER_GROUP, INSTALL_DIR, INSTALLED_HELPER, prebuiltName } from '../../src/sources/ebpf/helper-path.js';

const TAG = `tt${process.pid % 100000}`;
const IN = `${TAG}-in`;
const OUT = `${TAG}-out`;
const PREBUILT = join(REPO, 'bpf', 'prebuilt', prebuiltName() ?? 'none');

function unmet(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (installs into /usr/local/lib, creates users and a group)';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'kernel has no BTF';
  for (const c of ['useradd', 'userdel', 'usermod', 'runuser', 'setcap', 'getcap', 'losetup', 'getent']) if (!which(c)) return `${c} not installed`;
  if (!existsSync(CLI)) return 'dist/cli.js is not built';
  if (!existsSync(PREBUILT)) return `${PREBUILT} missing`;
  return null;
}
const why = unmet();
const skip = requirement('tailtop setup', why === null, why ?? '') !== null;

function groupLine(): string | null {
  const r = spawnSync('getent', ['group', HELPER_GROUP], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

describe.skipIf(skip)('tailtop setup (real: root, a user in group tailtop, a user outside it)', () => {
  let app = '';
  let cli = '';
  let scratch = '';
  let load: LoopLoad | null = null;

  /** Runs the CLI (or any command) as `user` (root when null), with a clean environment. */
  const as = (user: string | null, args: string[], env: Record<string, string> = {}, input = ''): SpawnSyncReturns<string> => {
    const base = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8', TERM: 'xterm-256color', ...env };
    const envArgs = Object.entries(base).map(([k, v]) => `${k}=${v}`);
    const cmd = user ? ['runuser', '-u', user, '--', 'env', '-i', ...envArgs, ...args] : ['env', '-i', ...envArgs, ...args];
    return spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', input, timeout: 60_000 });
  };
  const tailtop = (user: string | null, args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> =>
    as(user, [process.execPath, cli, ...args], env);
  const snapshotLatency = (user: string | null, env: Record<string, string> = {}): { active: boolean; source: string; block: { device: string; op: string; count: number }[] } => {
    const r = tailtop(user, ['snapshot', '--json', '--no-docker', '--interval', '1000'], env);
    expect(r.status, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { latency: { active: boolean; source: string; block: { device: string; op: string; count: number }[] } }).latency;
  };

  beforeAll(async () => {
    if (existsSync(INSTALL_DIR)) execFileSync(process.execPath, [CLI, 'setup', '--undo']); // a run that was killed
    expect(groupLine(), `group ${HELPER_GROUP} exists already: this test creates and removes it`).toBeNull();
    for (const u of [IN, OUT]) {
      spawnSync('userdel', [u]);
      execFileSync('useradd', ['-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', u]);
    }
    // The users must read tailtop's files: run a copy in a world-readable directory unless the checkout is.
    const readable = as(OUT, ['test', '-r', CLI]).status === 0 && as(OUT, ['test', '-r', join(REPO, 'node_modules', 'blessed', 'package.json')]).status === 0;
    if (readable) {
      app = REPO;
    } else {
      app = mkdtempSync(join(tmpdir(), 'tailtop-app-'));
      for (const p of ['package.json', 'dist', 'node_modules', 'themes', 'bpf']) cpSync(join(REPO, p), join(app, p), { recursive: true });
      execFileSync('chmod', ['-R', 'a+rX', app]);
    }
    cli = join(app, 'dist', 'cli.js');
    scratch = mkdtempSync(join(tmpdir(), 'tailtop-caps-'));
    chmodSync(scratch, 0o755);
    load = await loopUnderLoad(`tailtop-setup-${process.pid}`);
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    spawnSync(process.execPath, [CLI, 'setup', '--undo']);
    for (const u of [IN, OUT]) spawnSync('userdel', [u]);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (app && app !== REPO) rmSync(app, { recursive: true, force: true });
  });

  it('before setup, doctor as a user says to run setup (and that the root-only Docker socket is refused); setup needs root', () => {
    const env: Record<string, string> = process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {};
    const d = tailtop(OUT, ['doctor', '--json'], env);
    expect(d.status).toBe(1);
    const checks = (JSON.parse(d.stdout) as { checks: { id: string; status: string; summary: string; fix: string | null }[] }).checks;
    expect(checks.find((c) => c.id === 'ebpf.permission')).toMatchObject({
      status: 'fail',
      summary: 'not root, and no helper installed with capabilities',
      fix: `sudo tailtop setup, then: sudo usermod -aG ${HELPER_GROUP} ${OUT} (and log in again)`,
    });
    // the package's own helper runs, as this user, and is not permitted
    expect(checks.find((c) => c.id === 'ebpf.programs')).toMatchObject({ status: 'fail', summary: 'no program attached: not permitted (run as root, or once: sudo tailtop setup)' });
    if (env.DOCKER_HOST?.startsWith('unix://'))
      expect(checks.find((c) => c.id === 'containers')).toMatchObject({ status: 'fail', summary: `permission denied on ${env.DOCKER_HOST.slice(7)}` });
    const r = tailtop(OUT, ['setup']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('tailtop setup: setup needs root: run sudo tailtop setup');
    expect(existsSync(INSTALL_DIR)).toBe(false);
  });

  it('as root installs the helper root:tailtop 0750 with cap_bpf,cap_perfmon, creates the group, says how to add a user', () => {
    const r = tailtop(null, ['setup'], { SUDO_USER: IN });
    expect(r.status, r.stderr).toBe(0);
    console.log(r.stdout.trim());
    expect(r.stdout).toContain(`created group ${HELPER_GROUP}`);
    expect(r.stdout).toContain(`sudo usermod -aG ${HELPER_GROUP} ${IN}`);
    const gid = Number(groupLine()!.split(':')[2]);
    const st = statSync(INSTALLED_HELPER);
    expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }).toEqual({ uid: 0, gid, mode: 0o750 });
    const dir = statSync(INSTALL_DIR);
    expect({ uid: dir.uid, mode: dir.mode & 0o7777 }).toEqual({ uid: 0, mode: 0o755 });
    const caps = execFileSync('getcap', [INSTALLED_HELPER], { encoding: 'utf8' });
    expect(caps).toMatch(/cap_perfmon,cap_bpf=ep|cap_bpf,cap_perfmon=ep/);
    // It is the package's helper, byte for byte.
    expect(readFileSync(INSTALLED_HELPER).equals(readFileSync(PREBUILT))).toBe(true);
    // Running it again replaces the file and keeps the record that the group is ours.
    expect(tailtop(null, ['setup']).status).toBe(0);
    expect(JSON.parse(readFileSync(join(INSTALL_DIR, 'setup.json'), 'utf8'))).toMatchObject({ createdGroup: true });
  });

  it('the capabilities it gives are the minimal set, measured as an unprivileged user', () => {
    const results: Record<string, number | null> = {};
    for (const caps of ['', 'cap_bpf', 'cap_perfmon', 'cap_bpf,cap_perfmon']) {
      const f = join(scratch, `h-${caps.replace(',', '-') || 'none'}`);
      copyFileSync(PREBUILT, f);
      chmodSync(f, 0o755);
      if (caps) execFileSync('setcap', [`${caps}+ep`, f]);
      const r = as(OUT, [f, '--interval-ms', '1000']); // stdin at EOF: hello, then exit 0
      results[caps || 'none'] = r.status;
      if (caps === 'cap_bpf,cap_perfmon') expect(r.stdout).toMatch(/^\{"type":"hello"/);
      else expect(r.stderr).toMatch(/not permitted/);
    }
    console.log(`helper exit status by file capabilities: ${JSON.stringify(results)}`);
    expect(results).toEqual({ none: 2, cap_bpf: 2, cap_perfmon: 2, 'cap_bpf,cap_perfmon': 0 });
  });

  it('a user outside the group gets "eBPF: not permitted (not in group tailtop)", and doctor says how to fix it', () => {
    const lat = snapshotLatency(OUT);
    expect(lat).toMatchObject({ active: false, source: 'eBPF: not permitted (not in group tailtop)' });
    const d = tailtop(OUT, ['doctor', '--json']);
    expect(d.status).toBe(1);
    const doc = JSON.parse(d.stdout) as { checks: { id: string; status: string; fix: string | null }[] };
    const perm = doc.checks.find((c) => c.id === 'ebpf.permission')!;
    expect(perm).toMatchObject({ status: 'fail' });
    expect(perm.fix).toContain(`sudo usermod -aG ${HELPER_GROUP} ${OUT}`);
    const text = tailtop(OUT, ['doctor']);
    expect(text.stdout).toMatch(/^fail {2}eBPF permission +not permitted \(not in group tailtop\) — fix: sudo usermod -aG tailtop /m);
  });

  it('a user in the group gets eBPF: block rows for the loop device under load; doctor is all ok for eBPF and exits 0', () => {
    execFileSync('usermod', ['-aG', HELPER_GROUP, IN]);
    const lat = snapshotLatency(IN);
    expect(lat.active).toBe(true);
    expect(lat.source).toBe('ebpf');
    const rows = lat.block.filter((b) => b.device === load!.dev && b.op === 'write');
    expect(rows.length, JSON.stringify(lat.block)).toBe(1);
    expect(rows[0]!.count).toBeGreaterThan(10);
    const d = tailtop(IN, ['doctor', '--json']);
    const doc = JSON.parse(d.stdout) as { exitCode: number; checks: { id: string; status: string; summary: string }[] };
    for (const id of ['kernel.btf', 'ebpf.permission', 'ebpf.helper', 'ebpf.programs'])
      expect(doc.checks.find((c) => c.id === id), id).toMatchObject({ status: 'ok' });
    expect(doc.checks.find((c) => c.id === 'ebpf.helper')!.summary).toContain(`${INSTALLED_HELPER} (installed, static`);
    expect(d.status).toBe(doc.exitCode);
    expect(doc.exitCode).toBe(doc.checks.some((c) => c.status === 'fail') ? 1 : 0);
    expect(doc.checks.filter((c) => c.status === 'fail')).toEqual([]);
  });

  it('never runs a helper the running user can replace', () => {
    const own = join(scratch, `own-${IN}`);
    copyFileSync(PREBUILT, own);
    execFileSync('chown', [IN, own]);
    chmodSync(own, 0o755);
    execFileSync('setcap', ['cap_bpf,cap_perfmon+ep', own]);
    const user = snapshotLatency(IN, { TAILTOP_BPF_HELPER: own });
    expect(user.active).toBe(false);
    expect(user.source).toBe(`eBPF: refusing helper ${own}: it has file capabilities (cap_perfmon,cap_bpf=ep) but ${own} is yours to replace; install it with: sudo tailtop setup`);
    const root = snapshotLatency(null, { TAILTOP_BPF_HELPER: own });
    expect(root.source).toBe(`eBPF: refusing helper ${own}: ${own} is owned by ${IN} (uid ${execFileSync('id', ['-u', IN], { encoding: 'utf8' }).trim()}), not root`);
    const relative = snapshotLatency(null, { TAILTOP_BPF_HELPER: 'tailtop-bpf' });
    expect(relative.source).toBe("eBPF: TAILTOP_BPF_HELPER must be an absolute path, got 'tailtop-bpf'");
  });

  it('--undo leaves nothing behind: no file, directory, group or membership; a second --undo has nothing to do', () => {
    const r = tailtop(null, ['setup', '--undo']);
    expect(r.status, r.stderr).toBe(0);
    console.log(r.stdout.trim());
    expect(r.stdout).toContain(`removed group ${HELPER_GROUP} (members were: ${IN})`);
    expect(existsSync(INSTALL_DIR)).toBe(false);
    expect(groupLine()).toBeNull();
    for (const f of ['/etc/group', '/etc/gshadow']) if (existsSync(f)) expect(readFileSync(f, 'utf8')).not.toMatch(new RegExp(`^${HELPER_GROUP}:`, 'm'));
    expect(execFileSync('id', ['-Gn', IN], { encoding: 'utf8' }).split(/\s+/)).not.toContain(HELPER_GROUP);
    const again = tailtop(null, ['setup', '--undo']);
    expect(again.stdout.trim()).toBe('tailtop setup: nothing to undo');
    // And without it the user in the old group is back to "not permitted".
    expect(snapshotLatency(IN).active).toBe(false);
  });
});
