// The real-kernel checks of ebpf-kernel.test.ts (counts against /proc/diskstats, percentiles against fio,
// discard, run queue, cgroup attribution, exit on EOF and on the parent's death), run against the committed
// static helper itself: bpf/prebuilt/tailtop-bpf-<arch>, the binary that hosts without a toolchain run.
import { join } from 'node:path';
import { REPO } from '../env.js';
import { prebuiltName } from '../../src/sources/ebpf/helper-path.js';

process.env.TAILTOP_BPF_HELPER = join(REPO, 'bpf', 'prebuilt', prebuiltName() ?? `no-prebuilt-for-${process.arch}`);
console.log(`ebpf-kernel-prebuilt: helper under test ${process.env.TAILTOP_BPF_HELPER}`);
await import('./ebpf-kernel.test.js');
