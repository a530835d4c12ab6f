// The suite leaves nothing behind. A suite of one test (test/fixtures/teardown) runs under the real global
// set-up and teardown with no DOCKER_HOST, so the set-up starts a private dockerd of its own (in a
// directory of this test's); the test starts a container there, a loop device, a tmpfs mount, a helper
// whose child holds its stdout and a sleeper, then passes, fails, or hangs until Ctrl-C (SIGINT to the
// whole process group, as a terminal sends it). After each, nothing of that run may be left: no process
// with its id, no loop device or mount, no daemon, no container, no directory.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, requirement } from '../env.js';
import { until } from '../wait.js';
import { which } from './docker-helpers.js';
import { leftovers } from '../global-setup.js';

const why =
  process.getuid?.() !== 0
    ? 'not root (the run starts a dockerd, a loop device and a mount)'
    : !which('dockerd') || !which('docker')
      ? 'dockerd or the docker CLI is not installed'
      : !which('losetup')
        ? 'losetup is not installed'
        : null;
const skip = requirement('teardown', why === null, why ?? '');

const DDIR = '/tmp/tailtop-dockerd-teardown';
const VITEST = join(REPO, 'node_modules', 'vitest', 'vitest.mjs');
const CONFIG = join(REPO, 'test', 'fixtures', 'teardown', 'vitest.config.ts');

interface Facts {
  run: string;
  tmp: string;
  dockerHost: string | null;
  container?: string;
  loop: string;
  image: string;
  mount: string;
  pids: number[];
  holderFile: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function nested(mode: 'pass' | 'fail' | 'hang'): Promise<{ code: number | null; signal: string | null; facts: Facts; out: string; holder: number }> {
  const run = `td${mode}${Date.now().toString(36)}`;
  const ready = join(tmpdir(), `teardown-ready-${run}.json`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TAILTOP_TEST_RUN: run,
    TAILTOP_TEST_NO_BUILD: '1',
    TEARDOWN_MODE: mode,
    TEARDOWN_READY: ready,
    TAILTOP_DOCKERD_DIR: DDIR,
    TAILTOP_DOCKERD_RESTART_DIR: `${DDIR}-r`,
    TAILTOP_DOCKERD_E2E_DIR: `${DDIR}-e`,
    TAILTOP_DOCKERD_FLAGS: '--bridge=none',
  };
  delete env.DOCKER_HOST;
  const child = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG], { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  try {
    if (mode === 'hang') {
      await until(() => existsSync(ready), 150_000, 'the nested run to start everything', 200);
      process.kill(-child.pid!, 'SIGINT'); // Ctrl-C: the whole foreground process group
    }
    const { code, signal } = await exited;
    const facts = JSON.parse(readFileSync(ready, 'utf8')) as Facts;
    let holder = 0;
    try {
      holder = Number(readFileSync(facts.holderFile, 'utf8'));
    } catch {
      // the directory is gone with it: the pid was checked through the environment mark
    }
    return { code, signal, facts, out, holder };
  } finally {
    rmSync(ready, { force: true });
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  }
}

function expectNothingLeft(f: Facts, out: string): void {
  const where = `nested run output:\n${out.slice(-3000)}`;
  expect(leftovers({ run: f.run, dir: f.tmp, daemonDirs: [DDIR, `${DDIR}-r`, `${DDIR}-e`], daemonsUpAtStart: [], loopsAtStart: [] }), where).toEqual([]);
  for (const p of f.pids) expect(alive(p), `pid ${p}\n${where}`).toBe(false);
  expect(readFileSync('/proc/self/mountinfo', 'utf8'), where).not.toContain(f.mount);
  expect(existsSync(f.tmp), where).toBe(false);
  // The daemon the run started is stopped, and its container was removed before (no container directory).
  expect(f.dockerHost, where).toBe(`unix://${DDIR}/docker.sock`);
  expect(existsSync(`${DDIR}/docker.sock`), where).toBe(false);
  expect(f.container, where).toMatch(/^[0-9a-f]{64}$/);
  const containers = existsSync(`${DDIR}/data/containers`) ? readdirSync(`${DDIR}/data/containers`) : [];
  expect(containers, where).not.toContain(f.container);
}

describe.skipIf(skip)('the suite leaves nothing behind', () => {
  afterAll(() => {
    for (const d of [DDIR, `${DDIR}-r`, `${DDIR}-e`]) rmSync(d, { recursive: true, force: true });
  });

  it('after a pass', async () => {
    const r = await nested('pass');
    expect(r.code, r.out.slice(-2000)).toBe(0);
    expectNothingLeft(r.facts, r.out);
    if (r.holder) expect(alive(r.holder)).toBe(false);
  }, 240_000);

  it('after a failure', async () => {
    const r = await nested('fail');
    expect(r.code, r.out.slice(-2000)).toBe(1);
    expect(r.out).toContain('fails on purpose');
    expectNothingLeft(r.facts, r.out);
  }, 240_000);

  it('after Ctrl-C', async () => {
    const r = await nested('hang');
    expect(r.code === 0, r.out.slice(-2000)).toBe(false);
    expectNothingLeft(r.facts, r.out);
  }, 240_000);
});
