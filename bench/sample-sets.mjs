// Synthetic SampleSets shaped like this machine's real ones (bench/record-capture.mjs captures those): a
// 2-core host with 10 block devices and 5 interfaces, N containers with cgroup-v1 counters (memory.stat's
// ~35 keys), M processes of which a few are busy and a few come and go, and one eBPF interval a tick with
// block and run-queue histograms. Deterministic for a seed. Used by the recording tests and, when no real
// capture is at hand, by bench/record.mjs. Counters only grow; gauges wander. Needs dist/ (npm run build).

import { mulberry32 } from '../dist/model/seeded-random.js';

const MEMSTAT_KEYS = [
  'cache', 'rss', 'rss_huge', 'shmem', 'mapped_file', 'dirty', 'writeback', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'hierarchical_memory_limit',
  'total_cache', 'total_rss', 'total_rss_huge', 'total_shmem', 'total_mapped_file', 'total_dirty', 'total_writeback',
  'total_pgpgin', 'total_pgpgout', 'total_pgfault', 'total_pgmajfault', 'total_inactive_anon', 'total_active_anon',
  'total_inactive_file', 'total_active_file', 'total_unevictable',
];

const COMMS = ['sh', 'sleep', 'dd', 'nginx', 'postgres', 'node', 'python3', 'redis-server', 'sshd', 'systemd-journal', 'cron', 'containerd-shim', 'dockerd', 'containerd', 'bash', 'tmux'];

