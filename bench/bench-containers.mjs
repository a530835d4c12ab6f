// The benchmarks' container mix on the Docker daemon DOCKER_HOST names: one burning half a core, two writing
// to disk, one holding 48 MiB (a file in its /dev/shm, charged to its memory cgroup; until session 15 it piped
// 48 MiB into a shell `read`, which took one byte a system call: a whole core for its first ~5 minutes, held
// nothing after), the rest idle, with compose-like labels. Shared by record-capture.mjs and
// time-travel.mjs. Containers are named PREFIX<role>-<i> and removed by removeBenchContainers(PREFIX).
import { execFileSync, spawnSync } from 'node:child_process';

const IMAGE = process.env.TAILTOP_TEST_IMAGE ?? 'tailtop-test:busybox';
const docker = (...a) => execFileSync('docker', a, { encoding: 'utf8', maxBuffer: 64 << 20 }).trim();

export const haveDocker = !!process.env.DOCKER_HOST && spawnSync('docker', ['version'], { stdio: 'ignore' }).status === 0;

export function removeBenchContainers(prefix) {
  const ids = docker('ps', '-aq', '--filter', `name=${prefix}`).split('\n').filter(Boolean);
  if (ids.length) docker('rm', '-f', ...ids);
}

export function startBenchContainers(prefix, n) {
  removeBenchContainers(prefix);
  for (let i = 0; i < n; i++) {
    const role = i === 0 ? 'burner' : i <= 2 ? 'writer' : i === 3 ? 'cache' : 'idle';
    const cmd =
      role === 'burner'
        ? ['sh', '-c', 'while :; do :; done']
        : role === 'writer'
          ? ['sh', '-c', 'while :; do dd if=/dev/zero of=/tmp/f bs=64k count=32 conv=fsync 2>/dev/null; rm -f /tmp/f; sleep 1; done']
          : role === 'cache'
            ? ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/hold bs=1M count=48 2>/dev/null; sleep 100000']
            : ['sleep', '100000'];
    const extra = role === 'burner' ? ['--cpus', '0.5'] : role === 'cache' ? ['--memory', '256m'] : [];
    docker('run', '-d', '--name', `${prefix}${role}-${i}`, '--network', 'none', '--label', 'com.docker.compose.project=bench',
      '--label', `com.docker.compose.service=${role}`, '--label', `org.opencontainers.image.description=tailtop recording benchmark container ${i}`,
      '--label', 'tailtop.bench=1', ...extra, IMAGE, ...cmd);
  }
}
