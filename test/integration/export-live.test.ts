// The live /metrics endpoint (src/export/live.ts: what `--listen` attaches) on a real `tailtop agent` (in this
// process: Agent.start, recording to a temporary store) scraped by a real Prometheus, with the real eBPF
// helper, a real dockerd and fio on a loop device:
// - `promtool check metrics` says nothing about a live exposition (histograms, containers, eBPF families);
// - histogram_quantile(0.99, rate(tailtop_block_io_latency_seconds_bucket[1m])) for the loop device agrees
//   with tailtop's own p99 over its 1m window within one exported bucket;
// - increase(tailtop_block_io_latency_seconds_count) equals the /proc/diskstats write delta (the same
//   scrapes' tailtop_disk_writes_completed_total) within 1%;
// - a CPU-burning container's 100 * rate(tailtop_container_cpu_usage_seconds_total) agrees with tailtop's
//   own CPU% over the same seconds (and with its --cpus limit);
// - the JSON API answers with the snapshot schema for the same container.
// Needs root, BTF, fio, losetup, dockerd and prometheus; runs under CI=true.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hostname, tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, requirement } from '../env.js';
import { sleep } from '../wait.js';
import { removeAll, requireDaemon, run, type DaemonHandle } from './docker-helpers.js';
import { ebpfUnmet } from './ebpf-env.js';
import { LoopDevices, startFio, waitForWrites, type FioJob } from './loop-devices.js';
import { promtool, requirePrometheus, startPrometheus, type Prometheus } from '../prometheus.js';
import { Agent } from '../../src/agent/agent.js';
import { figuresOf } from '../../src/model/catalogue.js';
import { startExport, type LiveExport } from '../../src/export/live.js';
import { rangeHandler } from '../../src/query/api.js';
import { listenConfig } from '../../src/export/server.js';
import { DEFAULT_EXPORT } from '../../src/config/alerts.js';
import { bucketScheme } from '../../src/export/buckets.js';
import type { Frame } from '../../src/model/types.js';

const BIN = join(REPO, 'bpf', 'tailtop-bpf');
// In the run's own TMPDIR and not named tailtop-*.img: another test run's teardown (a unit run ending while
// this one holds its loop device) detaches only loop devices on such names or in its own directory.
const IMG = join(tmpdir(), `live-export-${process.pid}.img`);
const P = 'tt-live-';

const unmet = (): string | null => ebpfUnmet(BIN, ['fio', 'losetup']) ?? requirePrometheus();
const why = unmet();
const skip = requirement('live export', why === null, why ?? '') !== null;

