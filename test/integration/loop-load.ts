// A loop device (on a file in /tmp) with direct writes going to it all the time, for tests that check
// that eBPF block latency shows up; stop() ends the writer and detaches the device.
import { execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const pexec = promisify(execFile);

export interface LoopLoad {
  /** /dev/loopN */
  loop: string;
  /** loopN, as tailtop names the disk */
  dev: string;
  stop(): Promise<void>;
}

export async function loopUnderLoad(tag: string): Promise<LoopLoad> {
  const img = join(tmpdir(), `${tag}.img`);
  await pexec('truncate', ['-s', '64M', img]);
  const loop = (await pexec('losetup', ['-f', '--show', img])).stdout.trim();
  const writer = spawn('sh', ['-c', `while :; do dd if=/dev/zero of=${loop} bs=4k count=200 oflag=direct status=none; sleep 0.05; done`], {
    stdio: 'ignore',
    detached: true,
  });
  return {
    loop,
    dev: loop.replace('/dev/', ''),
    async stop() {
      try {
        if (writer.pid) process.kill(-writer.pid, 'SIGKILL');
      } catch {
        // gone
      }
      await new Promise((r) => setTimeout(r, 200));
      await pexec('losetup', ['-d', loop]).catch(() => undefined);
      rmSync(img, { force: true });
    },
  };
}
