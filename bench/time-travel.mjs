#!/usr/bin/env node
// Issue 9's targets with the real agent and the real store:
//  1. `tailtop agent` at 1 s with 20 containers (one burning half a core, two writing, one holding memory,
//     16 idle) and eBPF on (as root): CPU of the agent process (sampling + recording; the eBPF helper's own
//     CPU beside it), RSS, and the store's growth (bytes per sample, per day) — processes recorded.
//  2. A 24-hour store written through the real writer at a sped-up clock from the samples the agent just
//     recorded (played in a loop, clocks moved on), with the catalogue's roll-up figures; then
//     - jump to a random time with `tailtop replay`'s engine (src/replay/replay.ts: fresh reader, rebuild of
//       the 5 minutes before the target through the FrameMaker), median / max of 20;
//     - `snapshot --from --to` over the 24 hours: queryRange in-process, and the CLI end to end.
//   node bench/time-travel.mjs [--seconds 60] [--containers 20] [--hours 24] [--root DIR] [--save-samples DIR]
//                              [--samples DIR] [--breakdown]
//   --root DIR: the build to measure (DIR/dist; default this checkout), for before/after runs side by side.
//   --save-samples DIR: keep the agent's own store in DIR; --samples DIR: skip the agent and write the
//   24-hour store from the samples of the store in DIR (the same samples before and after a change).
//   --breakdown: where the 24-hour store's bytes go (bench/store-breakdown.mjs); --keep DIR: copy it there.
//   node bench/time-travel.mjs --store DIR [--root DIR ...] [--jumps 20] [--sessions 4] [--idle 0,300,1000,3000] [--keys 5] [--modes replay,history]
//   --store DIR times only the jumps in a store kept so (no agent, no writing), once per --root (each a
//   checkout with dist/ built: before/after side by side in one run, taking turns jump by jump so that both
//   see the same load). Then, as the user sees it, `--sessions` fresh processes per build and idle time
//   (bench/replay-session.mjs, builds taking turns): the open (`tailtop replay --at T`: the process's first
//   jump), the first frame drawn, the CLI's warm-up, `--idle` ms of nothing, then `--keys` jumps typed at the
//   `g` prompt, each from the Enter key to the redrawn screen; the first key apart (the first jump a user asks for).
//   --modes replay,history: also (default) as `tailtop --record`'s history, where no jump comes before the first key.
import { spawn, spawnSync } from 'node:child_process';
import { haveDocker, removeBenchContainers, startBenchContainers } from './bench-containers.mjs';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { args, opt, root } from './cli-args.mjs';
import { childPids, ownTicks, statusKiB } from './proc-stat.mjs';

