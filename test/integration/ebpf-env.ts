// What the eBPF integration tests need on the machine, in one place: Linux, root (loop devices and BPF),
// kernel BTF, the commands each test runs, and the helper binary (built with `make -C bpf` when missing).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../env.js';
import { which } from './docker-helpers.js';

/** Why the eBPF tests cannot run here (one line), or null. */
export function ebpfUnmet(bin: string, commands: readonly string[]): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (loop devices, BPF)';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'kernel has no BTF';
  for (const c of commands) if (!which(c)) return `${c} not installed`;
  if (!existsSync(bin)) {
    try {
      execFileSync('make', ['-C', join(REPO, 'bpf')], { stdio: 'pipe' });
    } catch (e) {
      return `make -C bpf failed: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  return null;
}
