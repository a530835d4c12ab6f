// A loop device (on a file in /tmp) with direct writes going to it all the time, for tests that check
// that eBPF block latency shows up; stop() ends the writer and detaches the device.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoopDevices } from './loop-devices.js';

export interface LoopLoad {
  /** /dev/loopN */
  loop: string;
  /** loopN, as tailtop names the disk */
  dev: string;
  stop(): Promise<void>;
}

export async function loopUnderLoad(tag: string): Promise<LoopLoad> {
  const devices = new LoopDevices();
  const loop = await devices.make(join(tmpdir(), `${tag}.img`), 64);
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
      await devices.removeAll();
    },
  };
}
