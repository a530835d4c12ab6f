// tailtop over a real SSH session on loopback, as people use it on remote hosts: an sshd started here on a
// free port with a throwaway host key and user key (torn down after), `ssh -t` from a tmux pane, the monitor
// run in a UTF-8 and in a C locale. UTF-8 draws box characters; C draws ASCII only (a C-locale terminal
// would print UTF-8 as garbage). Quitting leaves the remote terminal as it was (echo on, normal screen,
// cursor shown) and ssh returns tailtop's exit code.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, CLI as cli, REPO as root, requirement } from '../env.js';
import { sleep } from '../wait.js';
import { hasTmux, sessionsKilledAfterEach, startTmux, type TmuxSession } from './tmux.js';

const SSHD = '/usr/sbin/sshd';
const why = !existsSync(SSHD)
  ? 'openssh-server is not installed (/usr/sbin/sshd)'
  : !existsSync('/usr/bin/ssh') || !existsSync('/usr/bin/ssh-keygen')
    ? 'openssh-client is not installed'
    : process.getuid?.() !== 0
      ? 'not root (sshd needs root to start)'
      : !hasTmux()
        ? 'tmux is not installed'
        : null;
const skip = requirement('ssh', why === null, why ?? '') ?? builtCli();
const sessions = sessionsKilledAfterEach();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

describe.skipIf(skip)('tailtop over ssh', () => {
  let dir = '';
  let port = 0;
  let sshd: ChildProcess | null = null;
  let madePrivsepDir = false;
  let sshdLog = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tailtop-ssh-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'user_key')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')));
    port = await freePort();
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'StrictModes no',
        'UsePAM no',
        'PrintMotd no',
        'PrintLastLog no',
        'AcceptEnv LANG LC_*',
        '',
      ].join('\n'),
    );
    // sshd's privilege separation directory (created by the service unit normally).
    if (!existsSync('/run/sshd')) {
      mkdirSync('/run/sshd', { mode: 0o755 });
      madePrivsepDir = true;
    }
    sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    sshd.stderr!.on('data', (d: Buffer) => (sshdLog = (sshdLog + d.toString()).slice(-4000)));
    for (let i = 0; i < 100 && !(await accepts(port)); i++) await sleep(100);
    if (!(await accepts(port))) throw new Error(`sshd did not come up on port ${port}: ${sshdLog}`);
  }, 60_000);

  afterAll(async () => {
    if (sshd && sshd.exitCode === null) {
      const gone = new Promise((r) => sshd!.once('exit', r));
      sshd.kill('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
      if (sshd.exitCode === null && sshd.signalCode === null) sshd.kill('SIGKILL');
    }
    if (madePrivsepDir) rmSync('/run/sshd', { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** ssh -t into this host, run tailtop with `env` in the remote shell; afterwards print the remote echo state. */
  function overSsh(name: string, remoteEnv: string): TmuxSession {
    // The remote side runs a script (same host, same files): no quoting through two shells.
    const script = join(dir, `remote-${name}.sh`);
    writeFileSync(
      script,
      `cd ${root}\n${remoteEnv} ${process.execPath} ${cli} --no-docker --no-ebpf\nrc=$?\n` +
        `printf 'REMOTE-ECHO:%s\\n' "$(stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo)"\nexit $rc\n`,
    );
    const ssh = [
      'ssh', '-t', '-p', String(port), '-i', join(dir, 'user_key'),
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
      '-o', 'BatchMode=yes', 'root@127.0.0.1', 'sh', script,
    ].join(' ');
    const s = startTmux(ssh, { cols: 120, rows: 36, env: { TERM: 'xterm-256color', LANG: 'C.UTF-8' } });
    sessions.push(s);
    return s;
  }

  async function quitAndCheck(s: TmuxSession): Promise<void> {
    s.send('q', { literal: true });
    expect(await s.waitExit(15_000)).toBe(0); // ssh returns the remote exit code
    const after = await s.waitFor('REMOTE-ECHO:');
    expect(after).toContain('REMOTE-ECHO:echo');
    expect(s.modes()).toEqual({ cursorVisible: true, alternateScreen: false });
    expect(after).not.toContain('Tail latency');
  }

  it('in a UTF-8 locale: box characters, live figures, q restores the remote terminal', async () => {
    const s = overSsh('utf8', 'LANG=C.UTF-8');
    const pane = await s.waitFor(/total\s+\d+\.\d%/, 30_000);
    expect(pane).toMatch(/┌─ CPU/);
    expect(pane).toMatch(/│/);
    expect(pane).not.toMatch(/lqq|qqk|Ã|â/); // neither ACS letters nor UTF-8 read as Latin-1
    await quitAndCheck(s);
  }, 60_000);

  it('in the C locale: ASCII only (+-| boxes, ASCII bars), q restores the remote terminal', async () => {
    const s = overSsh('c', 'LANG=C LC_ALL=C');
    const pane = await s.waitFor(/total\s+\d+\.\d%/, 30_000);
    expect(pane).toMatch(/^\+- CPU/m);
    expect(pane, pane).toMatch(/^[\x20-\x7e\n]*$/);
    s.send('p', { literal: true });
    const procs = await s.waitFor(/Processes \(host\)/, 10_000);
    expect(procs).toMatch(/^[\x20-\x7e\n]*$/);
    await quitAndCheck(s);
  }, 60_000);
});