const SAMPLES = opt('samples', null);
const SAVE = opt('save-samples', null);
const BREAKDOWN = args.includes('--breakdown');
const KEEP = opt('keep', null);
const STORE = opt('store', null);
const JUMPS = Number(opt('jumps', '20'));
const SESSIONS = Number(opt('sessions', '4'));
const IDLES = String(opt('idle', '0,300,1000,3000')).split(',').map(Number);
const KEYS = Number(opt('keys', '5'));
/** replay: `tailtop replay --at T`; history: `tailtop --record`'s history (no open jump; the first key is the first jump). */
const MODES = String(opt('modes', 'replay,history')).split(',');
/** What replay is asked for in the jumps and the step (the overview at the 1 s latency window). */
const FRAME_OPTS = { showAllDisks: false, clockTicks: 100, view: { latencyWindow: '1s', containerId: null } };
if (!existsSync(join(root, 'dist', 'cli.js'))) {
  console.log('time-travel.mjs: skipped: dist/ is not built (npm run build)');
  process.exit(0);
}
const dist = (p) => import(join(root, 'dist', p));
const SECONDS = Number(opt('seconds', '60'));
const N = Number(opt('containers', '20'));
const HOURS = Number(opt('hours', '24'));
const PREFIX = 'tt-tt-bench-';
const say = (s) => process.stderr.write(`time-travel.mjs: ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n, d = 1) => n.toFixed(d);
const dirs = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tailtop-bench-tt-'));
  dirs.push(d);
  return d;
};

if (STORE) {
  const roots = args.flatMap((a, i) => (a === '--root' ? [resolve(args[i + 1])] : []));
  await jumpsOnly(STORE, roots.length ? roots : [root]);
  process.exit(0);
}

/** utime + stime of a process (clock ticks) and its RSS / peak RSS (KiB). */
function procStats(pid) {
  return { ticks: ownTicks(pid), rssKb: statusKiB(pid, 'VmRSS'), hwmKb: statusKiB(pid, 'VmHWM') };
}

// ------------------------------------------------------------------ 1. the agent
const CLK = 100;
let agentPct = null;
let helperPct = null;
let rssMax = 0;
let hwmKb = 0;
let storeDir = SAMPLES;
let agentErr = '';
if (!SAMPLES) {
  if (haveDocker) {
    say(`starting ${N} containers`);
    startBenchContainers(PREFIX, N);
  } else say('no DOCKER_HOST daemon: the agent records without containers');

  storeDir = tmp();
  const agent = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'agent', '--store', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  agent.stderr.setEncoding('utf8').on('data', (d) => (agentErr += d));
  await sleep(15_000); // start-up, first minute block, JIT
  const helper = childPids(agent.pid).find((p) => /tailtop-bpf|bpf/.test(readFileSync(`/proc/${p}/cmdline`, 'utf8'))) ?? null;
  const a0 = procStats(agent.pid);
  const h0 = helper ? procStats(helper) : null;
  const w0 = performance.now();
  say(`measuring the agent for ${SECONDS} s (helper ${helper ? `pid ${helper}` : 'not running'})`);
  for (let s = 0; s < SECONDS; s++) {
    await sleep(1000);
    rssMax = Math.max(rssMax, procStats(agent.pid).rssKb);
  }
  const a1 = procStats(agent.pid);
  const h1 = helper ? procStats(helper) : null;
  const wallS = (performance.now() - w0) / 1000;
  agentPct = (((a1.ticks - a0.ticks) / CLK) / wallS) * 100;
  helperPct = h0 && h1 ? (((h1.ticks - h0.ticks) / CLK) / wallS) * 100 : null;
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  if (haveDocker) removeBenchContainers(PREFIX);
  hwmKb = a1.hwmKb;
  if (SAVE) cpSync(storeDir, SAVE, { recursive: true });
}
const { StoreReader } = await dist('record/reader.js');
const { StoreWriter } = await dist('record/writer.js');
const { figuresOf } = await dist('model/catalogue.js');
const { Replay } = await dist('replay/replay.js');
const { queryRange } = await dist('query/range.js');
const rec = StoreReader.open(storeDir);
const base = [...rec.range(0, Number.MAX_SAFE_INTEGER)].map((r) => structuredClone(r.set));
rec.close();
const fileBytes = statSync(join(storeDir, 'tailtop.db')).size;
const perSample = fileBytes / base.length;
const last = base[base.length - 1];
say(`${SAMPLES ? `samples of ${SAMPLES}` : 'agent'}: ${base.length} samples, ${last.containers?.containers.length ?? 0} containers, ${last.processes?.length ?? 0} processes, eBPF ${last.latency?.status.active ? 'on' : 'off'}${SAMPLES ? '' : `; stderr: ${agentErr.trim().split('\n').at(-1)}`}`);

// ------------------------------------------------------------------ 2. a 24-hour store from those samples
const INTERVAL = Math.round((last.wallMs - base[0].wallMs) / (base.length - 1)) || 1000;
function* looped(n, startWall) {
  const span = base.length * INTERVAL;
  for (let i = 0; i < n; i++) {
    const s = base[i % base.length];
    const loop = Math.floor(i / base.length);
    const dMs = loop * span;
    const lat = s.latency && {
      ...s.latency,
      clockMonoNs: s.latency.clockMonoNs === null ? null : s.latency.clockMonoNs + dMs * 1e6,
      intervals: s.latency.intervals.map((iv) => ({ ...iv, monoNs: iv.monoNs + dMs * 1e6, t: iv.t + dMs })),
    };
    yield { ...s, wallMs: s.wallMs - base[0].wallMs + startWall + dMs, atMs: s.atMs + dMs, host: { ...s.host, atMs: s.host.atMs + dMs }, containers: s.containers && { ...s.containers, atMs: s.containers.atMs + dMs }, latency: lat };
  }
}
const day = tmp();
const n24 = Math.round((HOURS * 3_600_000) / INTERVAL);
const start24 = Date.UTC(2026, 0, 10, 0, 0, 0);
say(`writing ${n24} samples (${HOURS} h) through the writer with the catalogue's figures`);
let t = performance.now();
{
  const w = StoreWriter.open({ dir: day, tailtopVersion: 'bench', identity: { hostname: 'bench', machineId: 'bench', bootId: 'bench' }, figuresOf, intervalMs: INTERVAL, maxBytes: 8 * 1024 ** 3 });
  let i = 0;
  for (const s of looped(n24, start24)) {
    w.append(s);
    if (++i % 600 === 0) await w.idle();
  }
  await w.close();
}
const genS = (performance.now() - t) / 1000;
const dayBytes = statSync(join(day, 'tailtop.db')).size;

// jump: a fresh reader each time (no warm cache), random times across the day
const jumps = timeJumps([{ StoreReader, Replay }], day, start24, HOURS * 3_600_000)[0];
// one step forward (what play and `.` cost)
const rs = StoreReader.open(day);
const rp = new Replay(rs, { frame: { ...FRAME_OPTS } });
rp.jump(start24 + 7_200_000);
const s1 = performance.now();
for (let i = 0; i < 100; i++) rp.stepForward();
const stepMs = (performance.now() - s1) / 100;
rs.close();

// snapshot over the whole day
const q = [];
for (let i = 0; i < 3; i++) {
  const r = StoreReader.open(day);
  const s0 = performance.now();
  const res = queryRange(r, start24 + 37_500, start24 + HOURS * 3_600_000 - 22_500, { version: 'bench' });
  q.push({ ms: performance.now() - s0, sources: res.document.range.sources, figures: Object.keys(res.document.window.figures).length });
  r.close();
}
q.sort((a, b) => a.ms - b.ms);
const c0 = performance.now();
const cli = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'snapshot', '--json', '--store', day, '--from', String((start24 + 37_500) / 1000), '--to', String((start24 + HOURS * 3_600_000 - 22_500) / 1000)], { encoding: 'utf8', maxBuffer: 256 << 20 });
const cliMs = performance.now() - c0;
if (cli.status !== 0) throw new Error(`snapshot CLI failed: ${cli.stderr}`);

