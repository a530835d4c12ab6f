// `tailtop report` from a real recording: the real agent records this machine (the private dockerd's
// containers, eBPF as root) while a burner container spins one core between two known times and a loop
// device gets a known number of direct writes; `tailtop report` makes the file; Debian's chromium opens it
// with every network request blocked and counted. Checked against peers nobody here wrote: the burner's
// CPU (cgroup) rises and falls at the times the test started and stopped it; the loop device's write count
// in the summary equals /proc/diskstats' delta over the range; the heatmap holds the requests the store
// recorded (and about those diskstats counted); zooming one chart moves all; no console error.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { builtCli, CLI, REPO, requirement } from '../env.js';
import { CHROMIUM, openReport, type OpenedReport } from '../report-browser.js';
import { StoreReader } from '../../src/record/reader.js';
import { cgroupCpuNs, IMAGE, testLabels } from '../integration/docker-helpers.js';
import { intervalEndWallMs } from '../../src/record/rollup.js';

const pexec = promisify(execFile);
const root = process.getuid?.() === 0;
const docker = !!process.env['DOCKER_HOST'] && spawnSync('docker', ['version'], { stdio: 'ignore' }).status === 0;
const skip =
  builtCli() ??
  requirement('chromium', existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`) ??
  requirement('Docker (DOCKER_HOST)', docker, 'the report scenario records a burner container of the private dockerd') ??
  requirement('root', root, 'the report scenario needs a loop device and eBPF');
const ARTIFACTS = join(REPO, 'test-artifacts');
const P = `tt-report-${process.pid}-`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface DiskLine {
  reads: number;
  writes: number;
}
function diskstats(dev: string): DiskLine {
  const line = readFileSync('/proc/diskstats', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[2] === dev);
  if (!line) throw new Error(`${dev} not in /proc/diskstats`);
  return { reads: Number(line[3]), writes: Number(line[7]) };
}

let dir = '';
let img = '';
let loop = '';
let dev = '';
let agentProc: ChildProcess | null = null;
let agentErr = '';
const recorded: number[] = [];
let opened: OpenedReport | null = null;
let page: Page;
let requests: string[] = [];
let errors: string[] = [];
const file = join(ARTIFACTS, 'report-store.html');
// The scenario's known times (epoch ms) and counts.
let fromMs = 0;
let burnStart = 0;
let burnEnd = 0;
let toMs = 0;
let writesBefore: DiskLine;
let writesAfter: DiskLine;
let burnerId = '';
/** The burner's CPU (% of one core) between two times, from its cgroup counter read by the test. */
let peer = { fromMs: 0, toMs: 0, percent: 0 };
/** Loop devices attached that another writer turned out to use (kept attached until the end, then freed). */
const noisy: string[] = [];
let reportErr = '';

async function waitTicks(n: number, timeoutMs = 30_000): Promise<void> {
  const want = recorded.length + n;
  const t0 = Date.now();
  while (recorded.length < want) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`agent recorded ${recorded.length} of ${want} ticks; stderr: ${agentErr}`);
    if (agentProc?.exitCode !== null) throw new Error(`agent exited: ${agentErr}`);
    await sleep(50);
  }
}

describe.skipIf(skip !== null)('tailtop report from a real recording, in chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'tailtop-report-e2e-'));
    img = join(dir, 'loop.img');
    await pexec('truncate', ['-s', '64M', img]);
    // A device nobody else writes to (a writer left over from another test would keep writing to the
    // device number it had): attach, watch it for a second, take the next one when it was written to.
    for (let attempt = 0; ; attempt++) {
      loop = (await pexec('losetup', ['-f', '--show', img])).stdout.trim();
      dev = loop.replace('/dev/', '');
      const before = diskstats(dev).writes;
      await sleep(1500);
      if (diskstats(dev).writes === before) break;
      noisy.push(loop);
      if (attempt === 3) throw new Error(`every loop device tried (${noisy.join(', ')}) is being written by another process`);
    }

    agentProc = spawn(process.execPath, [CLI, 'agent', '--store', join(dir, 'store'), '--interval', '1000'], {
      cwd: REPO,
      env: { ...process.env, TAILTOP_AGENT_TRACE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    agentProc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const m = /^recorded (\d+)/.exec(buf.slice(0, nl));
        if (m) recorded.push(Number(m[1]));
        buf = buf.slice(nl + 1);
      }
    });
    agentProc.stderr!.setEncoding('utf8').on('data', (d: string) => (agentErr += d));
    await waitTicks(4);
    fromMs = Date.now();
    writesBefore = diskstats(dev);
    await waitTicks(3);

    // The burner: one core for 12 s, then asleep (the container stays: its CPU must fall, not vanish).
    burnStart = Date.now();
    burnerId = (
      await pexec('docker', ['run', '-d', '--name', `${P}burn`, '--network', 'none', ...testLabels(), IMAGE, 'sh', '-c', 'timeout 12 sh -c "while :; do :; done"; sleep 600'])
    ).stdout.trim();
    const pid = Number((await pexec('docker', ['inspect', '--format', '{{.State.Pid}}', burnerId])).stdout.trim());
    await sleep(Math.max(0, burnStart + 3000 - Date.now()));
    const u1 = cgroupCpuNs(pid);
    const t1 = Date.now();
    await sleep(burnStart + 10_000 - t1);
    const u2 = cgroupCpuNs(pid);
    const t2 = Date.now();
    peer = { fromMs: t1, toMs: t2, percent: ((u2 - u1) / 1e6 / (t2 - t1)) * 100 };
    await sleep(Math.max(0, burnStart + 12_000 - Date.now()));
    burnEnd = burnStart + 12_000;
    // Known direct writes to the loop device while the burner sleeps: 300 requests of 4 KiB.
    await waitTicks(2);
    await pexec('dd', ['if=/dev/zero', `of=${loop}`, 'bs=4k', 'count=300', 'oflag=direct', 'status=none']);
    await waitTicks(6);
    writesAfter = diskstats(dev);
    toMs = Date.now();
    await waitTicks(2);
    agentProc.kill('SIGTERM');
    await new Promise((r) => agentProc!.once('exit', r));

    const r = spawnSync(
      process.execPath,
      [CLI, 'report', '--store', join(dir, 'store'), '--from', String(fromMs / 1000), '--to', String(toMs / 1000), '-o', file, '--containers', `~^${P}`],
      { cwd: REPO, encoding: 'utf8' },
    );
    reportErr = r.stderr;
    if (r.status !== 0) throw new Error(`tailtop report exited ${r.status}: ${r.stderr}`);

    opened = await openReport(file);
    ({ page, requests, errors } = opened);
  }, 180_000);

  afterAll(async () => {
    if (agentProc && agentProc.exitCode === null && agentProc.signalCode === null) agentProc.kill('SIGKILL');
    await opened?.close();
    spawnSync('docker', ['rm', '-f', `${P}burn`], { stdio: 'ignore' });
    for (const l of [loop, ...noisy]) if (l) spawnSync('losetup', ['-d', l], { stdio: 'ignore' });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the CLI wrote one whole file and said what it read; the page loads with no request and no console error', async () => {
    expect(reportErr).toMatch(/^tailtop report: wrote .*report-store\.html \(\d+ bytes; \d+ steps of 1 s; \d+ samples, .*; 1 containers\)\n$/);
    expect(readdirSync(ARTIFACTS).filter((f) => f.startsWith('.report-store.html.'))).toEqual([]);
    expect(statSync(file).size).toBeGreaterThan(100_000);
    expect(await page.evaluate(() => (window as any).tailtopReport.error)).toBeNull();
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    const d = await page.evaluate(() => (window as any).tailtopReport.data);
    expect(d.recorded.ebpf).toEqual({ on: true });
    expect(d.recorded.containers).toEqual({ on: true });
    expect(d.containerFilter).toMatchObject({ selectors: [`~^${P}`], matched: 1 });
    const header = await page.locator('header').textContent();
    expect(header).toContain(spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim());
    await page.screenshot({ path: join(ARTIFACTS, 'report-store-top.png') });
  });

  it("the burner's CPU rises and falls at the times it was started and stopped", async () => {
    const chart = await page.evaluate((id) => {
      (window as any).tailtopReport.showContainer(id);
      const c = (window as any).tailtopReport.charts.find((x: any) => x.id === `container:${id}.cpu`);
      return c ? { x: Array.from(c.u.data[0]), y: Array.from(c.u.data[1]) } : null;
    }, burnerId);
    expect(chart).not.toBeNull();
    const x = chart!.x as number[];
    const y = chart!.y as (number | null)[];
    const at = (a: number, b: number): (number | null)[] => y.filter((_, i) => x[i]! >= a / 1000 && x[i]! < b / 1000);
    // Before `docker run`: the container did not exist (a gap, not 0).
    expect(at(fromMs, burnStart - 1000).every((v) => v === null)).toBe(true);
    // Burning: the steps' mean is what the container's cgroup counter, read by the test, says over the same
    // seconds (one core when the machine is otherwise idle; other work on this 2-core machine takes a share).
    const busy = at(Math.ceil(peer.fromMs / 1000) * 1000, Math.floor(peer.toMs / 1000) * 1000).filter((v): v is number => v !== null);
    expect(busy.length).toBeGreaterThanOrEqual(5);
    const mean = busy.reduce((a, b) => a + b, 0) / busy.length;
    expect(Math.abs(mean - peer.percent), `report ${mean.toFixed(1)}%, cgroup ${peer.percent.toFixed(1)}%`).toBeLessThan(Math.max(5, peer.percent * 0.1));
    expect(peer.percent).toBeGreaterThan(30);
    for (const v of busy) expect(v).toBeLessThan(110);
    // Asleep after `timeout` ended it.
    const idle = at(burnEnd + 2000, toMs).filter((v): v is number => v !== null);
    expect(idle.length).toBeGreaterThanOrEqual(5);
    for (const v of idle) expect(v).toBeLessThan(Math.min(3, mean / 10));
    await page.locator(`.card[data-container="${burnerId}"]`).first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'report-store-burner.png') });
  });

  it("the loop device's write count in the summary is /proc/diskstats' delta; its heatmap holds the recorded requests", async () => {
    const want = writesAfter.writes - writesBefore.writes;
    expect(want).toBeGreaterThanOrEqual(300);
    const shown = await page.locator(`tr[data-disk-totals="${dev}"] td[data-k="writes"]`).textContent();
    expect(Number(shown)).toBe(want);

    // The write requests the store recorded for the device (eBPF intervals that ended in the range).
    const [major, minor] = readFileSync(`/sys/block/${dev}/dev`, 'utf8').trim().split(':').map(Number) as [number, number];
    const reader = StoreReader.open(join(dir, 'store'));
    let stored = 0;
    try {
      for (const r of reader.range(fromMs - 5000, toMs + 5000)) {
        const lat = r.set.latency;
        for (const iv of lat?.intervals ?? []) {
          const end = intervalEndWallMs(r.set.wallMs, lat!, iv);
          if (end < fromMs || end >= toMs) continue;
          for (const row of iv.block) if (row.major === major && row.minor === minor && row.op === 'write') stored += row.service.reduce((a, [, n]) => a + n, 0);
        }
      }
    } finally {
      reader.close();
    }
    const cells = JSON.parse(
      await page.evaluate((src) => JSON.stringify((window as any).tailtopReport.heatmaps.find((h: any) => h.source === src)?.cells ?? null, ['count']), `disk:${dev}/disk.write.latency:write`),
    ) as { count: number }[] | null;
    expect(cells).not.toBeNull();
    const drawn = cells!.reduce((a, c) => a + c.count, 0);
    expect(drawn).toBe(stored);
    // eBPF saw the requests diskstats counted (each direct 4 KiB write is one request).
    expect(Math.abs(drawn - want)).toBeLessThanOrEqual(Math.ceil(want * 0.02));
    const total = await page.locator(`tr[data-latency="${dev}/disk.write.latency:write"] td`).nth(2).textContent();
    expect(Number(total!.replace(/[^0-9]/g, ''))).toBe(stored);
    // The loop device's section (its heatmap: the 300 writes) with the burner's charts: docs/report.png.
    await page.evaluate((name) => {
      const h = [...document.querySelectorAll('#disks h3')].find((e) => e.textContent === name)!;
      window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 44);
    }, dev);
    await page.screenshot({ path: join(ARTIFACTS, 'report-store-disk.png') });
  });

  it('zooming one chart (a mouse drag) gives every chart the same range', async () => {
    const ranges = (): Promise<[number, number][]> => page.evaluate(() => (window as any).tailtopReport.charts.map((c: any) => [c.u.scales.x.min, c.u.scales.x.max]));
    const full = await ranges();
    const plot = page.locator('figure[data-chart="host.cpu"] .u-over');
    await plot.scrollIntoViewIfNeeded();
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = await ranges();
    const [min, max] = zoomed[0]!;
    expect(max - min).toBeLessThan((full[0]![1] - full[0]![0]) * 0.5);
    for (const r of zoomed) expect(r).toEqual([min, max]);
    await page.locator('figure[data-chart="host.cpu"] .u-over').dblclick();
    for (const r of await ranges()) expect(r).toEqual(full[0]);
    expect(errors).toEqual([]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, 'report-store-full.png'), fullPage: true });
    // The README's picture (docs/report.png) is taken from this page.
    if (process.env['TAILTOP_UPDATE_DOCS'] === '1') copyFileSync(join(ARTIFACTS, 'report-store-disk.png'), join(REPO, 'docs', 'report.png'));
  });
});
