// A real Prometheus server for tests (Debian's `prometheus`): started on a free loopback port with its own
// temporary data directory and config, ready when /-/ready answers, with query helpers, torn down after.
// `requirePrometheus()` gates the tests: under CI=true a missing binary fails them instead of skipping.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirement } from './env.js';

export function hasPrometheus(): boolean {
  return spawnSync('prometheus', ['--version'], { encoding: 'utf8' }).status === 0 && spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** null when prometheus and promtool are installed; else the reason (throws under CI). */
export function requirePrometheus(): string | null {
  return requirement('prometheus', hasPrometheus(), 'prometheus/promtool not installed (apt-get install prometheus)');
}

/** A free TCP port on 127.0.0.1 (bound and released: the caller binds it right after). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** `promtool <args>`: exit status and output (stdout + stderr). */
export function promtool(args: string[], input?: string): { status: number; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', input });
  return { status: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export interface ScrapeJob {
  job: string;
  targets: string[];
  /** Default 1s. */
  interval?: string;
  metricsPath?: string;
  scheme?: 'http' | 'https';
  honorLabels?: boolean;
  /** Raw YAML lines appended to the job (indented by the caller to 4 spaces), e.g. relabel_configs. */
  extra?: string;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Prometheus {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Instant query; throws with Prometheus' error text when the query fails. */
  query(promql: string, timeSec?: number): Promise<PromSample[]>;
  /** The raw API JSON for a path such as /api/v1/rules or /api/v1/targets. */
  api(path: string): Promise<unknown>;
  /** Poll `query` until `ok(result)` holds; returns the last result (throws on timeout with it). */
  waitFor(promql: string, ok: (r: PromSample[]) => boolean, timeoutMs?: number): Promise<PromSample[]>;
  /** Number of active targets whose last scrape was healthy. */
  healthyTargets(): Promise<number>;
  stop(): Promise<void>;
}

function configYaml(jobs: ScrapeJob[], ruleFiles: string[], evaluation: string): string {
  const lines = ['global:', '  scrape_interval: 1s', `  evaluation_interval: ${evaluation}`, '  scrape_timeout: 1s'];
  if (ruleFiles.length) lines.push('rule_files:', ...ruleFiles.map((f) => `  - ${JSON.stringify(f)}`));
  lines.push('scrape_configs:');
  for (const j of jobs) {
    lines.push(`  - job_name: ${JSON.stringify(j.job)}`);
    if (j.interval) lines.push(`    scrape_interval: ${j.interval}`, `    scrape_timeout: ${j.interval}`);
    if (j.metricsPath) lines.push(`    metrics_path: ${JSON.stringify(j.metricsPath)}`);
    if (j.scheme) lines.push(`    scheme: ${j.scheme}`);
    if (j.honorLabels) lines.push('    honor_labels: true');
    if (j.extra) lines.push(j.extra.replace(/\n$/, ''));
    lines.push('    static_configs:', `      - targets: [${j.targets.map((t) => JSON.stringify(t)).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Start Prometheus scraping `jobs` (and evaluating `ruleFiles`). Resolves once /-/ready answers 200.
 * `extraArgs` go to the command line (e.g. --web.enable-lifecycle).
 */
export async function startPrometheus(o: { jobs: ScrapeJob[]; ruleFiles?: string[]; evaluationInterval?: string; extraArgs?: string[]; readyTimeoutMs?: number }): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'tailtop-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, configYaml(o.jobs, o.ruleFiles ?? [], o.evaluationInterval ?? '1s'));
  let lastErr = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
        ...(o.extraArgs ?? []),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-8000);
    });
    const ready = await waitReady(url, child, o.readyTimeoutMs ?? 30_000);
    if (ready) return handle(url, port, dir, child);
    lastErr = stderr;
    await kill(child);
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`prometheus did not become ready: ${lastErr.split('\n').slice(-5).join('\n')}`);
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) return false;
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return false;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function handle(url: string, port: number, dir: string, child: ChildProcess): Prometheus {
  const api = async (path: string): Promise<unknown> => {
    const r = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(20_000) });
    const body = (await r.json()) as { status?: string; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? r.status}`);
    return body;
  };
  const query = async (promql: string, timeSec?: number): Promise<PromSample[]> => {
    const q = new URLSearchParams({ query: promql });
    if (timeSec !== undefined) q.set('time', String(timeSec));
    const body = (await api(`/api/v1/query?${q.toString()}`)) as { data: { resultType: string; result: PromSample[] | [number, string] } };
    if (body.data.resultType === 'scalar') return [{ metric: {}, value: body.data.result as [number, string] }];
    return body.data.result as PromSample[];
  };
  return {
    url,
    port,
    dir,
    query,
    api,
    async waitFor(promql, ok, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      let last: PromSample[] = [];
      for (;;) {
        last = await query(promql);
        if (ok(last)) return last;
        if (Date.now() > until) throw new Error(`timed out waiting for ${promql}: ${JSON.stringify(last).slice(0, 2000)}`);
        await sleep(250);
      }
    },
    async healthyTargets() {
      const body = (await api('/api/v1/targets?state=active')) as { data: { activeTargets: { health: string }[] } };
      return body.data.activeTargets.filter((t) => t.health === 'up').length;
    },
    async stop() {
      await kill(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
