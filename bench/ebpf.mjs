#!/usr/bin/env node
// Cost of the eBPF helper per event, beside Debian's libbpf-tools biolatency.
// With kernel.bpf_stats_enabled=1, runs fio at ~20k IOPS on a tmpfs-backed loop device for ~20 s, once
// with bpf/tailtop-bpf attached and once with biolatency (-Q, so it also traces inserts), and prints per
// program run_cnt and ns per run (run_time_ns / run_cnt from `bpftool prog show -j`), ns of BPF time per
// completed I/O, and each tool's own CPU as % of one core (/proc/<pid>/stat utime+stime).
// Root only. No assertions: figures only.  Usage: node bench/ebpf.mjs [seconds] [iops]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const HELPER = join(REPO, 'bpf', 'tailtop-bpf');
const SECS = Number(process.argv[2] ?? 20);
const IOPS = Number(process.argv[3] ?? 20000);
const CLK_TCK = 100; // getconf CLK_TCK on Linux
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', ...opts });
}

function which(names) {
  for (const n of names) {
    if (n.startsWith('/') && existsSync(n)) return n;
    try {
      return sh('sh', ['-c', `command -v ${n}`]).trim();
    } catch {
      /* next */
    }
  }
  return null;
}

/** All loaded BPF programs: id -> {name, cnt, ns}. (bpftool's "pids" needs a bpftool built with
 * skeleton support; instead a tool's programs are the ids that appear after it starts.) */
function allProgs() {
  const out = new Map();
  for (const p of JSON.parse(sh('bpftool', ['prog', 'show', '-j']))) {
    out.set(p.id, { name: p.name, cnt: p.run_cnt ?? 0, ns: p.run_time_ns ?? 0 });
  }
  return out;
}

function progsOf(ids) {
  const all = allProgs();
  return new Map([...all].filter(([id]) => ids.has(id)));
}

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime, stime
}

function diskstats(name) {
  for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[2] === name) return Number(f[3]) + Number(f[7]) + Number(f[14] ?? 0) + Number(f[19] ?? 0);
  }
  return 0;
}

async function measure(label, cmd, args, loop) {
  const existing = new Set(allProgs().keys());
  const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  // wait until its programs are loaded and stable
  let ids = new Set();
  for (let i = 0, stable = 0; i < 100 && stable < 3; i++) {
    await sleep(100);
    if (child.exitCode !== null) throw new Error(`${label} exited ${child.exitCode}: ${err.trim()}`);
    const now = new Set([...allProgs().keys()].filter((id) => !existing.has(id)));
    stable = now.size > 0 && now.size === ids.size ? stable + 1 : 0;
    ids = now;
  }
  const before = progsOf(ids);
  const name = loop.replace('/dev/', '');
  const io0 = diskstats(name);
  const cpu0 = cpuTicks(child.pid);
  const t0 = process.hrtime.bigint();
  const fio = JSON.parse(sh('fio', [
    '--name=bench', `--filename=${loop}`, '--direct=1', '--rw=randread', '--bs=4k', '--ioengine=io_uring', '--iodepth=4',
    `--rate_iops=${IOPS}`, `--runtime=${SECS}`, '--time_based', '--output-format=json',
  ], { maxBuffer: 64 << 20 }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu1 = cpuTicks(child.pid);
  const io1 = diskstats(name);
  const after = progsOf(ids);
  child.stdin.end();
  child.kill('SIGINT');
  await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
  const rows = [];
  let blockNs = 0;
  for (const [k, a] of after) {
    const b = before.get(k) ?? { cnt: 0, ns: 0 };
    const cnt = a.cnt - b.cnt;
    const ns = a.ns - b.ns;
    if (/block|rq_/.test(a.name)) blockNs += ns;
    if (!/block|rq_|sched|wakeup|switch/.test(a.name)) continue;
    rows.push({ prog: a.name, runs: cnt, nsPerRun: cnt ? +(ns / cnt).toFixed(1) : null, totalMs: +(ns / 1e6).toFixed(1) });
  }
  const ios = io1 - io0;
  return {
    label,
    rows,
    ios,
    iops: Math.round(fio.jobs[0].read.iops),
    blockNsPerIo: ios ? +(blockNs / ios).toFixed(1) : null,
    cpuPctOfCore: +(((cpu1 - cpu0) / CLK_TCK / secs) * 100).toFixed(2),
    secs: +secs.toFixed(1),
  };
}

async function main() {
  if (process.getuid?.() !== 0) {
    console.log('bench/ebpf.mjs needs root (BPF stats, loop devices)');
    return;
  }
  for (const c of ['fio', 'bpftool', 'losetup']) if (!which([c])) { console.log(`${c} not installed`); return; }
  if (!existsSync(HELPER)) sh('make', ['-C', join(REPO, 'bpf')], { stdio: 'inherit' });
  const biolatency = which(['/usr/sbin/biolatency', 'biolatency', '/usr/sbin/biolatency-bpfcc']);

  const file = `/dev/shm/tailtop-bench-${process.pid}.img`;
  sh('truncate', ['-s', '512M', file]);
  const loop = sh('losetup', ['-f', '--show', file]).trim();
  const statsWas = readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim();
  writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
  const results = [];
  try {
    results.push(await measure('tailtop-bpf (block+runq)', HELPER, ['--interval-ms', '1000'], loop));
    results.push(await measure('tailtop-bpf --no-runq', HELPER, ['--interval-ms', '1000', '--no-runq'], loop));
    if (biolatency) results.push(await measure('biolatency -Q', biolatency, ['-Q', '1'], loop));
    else console.log('biolatency not found (apt-get install libbpf-tools); only tailtop-bpf measured');
  } finally {
    writeFileSync('/proc/sys/kernel/bpf_stats_enabled', statsWas);
    try {
      sh('losetup', ['-d', loop]);
    } catch {
      /* ignore */
    }
    rmSync(file, { force: true });
  }
  console.log(`fio randread 4k io_uring qd4 at ${IOPS} IOPS for ${SECS}s on ${loop} (tmpfs); kernel.bpf_stats_enabled=1`);
  for (const r of results) {
    console.log(`\n== ${r.label}: ${r.ios} I/Os (${r.iops} IOPS) in ${r.secs}s; BPF ns per I/O (block programs) ${r.blockNsPerIo}; own CPU ${r.cpuPctOfCore}% of a core`);
    console.table(r.rows);
  }
  console.log(JSON.stringify({ bench: 'ebpf', secs: SECS, iops: IOPS, results }));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
