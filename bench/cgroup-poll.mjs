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
// figures. Containers are read as the TUI reads them: one (under the cursor) with its detail files, the
// rest with the files the table shows. Targets (issue "Containers"): ≤ 50 µs per container per poll, ≤ 5% of one core for 1000
// containers. Figures only, no assertions.
//
// --real N: instead of the synthetic tree, create N real cgroup v1 groups on this machine (needs root and
// the v1 cpu, cpuacct, memory, blkio and pids hierarchies, as on the hybrid hosts we support), named
// tailtop-bench-<pid>-<i> in each hierarchy, with one process each in its own network namespace
// (`unshare -n`, so /proc/<pid>/net/dev is a container's, not the host's), and poll them through the real
// layout (/proc/self/mountinfo, /proc/<pid>/cgroup). This is the honest figure: the kernel generates every
// cgroup file on read (memory.stat the most expensive). The process is a tiny C ticker compiled with `cc`
// (wakes every second, maps and touches 64 KiB, unmaps it), or without a compiler a shell forking `sleep 1`
// (a fork per container per second loads a small machine: figures then overstate the cost). Phases:
//  - idle: every process stopped (SIGSTOP): counters do not move;
//  - busy: processes running: CPU time and memory counters change every poll.
// The groups and processes are removed at the end (also on Ctrl-C).
// Usage: node bench/cgroup-poll.mjs [seconds=20] [containers=1000] [--real N]
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const realAt = args.indexOf('--real');
const REAL = realAt >= 0 ? Number(args.splice(realAt, 2)[1]) : 0;
if (realAt >= 0 && !(Number.isInteger(REAL) && REAL > 0)) {
  console.error('cgroup-poll: --real needs a positive number of cgroups');
  process.exit(2);
}
const SECS = Number(args[0] ?? 20);
const N = REAL || Number(args[1] ?? 1000);
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
const root = REAL ? '/' : mkdtempSync(join(base, 'tailtop-bench-cg-'));
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

async function pollAll(metas, opts) {
  let errors = 0;
  let firstError = null;
  for (const m of metas) {
    // As the TUI polls: the detail files (PSI, memory.events every poll) only for the container under the
    // cursor; the others get the table's files (see ReadCountersOptions.detail).
    const r = await readContainerCounters(m, { ...opts, detail: m === metas[0] });
    if (r.counters === null || r.error) {
      errors++;
      firstError ??= r.error;
    }
  }
  if (firstError && !pollAll.said) {
    pollAll.said = true;
    console.log(`    (first error: ${firstError})`);
  }
  return errors;
}

/** Host steal and total jiffies: a VM whose host takes CPU back runs everything slower (figures go up). */
function hostSteal() {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { steal: v[7] ?? 0, total: v.reduce((a, b) => a + b, 0) };
}

