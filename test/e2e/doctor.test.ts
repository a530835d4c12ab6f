// `tailtop doctor` on this machine as root: every check ok (the helper really attaches its programs, the
// private dockerd answers), exit 0; with the helper missing or refused, and with a broken config, the failing
// line names the problem and the fix and the exit status is 1; usage errors exit 2. The check ids and the
// JSON keys are those of docs/doctor.md. (As unprivileged users: test/integration/setup.test.ts.)
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO, requirement } from '../env.js';
import { setupDaemon, stopDaemon, type DaemonHandle } from '../integration/docker-helpers.js';
import { prebuiltName } from '../../src/sources/ebpf/helper-path.js';

interface Doc {
  schemaVersion: number;
  status: string;
  exitCode: number;
  checks: { id: string; status: string; summary: string; fix: string | null; detail: Record<string, unknown> }[];
}

const isRoot = process.getuid?.() === 0;
const skip = requirement('doctor as root', isRoot, 'needs root (the eBPF check attaches programs)') !== null;

describe.skipIf(skip)('tailtop doctor', () => {
  let d: DaemonHandle;
  const xdg = mkdtempSync(join(tmpdir(), 'tailtop-doctor-'));
  const doctor = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [CLI, 'doctor', ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: xdg, XDG_CONFIG_HOME: xdg, TERM: 'xterm-256color', LANG: 'C.UTF-8', DOCKER_HOST: d.host, ...env },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const json = (args: string[] = [], env: Record<string, string> = {}): { code: number | null; doc: Doc } => {
    const r = doctor(['--json', ...args], env);
    return { code: r.code, doc: JSON.parse(r.stdout) as Doc };
  };
  const byId = (doc: Doc, id: string) => doc.checks.find((c) => c.id === id)!;

  beforeAll(async () => {
    d = await setupDaemon();
    requirement('doctor: a Docker daemon', d.unavailable === null, d.unavailable ?? '');
  }, 180_000);
  afterAll(async () => {
    if (d?.ownsDaemon) await stopDaemon(d);
  });

  it('as root on this machine: every check ok, the programs attached, exit 0', () => {
    const text = doctor([]);
    console.log(text.stdout.trimEnd());
    expect(text.code).toBe(0);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('9 ok, 0 warn, 0 fail: tailtop will work fully');
    const { code, doc } = json();
    expect(code).toBe(0);
    expect(doc).toMatchObject({ schemaVersion: 1, status: 'ok', exitCode: 0 });
    expect(doc.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    const programs = byId(doc, 'ebpf.programs').detail as { attached: Record<string, string>; failed: Record<string, string> };
    expect(Object.keys(programs.attached).sort()).toEqual(['block_rq_complete', 'block_rq_insert', 'block_rq_issue', 'block_rq_merge', 'block_rq_requeue', 'sched_switch', 'sched_wakeup', 'sched_wakeup_new']);
    expect(programs.failed).toEqual({});
    const helper = byId(doc, 'ebpf.helper').detail;
    expect(helper.sourceSha256).toBe(helper.packageSourceSha256);
    expect(byId(doc, 'containers').summary).toMatch(/^(Docker|Podman) \S+ \(API [\d.]+\) at unix:\/\//);
  });

  it('the check ids are the ones docs/doctor.md documents, in its order', () => {
    const md = readFileSync(join(REPO, 'docs', 'doctor.md'), 'utf8');
    const table = md.slice(md.indexOf('## The checks'), md.indexOf('## JSON'));
    const documented = [...table.matchAll(/^\| `([a-z.]+)` \|/gm)].map((m) => m[1]);
    expect(json().doc.checks.map((c) => c.id)).toEqual(documented);
  });

  it('runs the prebuilt helper when told to, and says which it is', () => {
    const pre = join(REPO, 'bpf', 'prebuilt', prebuiltName()!);
    const { code, doc } = json([], { TAILTOP_BPF_HELPER: pre });
    expect(code).toBe(0);
    expect(byId(doc, 'ebpf.helper')).toMatchObject({ status: 'ok', detail: { origin: 'env', link: 'static' } });
    expect(byId(doc, 'ebpf.programs').status).toBe('ok');
  });

  it('helper missing: fails with the fix, exit 1; a helper others can write is refused', () => {
    const missing = json([], { TAILTOP_BPF_HELPER: '/nonexistent/tailtop-bpf' });
    expect(missing.code).toBe(1);
    expect(byId(missing.doc, 'ebpf.helper')).toMatchObject({ status: 'fail', summary: 'helper not found: /nonexistent/tailtop-bpf (TAILTOP_BPF_HELPER)', fix: 'fix or unset TAILTOP_BPF_HELPER' });
    expect(byId(missing.doc, 'ebpf.programs')).toMatchObject({ status: 'fail', summary: 'not tried: no helper to run (see the eBPF helper line)' });
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-doctor-helper-'));
    const open = join(dir, 'tailtop-bpf');
    copyFileSync(join(REPO, 'bpf', 'prebuilt', prebuiltName()!), open);
    chmodSync(dir, 0o777);
    const refused = json([], { TAILTOP_BPF_HELPER: open });
    expect(refused.code).toBe(1);
    expect(byId(refused.doc, 'ebpf.helper')).toMatchObject({ status: 'fail', summary: `refusing helper ${open}: ${dir} is writable by everyone` });
    const text = doctor([], { TAILTOP_BPF_HELPER: '/nonexistent/tailtop-bpf' });
    expect(text.stdout).toMatch(/^fail {2}eBPF helper +helper not found: \/nonexistent\/tailtop-bpf \(TAILTOP_BPF_HELPER\) — fix: fix or unset TAILTOP_BPF_HELPER$/m);
  });

  it('a broken config: the config line fails with file:line and the fix, the verdict says tailtop will not start, exit 1', () => {
    const bad = join(xdg, 'bad.toml');
    writeFileSync(bad, '[keys]\nquit = 5\n');
    const text = doctor(['--config', bad]);
    expect(text.code).toBe(1);
    const first = text.stdout.split('\n')[0]!;
    expect(first.startsWith(`fail  config           ${bad}:2: keys.quit: `)).toBe(true);
    expect(first.endsWith(' — fix: fix the file (README: Configuration), or move it aside: tailtop starts with the defaults')).toBe(true);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toMatch(/: tailtop will not start until that is fixed$/);
  });

  it('root without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (as in a container): the permission line fails, the programs do not attach', () => {
    const r = spawnSync('setpriv', ['--bounding-set', '-bpf,-perfmon,-sys_admin', '--inh-caps=-all', process.execPath, CLI, 'doctor', '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: xdg, TERM: 'xterm-256color', LANG: 'C.UTF-8', DOCKER_HOST: d.host },
    });
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(byId(doc, 'ebpf.permission')).toMatchObject({ status: 'fail', summary: 'root, but without CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN (a container?)' });
    expect(byId(doc, 'ebpf.programs')).toMatchObject({ status: 'fail', summary: 'no program attached: not permitted (run as root, or once: sudo tailtop setup)' });
  });

  it('a socket nobody answers on fails the containers line', () => {
    const { code, doc } = json(['--docker-host', `unix://${join(xdg, 'none.sock')}`]);
    expect(code).toBe(1);
    expect(byId(doc, 'containers')).toMatchObject({ status: 'fail', summary: `nothing answers at unix://${join(xdg, 'none.sock')} (ENOENT)` });
  });

  it('usage errors exit 2', () => {
    expect(doctor(['--undo']).code).toBe(2);
    expect(doctor(['--interval', '5']).code).toBe(2);
    expect(doctor(['extra']).code).toBe(2);
  });
});
