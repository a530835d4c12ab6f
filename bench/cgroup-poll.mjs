#!/usr/bin/env node
// Cost of reading container counters from cgroup files. Builds a synthetic root in a tmp dir with N
// container cgroups (v2 layout: /sys/fs/cgroup/system.slice/docker-<id>.scope/* plus /proc/<pid>/cgroup and
// /proc/<pid>/net/dev), then polls all of them at 1 Hz via readContainerCounters (from ../dist, built by
// `npm run build`) and prints CPU time per container per poll (µs) and CPU as % of one core
// (process.cpuUsage over the phase, idle time included). Two phases of equal length:
//  - idle: no file changes (the reader reuses the previous parse of an unchanged file);
//  - busy: a separate writer process rewrites, every second, cpu.stat, memory.current, memory.stat, io.stat,
//    cpu.pressure and net/dev of every container in place (fixed-width numbers, so a read never sees a
//    half-written file), i.e. every container is busy; its CPU is not counted.
// The files are regular files, not kernfs: the kernel's cost of generating cgroup text is not in these
// figures. Targets (issue "Containers"): ≤ 50 µs per container per poll, ≤ 5% of one core for 1000
// containers. Figures only, no assertions.
// Usage: node bench/cgroup-poll.mjs [seconds=20] [containers=1000]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECS = Number(process.argv[2] ?? 20);
const N = Number(process.argv[3] ?? 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let mod;
try {
  mod = await import('../dist/sources/cgroup/index.js');
} catch (e) {
  console.error(`cgroup-poll: ../dist/sources/cgroup/index.js not found (run npm run build): ${e.message}`);
  process.exit(2);
}
const { readContainerCounters, cgroupReaderStats, closeCgroupReaders } = mod;

// tmpfs when there is one (in memory, like kernfs; a disk-backed tmp dir adds writeback to the busy phase).
const base = (() => {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
})();
const root = mkdtempSync(join(base, 'tailtop-bench-cg-'));
const w = (p, t) => writeFileSync(join(root, p), t);
// Fixed-width numbers: the busy writer rewrites files in place with the same length.
const W = (n) => String(n).padStart(12, '0');
const NETDEV = (i, t = 0) => `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
  eth0: ${W(500000 + i + t * 1500)}    4000    0    0    0     0          0         0   ${W(120000 + i + t * 700)}    1500    0    0    0     0       0          0
`;
const CPUSTAT = (i, t = 0) => `usage_usec ${W(2500000 + i + t * 10000)}\nuser_usec ${W(2000000 + t * 7000)}\nsystem_usec ${W(500000 + t * 3000)}\nnr_periods 100\nnr_throttled 10\nthrottled_usec 50000\nnr_bursts 0\nburst_usec 0\n`;
const MEMSTAT = (t = 0) => ['anon ' + W(52428800 + t * 4096), 'file ' + W(41943040 + t * 4096), 'kernel 4194304', 'kernel_stack 98304', 'pagetables 409600', 'sock 0',
  'shmem 0', 'file_mapped 10485760', 'file_dirty 4096', 'file_writeback 0', 'anon_thp 0', 'inactive_anon 52428800',
  'active_anon 0', 'inactive_file ' + W(20971520 + t * 4096), 'active_file 20971520', 'unevictable 0', 'slab_reclaimable 1048576',
  'slab_unreclaimable 524288', 'slab 1572864', 'workingset_refault_anon 0', 'workingset_refault_file 0', 'pgfault ' + W(12000 + t),
  'pgmajfault 3'].join('\n') + '\n';
const IOSTAT = (i, t = 0) => `8:0 rbytes=${W(90430464 + i + t * 65536)} wbytes=${W(299008000 + t * 4096)} rios=${W(8950 + t)} wios=1252 dbytes=0 dios=0\n`;
const PSI = (i, t = 0) => `some avg10=0.10 avg60=0.05 avg300=0.01 total=${W(1000 + i + t * 50)}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=${W(i + t * 10)}\n`;

function build() {
  mkdirSync(join(root, 'proc/self'), { recursive: true });
  w('proc/self/mountinfo', '30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n');
  const metas = [];
  for (let i = 0; i < N; i++) {
    const id = createHash('sha256').update(`bench-${i}`).digest('hex');
    const pid = 100000 + i;
    const rel = `system.slice/docker-${id}.scope`;
    const dir = join(root, 'sys/fs/cgroup', rel);
    mkdirSync(dir, { recursive: true });
    mkdirSync(join(root, `proc/${pid}/net`), { recursive: true });
    w(`proc/${pid}/cgroup`, `0::/${rel}\n`);
    w(`proc/${pid}/net/dev`, NETDEV(i));
    const f = (name, text) => writeFileSync(join(dir, name), text);
    f('cpu.stat', CPUSTAT(i));
    f('memory.current', `${W(104857600 + i)}\n`);
    f('memory.max', i % 2 ? 'max\n' : '536870912\n');
    f('memory.stat', MEMSTAT());
    f('memory.events', 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n');
    f('io.stat', IOSTAT(i));
    for (const r of ['cpu', 'memory', 'io']) f(`${r}.pressure`, PSI(i));
    f('pids.current', '3\n');
    f('pids.max', 'max\n');
    f('.index', String(i));
    metas.push({
      id, name: `c${i}`, image: 'bench', runtime: 'docker', state: 'running', initPid: pid, cpuLimitCores: null,
      memoryLimitBytes: null, labels: {}, composeProject: null, composeService: null, hostNetwork: false, createdSec: null,
    });
  }
  return metas;
}

// The busy writer: a separate process (its CPU is not ours) rewriting the changing files once a second.
const WRITER = `
const fs = require('fs');
const [root, n] = [process.argv[1], Number(process.argv[2])];
const W = ${W.toString()};
const NETDEV = ${NETDEV.toString()};
const CPUSTAT = ${CPUSTAT.toString()};
const MEMSTAT = ${MEMSTAT.toString()};
const IOSTAT = ${IOSTAT.toString()};
const PSI = ${PSI.toString()};
const ids = fs.readdirSync(root + '/sys/fs/cgroup/system.slice').sort();
const put = (p, text) => { const fd = fs.openSync(p, 'r+'); fs.writeSync(fd, text, 0); fs.closeSync(fd); };
let t = 0;
// One pass per line on stdin: the parent asks right after each poll, so writes fall between polls (the
// kernel generates cgroup text on read; a writer racing the reader for the same inodes is not realistic).
process.stdin.on('data', (chunk) => { for (const ch of chunk) if (ch === 10) pass(); });
function pass() {
  t++;
  for (let i = 0; i < n; i++) {
    const dir = root + '/sys/fs/cgroup/system.slice/' + ids[i];
    const idx = Number(fs.readFileSync(dir + '/.index', 'utf8'));
    put(dir + '/cpu.stat', CPUSTAT(idx, t));
    put(dir + '/memory.current', W(104857600 + idx + t * 4096) + '\\n');
    put(dir + '/memory.stat', MEMSTAT(t));
    put(dir + '/io.stat', IOSTAT(idx, t));
    put(dir + '/cpu.pressure', PSI(idx, t));
    put(root + '/proc/' + (100000 + idx) + '/net/dev', NETDEV(idx, t));
  }
}
`;

async function pollAll(metas) {
  let errors = 0;
  for (const m of metas) {
    const r = await readContainerCounters(m, { root });
    if (r.counters === null || r.error) errors++;
  }
  return errors;
}

try {
  const t0 = performance.now();
  const metas = build();
  console.log(`cgroup-poll: ${N} synthetic v2 containers under ${root} (built in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  // First poll: resolves /proc/<pid>/cgroup, stats the directories, opens descriptors.
  let c0 = process.cpuUsage();
  let errs = await pollAll(metas);
  let c = process.cpuUsage(c0);
  const st = cgroupReaderStats();
  console.log(`  first poll (resolve + open): ${((c.user + c.system) / N).toFixed(1)} µs/container, errors ${errs}; ` +
    `${st.descriptors} descriptors cached (budget ${st.budget})`);

  let writer = null;
  const phase = async (label, secs) => {
    const perPoll = [];
    const start = process.cpuUsage();
    const wall0 = performance.now();
    let next = wall0;
    let errors = 0;
    while (performance.now() - wall0 < secs * 1000) {
      next += 1000;
      const c0 = process.cpuUsage();
      const p0 = performance.now();
      errors += await pollAll(metas);
      const c = process.cpuUsage(c0);
      perPoll.push({ cpuUs: c.user + c.system, wallMs: performance.now() - p0 });
      writer?.stdin.write('\n');
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const total = process.cpuUsage(start);
    const wallMs = performance.now() - wall0;
    const us = perPoll.map((p) => p.cpuUs / N).sort((a, b) => a - b);
    const q = (f) => us[Math.min(us.length - 1, Math.floor(f * us.length))];
    const mean = us.reduce((a, b) => a + b, 0) / us.length;
    const wallMean = perPoll.reduce((a, b) => a + b.wallMs, 0) / perPoll.length;
    console.log(`  ${label}: ${perPoll.length} polls over ${(wallMs / 1000).toFixed(1)} s, errors ${errors}`);
    console.log(`    CPU per container per poll: mean ${mean.toFixed(1)} µs, p50 ${q(0.5).toFixed(1)} µs, max ${us[us.length - 1].toFixed(1)} µs (target ≤ 50 µs)`);
    console.log(`    poll duration (event loop busy): mean ${wallMean.toFixed(1)} ms for ${N} containers`);
    console.log(`    CPU of this process: ${(((total.user + total.system) / 1000 / wallMs) * 100).toFixed(2)}% of one core (target ≤ 5% for 1000 containers)`);
  };

  await phase('idle (files unchanged)', SECS / 2);
  writer = spawn(process.execPath, ['-e', WRITER, root, String(N)], { stdio: ['pipe', 'ignore', 'inherit'] });
  writer.stdin.write('\n');
  await sleep(1000); // let the writer start and make its first pass
  try {
    await phase('busy (every container changing every second)', SECS / 2);
  } finally {
    writer.kill();
  }
  const st2 = cgroupReaderStats();
  console.log(`  descriptors cached: ${st2.descriptors} of a budget of ${st2.budget} (half the open-file limit); beyond it files are opened per read`);
} finally {
  closeCgroupReaders();
  rmSync(root, { recursive: true, force: true });
}