async function runPhases(metas, opts, label, between) {
  // First poll: resolves /proc/<pid>/cgroup, stats the directories, opens descriptors.
  const c0 = process.cpuUsage();
  const errs = await pollAll(metas, opts);
  const c = process.cpuUsage(c0);
  const st = cgroupReaderStats();
  console.log(`  first poll (resolve + open): ${((c.user + c.system) / N).toFixed(1)} µs/container, errors ${errs}; ` +
    `${st.descriptors} descriptors cached (budget ${st.budget})`);
  const phase = async (name, secs) => {
    const perPoll = [];
    const steal0 = hostSteal();
    const start = process.cpuUsage();
    const wall0 = performance.now();
    let next = wall0;
    let errors = 0;
    while (performance.now() - wall0 < secs * 1000) {
      next += 1000;
      const c0 = process.cpuUsage();
      const p0 = performance.now();
      errors += await pollAll(metas, opts);
      const c = process.cpuUsage(c0);
      perPoll.push({ cpuUs: c.user + c.system, wallMs: performance.now() - p0 });
      between.afterPoll?.();
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const total = process.cpuUsage(start);
    const wallMs = performance.now() - wall0;
    const us = perPoll.map((p) => p.cpuUs / N).sort((a, b) => a - b);
    const q = (f) => us[Math.min(us.length - 1, Math.floor(f * us.length))];
    const mean = us.reduce((a, b) => a + b, 0) / us.length;
    const wallMean = perPoll.reduce((a, b) => a + b.wallMs, 0) / perPoll.length;
    const steal1 = hostSteal();
    const stealPct = (100 * (steal1.steal - steal0.steal)) / Math.max(1, steal1.total - steal0.total);
    console.log(`  ${name}: ${perPoll.length} polls over ${(wallMs / 1000).toFixed(1)} s, errors ${errors}, host steal ${stealPct.toFixed(1)}%`);
    console.log(`    CPU per container per poll: mean ${mean.toFixed(1)} µs, p50 ${q(0.5).toFixed(1)} µs, max ${us[us.length - 1].toFixed(1)} µs (target ≤ 50 µs)`);
    console.log(`    poll duration (event loop busy): mean ${wallMean.toFixed(1)} ms for ${N} ${label}`);
    console.log(`    CPU of this process: ${(((total.user + total.system) / 1000 / wallMs) * 100).toFixed(2)}% of one core (target ≤ 5% for 1000 containers)`);
  };
  await between.beforeIdle?.();
  await phase('idle (files unchanged)', SECS / 2);
  await between.beforeBusy();
  try {
    await phase('busy (every container changing every second)', SECS / 2);
  } finally {
    between.after();
  }
  const st2 = cgroupReaderStats();
  console.log(`  descriptors cached: ${st2.descriptors} of a budget of ${st2.budget} (half the open-file limit); beyond it files are opened per read`);
}

async function synthetic() {
  try {
    const t0 = performance.now();
    const metas = build();
    console.log(`cgroup-poll: ${N} synthetic v2 containers under ${root} (built in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    let writer = null;
    await runPhases(metas, { root }, 'containers', {
      afterPoll: () => writer?.stdin.write('\n'),
      beforeBusy: async () => {
        writer = spawn(process.execPath, ['-e', WRITER, root, String(N)], { stdio: ['pipe', 'ignore', 'inherit'] });
        writer.stdin.write('\n');
        await sleep(1000); // let the writer start and make its first pass
      },
      after: () => writer?.kill(),
    });
  } finally {
    closeCgroupReaders();
    rmSync(root, { recursive: true, force: true });
  }
}

const TICKER_C = `#include <sys/mman.h>
#include <string.h>
#include <time.h>
int main(void) {
  for (;;) {
    struct timespec t = { 1, 0 };
    nanosleep(&t, 0);
    char *p = mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) { memset(p, 1, 65536); munmap(p, 65536); }
  }
}
`;

/** argv of the per-cgroup process: the compiled ticker, else a shell loop. */
function ticker() {
  const dir = mkdtempSync(join(tmpdir(), 'tailtop-bench-ticker-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 't.c'), TICKER_C);
  const r = spawnSync('cc', ['-O2', '-o', join(dir, 't'), join(dir, 't.c')], { stdio: 'ignore' });
  if (r.status === 0) return [join(dir, 't')];
  console.log('  (no C compiler: a shell forking `sleep 1` per cgroup; the fork load inflates the busy figures)');
  return ['sh', '-c', 'while :; do sleep 1; done'];
}

// --real N: v1 cgroups on this machine, one stopped/running process in each.
async function real() {
  const { detectCgroupLayout } = mod;
  const { layout } = await detectCgroupLayout('/');
  const CTRLS = ['cpu', 'cpuacct', 'memory', 'blkio', 'pids'];
  const mounts = [...new Set(CTRLS.map((c) => layout.v1?.get(c)?.mountPoint).filter(Boolean))];
  const why = process.getuid?.() !== 0 ? 'needs root'
    : layout.mode !== 'v1' && layout.mode !== 'hybrid' ? `cgroup mode is ${layout.mode}, not v1/hybrid`
    : mounts.length === 0 || CTRLS.some((c) => !layout.v1.get(c)) ? `missing v1 controllers (have ${[...(layout.v1?.keys() ?? [])].join(', ')})`
    : null;
  if (why) {
    console.error(`cgroup-poll --real: ${why}`);
    process.exit(2);
  }
  const made = [];
  const kids = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    closeCgroupReaders();
    const exits = kids.filter((k) => k.exitCode === null && k.signalCode === null).map((k) => new Promise((r) => k.once('exit', r)));
    for (const k of kids) k.kill('SIGKILL');
    await Promise.race([Promise.all(exits), sleep(5000)]);
    // A killed shell's last `sleep` may outlive it for up to a second: retry until the groups are empty.
    for (const d of made.reverse()) {
      for (let i = 0; i < 150 && existsSync(d); i++) {
        try {
          rmdirSync(d);
        } catch {
          await sleep(20);
        }
      }
      if (existsSync(d)) console.error(`cgroup-poll --real: could not remove ${d}`);
    }
  };
  const onSig = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    const t0 = performance.now();
    const metas = [];
    const cmd = ticker();
    for (let i = 0; i < N; i++) {
      const k = spawn('unshare', ['-n', ...cmd], { stdio: 'ignore' });
      kids.push(k);
      await new Promise((res, rej) => { k.once('spawn', res); k.once('error', rej); });
      const name = `tailtop-bench-${process.pid}-${i}`;
      for (const m of mounts) {
        const d = join(m, name);
        mkdirSync(d);
        made.push(d);
        writeFileSync(join(d, 'cgroup.procs'), String(k.pid));
      }
      metas.push({
        id: createHash('sha256').update(name).digest('hex'), name, image: 'bench', runtime: 'docker', state: 'running',
        initPid: k.pid, cpuLimitCores: null, memoryLimitBytes: null, labels: {}, composeProject: null, composeService: null,
        hostNetwork: false, createdSec: null,
      });
    }
    await sleep(1500); // let each shell fork its first sleep inside its groups
    console.log(`cgroup-poll --real: ${N} real v1 cgroups (${mounts.join(', ')}/tailtop-bench-${process.pid}-*), made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const signal = (s) => { for (const k of kids) k.kill(s); };
    await runPhases(metas, {}, 'real cgroups', {
      beforeIdle: async () => { signal('SIGSTOP'); await sleep(1100); },
      beforeBusy: async () => { signal('SIGCONT'); await sleep(1000); },
      after: () => {},
    });
  } finally {
    await cleanup();
  }
}

if (REAL) await real();
else await synthetic();