function hex(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

/**
 * @param {{ seed?: number, containers?: number, processes?: number, ebpf?: boolean, startWallMs?: number, intervalMs?: number }} o
 */
export function sampleGenerator(o = {}) {
  const r = mulberry32(o.seed ?? 1);
  const nCtr = o.containers ?? 20;
  const nProc = o.processes ?? 150;
  const ebpf = o.ebpf ?? true;
  const interval = o.intervalMs ?? 1000;
  let wall = o.startWallMs ?? Date.UTC(2026, 0, 1, 0, 0, 0);
  let at = 1000;
  let mono = 3.8e12;
  let seq = 0;
  const cores = [0, 1].map((id) => ({ id, times: { user: 237658, nice: 1011, system: 43008, idle: 90508, iowait: 3801, irq: 0, softirq: 1957, steal: 1574 } }));
  const disks = ['loop0', 'loop1', 'loop2', 'loop3', 'loop4', 'loop5', 'loop6', 'loop7', 'vda', 'zram0'].map((name, i) => ({
    name, major: name === 'vda' ? 254 : name === 'zram0' ? 253 : 7, minor: name.startsWith('loop') ? i : 0,
    readsCompleted: i < 3 ? 130528 * (i + 1) : 0, readSectors: i < 3 ? 1044224 * (i + 1) : 0, writesCompleted: i < 3 || name === 'vda' ? 159695 : 0,
    writeSectors: i < 3 || name === 'vda' ? 1277560 : 0, discardsCompleted: 0, flushesCompleted: 0, ioTicksMs: 17452, parent: null,
  }));
  const nets = ['lo', 'ifb0', 'ifb1', 'eth0', 'docker0'].map((name) => ({ name, rxBytes: 131635043, rxPackets: 15742, rxErrors: 0, rxDrops: 0, txBytes: 131635043, txPackets: 15742, txErrors: 0, txDrops: 0 }));
  const psi = () => ({ some: { avg10: 0, avg60: 0, avg300: 0, totalUs: 0 }, full: { avg10: 0, avg60: 0, avg300: 0, totalUs: 0 } });
  const pressure = { cpu: psi(), memory: psi(), io: psi() };
  const ctrs = Array.from({ length: nCtr }, (_, i) => {
    const role = i === 0 ? 'burner' : i <= 2 ? 'writer' : i === 3 ? 'cache' : 'idle';
    const id = hex(r, 64);
    const memoryStat = Object.fromEntries(MEMSTAT_KEYS.map((k) => [k, k.includes('limit') ? 9223372036854771712 : Math.floor(r() * 5e6)]));
    return {
      role,
      meta: {
        id, name: `bench-${role}-${i}`, image: 'tailtop-test:busybox', runtime: 'docker', state: 'running', initPid: 20000 + i * 7,
        cpuLimitCores: role === 'burner' ? 0.5 : null, memoryLimitBytes: role === 'cache' ? 268435456 : null,
        labels: { 'com.docker.compose.project': 'bench', 'com.docker.compose.service': role, 'org.opencontainers.image.description': `tailtop recording benchmark container ${i}`, 'tailtop.bench': '1' },
        composeProject: 'bench', composeService: role, hostNetwork: false, createdSec: 1796136000 + i,
      },
      counters: {
        source: 'cgroup-v1', cpuUsageNs: Math.floor(r() * 1e9), cpuUserNs: Math.floor(r() * 1e8), cpuSystemNs: Math.floor(r() * 1e8), nrPeriods: 0, nrThrottled: 0, throttledNs: 0,
        memoryUsageBytes: 1e6 + Math.floor(r() * 1e6), memoryLimitBytes: role === 'cache' ? 268435456 : 9223372036854771712, inactiveFileBytes: 0, memoryStat,
        oomEvents: null, oomKills: null, memoryFailcnt: 0, blockReadBytes: 0, blockWriteBytes: 0, blockReadOps: 0, blockWriteOps: 0, pids: role === 'cache' ? 3 : 1, pidsMax: null,
        netRxBytes: 0, netTxBytes: 0, pressure: null, cgroupIds: { unified: null, blkio: 5000 + i * 20, cpu: 5001 + i * 20 },
      },
      error: null,
    };
  });
  let nextPid = 30000;
  const mkProc = (pid, ctr) => {
    const comm = COMMS[Math.floor(r() * COMMS.length)];
    return {
      pid, ppid: Math.max(1, pid - 1 - Math.floor(r() * 50)), uid: r() < 0.7 ? 0 : 1000, user: r() < 0.7 ? 'root' : 'user', state: 'S', threads: 1 + Math.floor(r() * 8),
      utimeTicks: Math.floor(r() * 5000), stimeTicks: Math.floor(r() * 2000), rssBytes: 4096 * Math.floor(200 + r() * 20000), vmsBytes: 4096 * Math.floor(1000 + r() * 200000), swapBytes: 0,
      comm, cmdline: `/usr/bin/${comm} --config /etc/${comm}/${comm}.conf --worker ${pid % 7}`, containerId: ctr, startTicks: 100000 + pid,
    };
  };
  let procs = Array.from({ length: nProc }, (_, i) => mkProc(1 + i * 3, i < nCtr ? ctrs[i].meta.id : null));
  const hist = (n, lo) => {
    const out = [];
    let b = lo;
    for (let i = 0; i < n; i++) {
      b += 1 + Math.floor(r() * 2);
      out.push([b, 1 + Math.floor(r() * r() * 12)]);
    }
    return out;
  };

  function next() {
    wall += interval;
    at += interval;
    mono += interval * 1e6;
    seq++;
    for (const c of cores) {
      const busy = Math.floor(r() * 80);
      c.times.user += busy;
      c.times.system += Math.floor(busy / 4);
      c.times.idle += 100 - busy - Math.floor(busy / 4);
      c.times.iowait += r() < 0.3 ? 1 : 0;
      c.times.softirq += r() < 0.5 ? 1 : 0;
      c.times.steal += r() < 0.2 ? 1 : 0;
    }
    const total = Object.fromEntries(Object.keys(cores[0].times).map((k) => [k, cores[0].times[k] + cores[1].times[k]]));
    for (const d of disks) if (d.writesCompleted > 0 && r() < 0.7) {
      d.writesCompleted += Math.floor(r() * 40);
      d.writeSectors += Math.floor(r() * 4000);
      d.ioTicksMs += Math.floor(r() * 300);
      if (d.readsCompleted) d.readsCompleted += Math.floor(r() * 10);
    }
    for (const n of nets) if (n.name === 'eth0' || n.name === 'lo') {
      const k = Math.floor(r() * 30);
      n.rxPackets += k;
      n.rxBytes += k * 90;
      n.txPackets += k;
      n.txBytes += k * 80;
    }
    for (const res of Object.values(pressure)) {
      res.some.totalUs += Math.floor(r() * 50000);
      res.some.avg10 = Math.round(r() * 4000) / 100;
      res.some.avg60 = Math.round(r() * 2000) / 100;
      res.full.totalUs += Math.floor(r() * 10000);
      res.full.avg10 = Math.round(r() * 1000) / 100;
    }
    for (const c of ctrs) {
      const k = c.counters;
      const busy = c.role === 'burner' ? 5e8 : c.role === 'writer' ? 3e8 * r() : r() * 2e5;
      k.cpuUsageNs += Math.floor(busy);
      k.cpuUserNs += Math.floor(busy * 0.8);
      k.cpuSystemNs += Math.floor(busy * 0.2);
      if (c.role === 'burner') {
        k.nrPeriods += 10;
        k.nrThrottled += 10;
        k.throttledNs += 5e8;
      }
      if (c.role !== 'idle') {
        k.memoryUsageBytes += Math.floor((r() - 0.5) * 65536);
        for (const key of ['cache', 'total_cache', 'pgfault', 'total_pgfault', 'pgpgin', 'total_pgpgin', 'pgpgout', 'total_pgpgout', 'active_file', 'total_active_file', 'dirty', 'total_dirty']) {
          k.memoryStat[key] += Math.floor(r() * 3000);
        }
      }
      if (c.role === 'writer') {
        k.blockWriteBytes += 2097152;
        k.blockWriteOps += 32;
      }
    }
    // busy processes; churn: one process comes and one goes every ~10 ticks
    for (const p of procs) if (p.containerId === ctrs[0]?.meta.id || r() < 0.05) {
      p.utimeTicks += Math.floor(r() * 50);
      p.stimeTicks += Math.floor(r() * 5);
      p.rssBytes += 4096 * Math.floor((r() - 0.5) * 4);
      p.state = r() < 0.5 ? 'R' : 'S';
    }
    if (seq % 10 === 0) {
      procs.splice(Math.floor(r() * procs.length), 1);
      procs.push(mkProc(nextPid++, null));
      procs = procs.sort((a, b) => a.pid - b.pid);
    }
    const intervals = ebpf
      ? [{
        seq, monoNs: mono - 2e8, intervalNs: 1e9, flush: null, t: at - 200,
        lost: { blockStartDropped: 0, blockNoStart: seq % 7 === 0 ? 1 : 0, blockNoStartBytes: seq % 7 === 0 ? 4096 : 0, blockStale: 0, histFull: 0, histFullBytes: 0, runqStartDropped: 0, partial: 0, partialBytes: 0, merged: 0 },
        block: ctrs.filter((c) => c.role === 'writer').flatMap((c) => [
          { major: 254, minor: 0, op: 'write', cgroup: c.counters.cgroupIds.blkio, count: 3, bytes: 2105344, maxNs: 1000000 + Math.floor(r() * 5e5), totalMaxNs: 1100000 + Math.floor(r() * 5e5), service: hist(3, 100), total: hist(3, 101) },
          { major: 254, minor: 0, op: 'flush', cgroup: 1, count: 2, bytes: 0, maxNs: 45888, totalMaxNs: 45888, service: hist(2, 100), total: hist(2, 100) },
        ]),
        runq: [1, ...ctrs.slice(0, 6).map((c) => c.counters.cgroupIds.cpu)].map((cg, i) => {
          const h = hist(i === 0 ? 60 : 8 + Math.floor(r() * 12), 60);
          return { cgroup: cg, count: h.reduce((s, x) => s + x[1], 0), maxNs: 5e6 * r(), hist: h };
        }).map((x) => ({ ...x, maxNs: Math.floor(x.maxNs) })),
      }]
      : [];
    const host = {
      atMs: at, source: 'procfs',
      stat: { total, cores: cores.map((c) => ({ id: c.id, times: { ...c.times } })), contextSwitches: 67871646 + seq * 3000, bootTimeSec: 1796133070, procsRunning: 1 + Math.floor(r() * 3), procsBlocked: 0 },
      meminfo: { totalBytes: 25276502016, availableBytes: 24497647616 - Math.floor(r() * 1e7), freeBytes: 22763220992 - Math.floor(r() * 1e7), buffersBytes: 23142400, cachedBytes: 1831669760 + Math.floor(r() * 1e6), swapTotalBytes: 0, swapFreeBytes: 0 },
      loadavg: { one: Math.round(r() * 400) / 100, five: Math.round(r() * 400) / 100, fifteen: Math.round(r() * 400) / 100, running: 2, total: 482 },
      disks: disks.map((d) => ({ ...d })), net: nets.map((n) => ({ ...n })),
      pressure: JSON.parse(JSON.stringify(pressure)), uptimeSec: 3800 + seq, errors: [],
    };
    return {
      atMs: at, wallMs: wall, host,
      containers: nCtr ? {
        atMs: at, daemon: { state: 'ok', attempt: 0, endpoint: 'unix:///tmp/tailtop-dockerd/docker.sock', runtime: 'docker' },
        containers: ctrs.map((c) => ({ meta: c.meta, counters: { ...c.counters, memoryStat: { ...c.counters.memoryStat }, cgroupIds: { ...c.counters.cgroupIds } }, error: null })), errors: [],
      } : null,
      processes: nProc ? procs.map((p) => ({ ...p })) : null,
      latency: ebpf ? { status: { active: true, reason: 'ebpf', badLines: 0, lost: 0, dropped: 0, restarts: 0, lastError: null }, hello: { pid: 4242, intervalMs: 1000, cgroup: { block: 'v1-blkio', runq: 'v1-cpu' }, programs: { block_rq_issue: 'tp_btf', block_rq_complete: 'tp_btf', sched_wakeup: 'tp_btf', sched_switch: 'tp_btf' } }, clockMonoNs: mono, intervals } : null,
      errors: [],
    };
  }
  return { next };
}