const mib = (b) => `${fmt(b / 1024 ** 2, 1)} MiB`;
console.log(`\nMachine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; agent samples: ${base.length} (${last.containers?.containers.length ?? 0} containers, ${last.processes?.length ?? 0} processes, eBPF ${last.latency?.status.active ? 'on' : 'off'})\n`);
console.log('| figure | value | target |');
console.log('|---|---|---|');
if (agentPct !== null) {
  console.log(`| agent CPU at 1 s over ${SECONDS} s (sampling + recording, the agent process) | ${fmt(agentPct, 2)}% of a core | ≤ 0.6% |`);
  if (helperPct !== null) console.log(`| eBPF helper process beside it | ${fmt(helperPct, 2)}% of a core | |`);
  console.log(`| agent RSS (max while measured / peak VmHWM) | ${fmt(rssMax / 1024, 1)} / ${fmt(hwmKb / 1024, 1)} MiB | ≤ 70 MiB |`);
}
console.log(`| the agent's own store after ${base.length} samples (file / samples: SQLite pages, the first keyframes) | ${fmt(perSample, 0)} B | |`);
console.log(`| ${HOURS}-hour store written from the agent's samples: file size, bytes per sample | ${mib(dayBytes)}, ${fmt(dayBytes / n24, 0)} B (written in ${fmt(genS, 0)} s) | |`);
console.log(`| store growth per day at 1 s (bytes per sample of the ${HOURS}-hour store x 86,400) | **${mib((dayBytes / n24) * 86_400)} = ${fmt(((dayBytes / n24) * 86_400) / 1e6, 1)} MB** | ≤ 100 MB |`);
console.log(`| jump to a random time in ${HOURS} h (open, rebuild 5 min through the FrameMaker; median / max of ${JUMPS}; the process's first jump apart: ${fmt(jumps.first, 0)} ms) | **${fmt(jumps[Math.floor(JUMPS / 2)], 0)} / ${fmt(jumps[JUMPS - 1], 0)} ms** | ≤ 200 ms |`);
console.log(`| one step forward (\`.\`, play) | ${fmt(stepMs, 2)} ms | |`);
console.log(`| snapshot --from --to over ${HOURS} h, in-process queryRange (best / worst of 3; ${q[0].sources.hours} hour rows, ${q[0].sources.minutes} minute rows, ${q[0].sources.rawSamples} raw samples, ${q[0].figures} figures) | **${fmt(q[0].ms, 0)} / ${fmt(q[2].ms, 0)} ms** | ≤ 1 s |`);
console.log(`| the same with the CLI end to end (node start-up, open, print ${mib(cli.stdout.length)}) | ${fmt(cliMs, 0)} ms | |`);
console.log(`\nLoad average at the end: ${loadavg().map((l) => fmt(l, 2)).join(' ')}; build measured: ${root}`);
if (BREAKDOWN) {
  const { breakdown } = await import('./store-breakdown.mjs');
  console.log(`\nWhere the ${HOURS}-hour store's bytes go (${n24} samples):\n`);
  console.log(await breakdown(day, { root }));
}
if (KEEP) cpSync(day, KEEP, { recursive: true });
for (const d of dirs) rmSync(d, { recursive: true, force: true });