describe.skipIf(skip)('live /metrics scraped by a real Prometheus (eBPF, dockerd, fio)', () => {
  let d: DaemonHandle;
  let loop = '';
  let fio: FioJob | null = null;
  const loops = new LoopDevices();
  let agent: Agent;
  let storeDir = '';
  let live: LiveExport;
  let prom: Prometheus;
  const frames: Frame[] = [];
  const dev = (): string => loop.replace('/dev/', '');

  beforeAll(async () => {
    d = await requireDaemon(P);
    await run(d.host, `${P}burn`, ['--network', 'none', '--cpus', '0.5'], ['sh', '-c', 'while :; do :; done']);
    loop = await loops.make(IMG, 256);
    fio = startFio(loop, ['--name=steady', '--rw=randrw', '--ioengine=psync', '--thinktime=300'], 600);

    // fio is writing before anything is measured.
    await waitForWrites(fio, loop, 100);
    storeDir = mkdtempSync(join(tmpdir(), 'tailtop-live-store-'));
    agent = await Agent.start({
      storeDir, intervalMs: 1000, retainMs: 3_600_000, maxBytes: 1 << 30, version: 'test', dockerHost: d.host, docker: true, ebpf: true,
      showAllDisks: true, figuresOf, say: (line) => console.log(`agent: ${line}`),
    });
    agent.onFrame((f) => {
      frames.push(f);
      if (frames.length > 400) frames.shift();
    });
    live = await startExport(agent.sampler, {
      listen: listenConfig({ listen: '127.0.0.1:0' }),
      settings: DEFAULT_EXPORT,
      version: 'test',
      facts: () => ({ hostname: hostname(), kernel: 'test', os: 'Linux', cpuModel: '', cpuCount: 2 }),
      intervalMs: () => 1000,
      showAllDisks: true,
      range: rangeHandler({ dir: storeDir, version: 'test', showAllDisks: true }),
    });
    prom = await startPrometheus({ jobs: [{ job: 'tailtop', targets: [`127.0.0.1:${live.port}`] }] });
  }, 240_000);

  afterAll(async () => {
    await live?.stop();
    await prom?.stop();
    await agent?.stop();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
    fio?.kill();
    await sleep(300);
    await loops.removeAll();
    if (d && !d.unavailable) await removeAll(d.host, P);
  }, 120_000);

  it('promtool check metrics reports nothing for a live exposition with histograms and containers', async () => {
    await prom.waitFor(`tailtop_block_io_latency_seconds_count{device="${dev()}",op="write"}`, (r) => r.length > 0, 30_000);
    const text = await (await fetch(`http://127.0.0.1:${live.port}/metrics`)).text();
    expect(text).toContain(`tailtop_block_io_latency_seconds_bucket{device="${dev()}",op="write",le=`);
    expect(text).toMatch(/tailtop_container_cpu_usage_seconds_total\{container="tt-live-burn",id="[0-9a-f]{12}",image="[^"]+",runtime="docker"\} /);
    expect(text).toContain('tailtop_ebpf_up 1');
    const r = promtool(['check', 'metrics'], text);
    expect(r.output.trim()).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);

  it('histogram_quantile(0.99) over [1m] agrees with tailtop\'s own 1m p99 within one bucket', async () => {
    // A minute of data for both.
    await prom.waitFor(`count_over_time(tailtop_block_io_latency_seconds_count{device="${dev()}",op="write"}[1m])`, (r) => Number(r[0]?.value[1] ?? 0) >= 55, 120_000);
    const bounds = bucketScheme(DEFAULT_EXPORT).bounds;
    const bucketOf = (sec: number): number => {
      const i = bounds.findIndex((b) => sec <= b);
      return i < 0 ? bounds.length : i;
    };
    let checked = 0;
    for (const op of ['write', 'read']) {
      const q = `histogram_quantile(0.99, rate(tailtop_block_io_latency_seconds_bucket{device="${dev()}",op="${op}"}[1m]))`;
      const [res] = await prom.query(q);
      const frame = frames[frames.length - 1]!;
      const row = frame.latency!.windows['1m'].block.find((r) => r.device === dev() && r.op === op);
      expect(res, q).toBeDefined();
      expect(row?.p99Us, `tailtop's 1m ${op} p99`).toBeTypeOf('number');
      const promSec = Number(res!.value[1]);
      const ours = row!.p99Us! / 1e6;
      console.log(`${dev()} ${op}: Prometheus p99 ${(promSec * 1e6).toFixed(1)} us, tailtop 1m p99 ${(ours * 1e6).toFixed(1)} us (${row!.count} requests)`);
      expect(Math.abs(bucketOf(promSec) - bucketOf(ours))).toBeLessThanOrEqual(1);
      checked++;
    }
    expect(checked).toBe(2);
  }, 180_000);

  it('increase(_count) of the write histogram equals the /proc/diskstats write delta within 1%', async () => {
    const sel = `{device="${dev()}"}`;
    const [ebpfInc] = await prom.query(`increase(tailtop_block_io_latency_seconds_count{device="${dev()}",op="write"}[30s])`);
    const [kernelInc] = await prom.query(`increase(tailtop_disk_writes_completed_total${sel}[30s])`);
    const e = Number(ebpfInc!.value[1]);
    const k = Number(kernelInc!.value[1]);
    console.log(`${dev()} writes over 30 s: eBPF ${e.toFixed(1)}, /proc/diskstats ${k.toFixed(1)}`);
    expect(k).toBeGreaterThan(500);
    expect(Math.abs(e - k) / k).toBeLessThan(0.01);
  }, 60_000);

  it("a container's 100 * rate(cpu_seconds_total) agrees with tailtop's CPU% over the same seconds", async () => {
    const q = `100 * rate(tailtop_container_cpu_usage_seconds_total{container="${P}burn"}[20s])`;
    const [res] = await prom.waitFor(q, (r) => r.length === 1, 30_000);
    const at = res!.value[0] * 1000;
    const ours = frames
      .filter((f) => f.wallMs > at - 20_000 && f.wallMs <= at)
      .map((f) => f.containers?.containers.find((c) => c.name === `${P}burn`)?.cpuPercent)
      .filter((x): x is number => typeof x === 'number');
    const mean = ours.reduce((a, b) => a + b, 0) / ours.length;
    const promPct = Number(res!.value[1]);
    console.log(`${P}burn CPU: Prometheus ${promPct.toFixed(2)}%, tailtop ${mean.toFixed(2)}% (mean of ${ours.length} frames)`);
    expect(ours.length).toBeGreaterThanOrEqual(15);
    expect(Math.abs(promPct - mean)).toBeLessThan(Math.max(1.5, mean * 0.05));
    // --cpus 0.5 and a busy loop: half a core.
    expect(promPct).toBeGreaterThan(40);
    expect(promPct).toBeLessThan(55);
  }, 60_000);

  it('GET /api/v1/snapshot and /api/v1/containers/{name} answer with the snapshot schema', async () => {
    const snap = (await (await fetch(`http://127.0.0.1:${live.port}/api/v1/snapshot`)).json()) as { schemaVersion: number; containers: { id: string; name: string; cpuPercent: number }[]; latency: { active: boolean } };
    expect(snap.schemaVersion).toBe(1);
    expect(snap.latency.active).toBe(true);
    const c = snap.containers.find((x) => x.name === `${P}burn`)!;
    expect(c).toBeDefined();
    for (const key of [c.name, c.id, c.id.slice(0, 12)]) {
      const r = await fetch(`http://127.0.0.1:${live.port}/api/v1/containers/${key}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      const one = (await r.json()) as { id: string; cpuPercent: number };
      expect(one.id).toBe(c.id);
      expect(one.cpuPercent).toBeGreaterThan(30);
    }
    expect((await fetch(`http://127.0.0.1:${live.port}/api/v1/containers/nosuchcontainer`)).status).toBe(404);
    // the range API over the agent's own store: the burner over the last 15 s, as `snapshot --from --to` says
    const range = await fetch(`http://127.0.0.1:${live.port}/api/v1/range?from=-15s`);
    expect(range.status).toBe(200);
    const doc = (await range.json()) as { range: { samples: number }; containers: { name: string; cpuPercent: number }[] };
    expect(doc.range.samples).toBeGreaterThanOrEqual(10);
    expect(doc.containers.find((x) => x.name === `${P}burn`)!.cpuPercent).toBeGreaterThan(30);
    expect((await fetch(`http://127.0.0.1:${live.port}/api/v1/range?from=-3d`)).status).toBe(400);
  }, 30_000);
});