/**
 * `JUMPS` jumps (plus a first one, the JIT's warm-up, kept apart in `.first`) to random times in
 * [start + 10 min, start + spanMs), each with a fresh reader: with several builds, they take turns jump by
 * jump at the same times.
 */
function timeJumps(builds, dir, start, spanMs) {
  let rnd = 4242;
  const next = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out = builds.map(() => []);
  const first = builds.map(() => NaN);
  for (let i = 0; i <= JUMPS; i++) {
    const at = start + 600_000 + Math.floor(next() * (spanMs - 600_000));
    builds.forEach(({ StoreReader, Replay }, b) => {
      const s0 = performance.now();
      const r = StoreReader.open(dir);
      const replay = new Replay(r, { frame: { ...FRAME_OPTS } });
      if (!replay.jump(at) || !replay.store.latest()) throw new Error('jump found nothing');
      const ms = performance.now() - s0;
      if (i > 0) out[b].push(ms);
      else first[b] = ms;
      r.close();
    });
  }
  return out.map((l, b) => Object.assign([...l].sort((x, y) => x - y), { first: first[b], inOrder: l }));
}

async function jumpsOnly(dir, roots) {
  const builds = [];
  for (const r of roots) {
    const { StoreReader } = await import(join(r, 'dist', 'record', 'reader.js'));
    const { Replay } = await import(join(r, 'dist', 'replay', 'replay.js'));
    builds.push({ StoreReader, Replay });
  }
  const rd = builds[0].StoreReader.open(dir);
  const span = rd.span();
  rd.close();
  if (!span) throw new Error(`${dir}: an empty store`);
  const l0 = loadavg();
  const res = timeJumps(builds, dir, span.fromMs, span.toMs - span.fromMs);
  const l1 = loadavg();
  const q = (l, p) => l[Math.min(l.length - 1, Math.floor(p * l.length))];
  console.log(`\nMachine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}; load average before ${l0.map((l) => l.toFixed(2)).join(' ')}, after ${l1.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`Store ${dir}: ${((span.toMs - span.fromMs) / 3_600_000).toFixed(1)} h; ${JUMPS} jumps each (fresh reader), builds taking turns\n`);
  console.log('| build | median | p90 | max | min | first jump of the process (JIT warm-up, not counted) |');
  console.log('|---|---|---|---|---|---|');
  roots.forEach((r, b) => console.log(`| ${r} | **${fmt(q(res[b], 0.5), 0)} ms** | ${fmt(q(res[b], 0.9), 0)} ms | ${fmt(res[b][res[b].length - 1], 0)} ms | ${fmt(res[b][0], 0)} ms | ${fmt(res[b].first, 0)} ms |`));
  console.log('');
  roots.forEach((r, b) => console.log(`${r}: jumps in order (ms): ${res[b].inOrder.map((x) => fmt(x, 0)).join(' ')}`));
  if (SESSIONS > 0) sessions(dir, roots, span);
}

/** `SESSIONS` fresh `tailtop replay` sessions per build and idle time (bench/replay-session.mjs), builds taking turns. */
function sessions(dir, roots, span) {
  let rnd = 777;
  const next = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const someTime = () => Math.floor((span.fromMs + 600_000 + next() * (span.toMs - span.fromMs - 600_000)) / 1000);
  const script = new URL('./replay-session.mjs', import.meta.url).pathname;
  const l0 = loadavg();
  const got = new Map();
  const runs = MODES.flatMap((mode) => IDLES.map((idle) => ({ mode, idle })));
  for (let s = 0; s < SESSIONS; s++) {
    for (const { mode, idle } of runs) {
      const at = someTime();
      const targets = Array.from({ length: KEYS }, someTime);
      for (const r of roots) {
        const p = spawnSync(process.execPath, [script, '--store', dir, '--root', r, '--at', String(at), '--targets', targets.join(','), '--idle', String(idle), ...(mode === 'history' ? ['--history'] : [])], { encoding: 'utf8' });
        if (p.status !== 0) throw new Error(`replay-session.mjs failed: ${p.stderr}`);
        const k = `${r}\u0000${mode}\u0000${idle}`;
        got.set(k, [...(got.get(k) ?? []), JSON.parse(p.stdout.trim().split('\n').at(-1))]);
      }
    }
  }
  const l1 = loadavg();
  const list = (xs) => xs.map((x) => fmt(x, 0)).join(', ');
  console.log(`\nAs the user sees it: ${SESSIONS} fresh \`tailtop replay\` processes per build and idle time, builds taking turns (load average before ${l0.map((l) => l.toFixed(2)).join(' ')}, after ${l1.map((l) => l.toFixed(2)).join(' ')}).`);
  console.log('open = openRecording (reader, Replay, the jump to --at: the process\'s first jump); first draw = createTui; idle = ms between the first draw and the first key;');
  console.log(`key jumps = \`g\` + a time + Enter, from Enter to the redrawn screen (${KEYS} per process; the first is the first jump the user asks for).\n`);
  console.log('history = the same in `tailtop --record`\'s history (openRecording with a live store, no jump at the open: the first key is the process\'s first jump).\n');
  console.log('| build | mode | idle | warm-up at the first key | open (ms) | first draw (ms) | first key jump (ms) | of it Replay.jump (ms) | max of the other keys (ms) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { mode, idle } of runs) {
    for (const r of roots) {
      const rs = got.get(`${r}\u0000${mode}\u0000${idle}`);
      const warm = [...new Set(rs.map((x) => x.warm))].join('/');
      console.log(`| ${r} | ${mode} | ${idle} ms | ${warm} | ${list(rs.map((x) => x.openMs))} | ${list(rs.map((x) => x.drawMs))} | **${list(rs.map((x) => x.keys[0]))}** | ${list(rs.map((x) => x.jumps[0]))} | ${list(rs.map((x) => Math.max(...x.keys.slice(1))))} |`);
    }
  }
}
