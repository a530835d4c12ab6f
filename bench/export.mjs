// The cost of `--listen`: two monitors with `--listen` run side by side in tmux (eBPF on, Docker with N idle
// containers), one of them scraped every 5 s the way Prometheus scrapes (Accept: OpenMetrics, gzip), and the
// CPU of each process is read from /proc/PID/stat. Then the roles swap for the same time, so each process is
// its own control: extra = ((scraped A - quiet B) + (scraped B - quiet A)) / 2, in % of one core. Also: bytes
// per scrape (plain text and gzipped), series, and the time one scrape takes to answer.
//   node bench/export.mjs [--containers 20] [--seconds 90] [--interval 5] [--wake]
// Needs DOCKER_HOST (scripts/dockerd.sh) and the tailtop-test:busybox image; run under the heavy-test lock.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { args, opt } from './cli-args.mjs';
import { ownTicks } from './proc-stat.mjs';

const N = Number(opt('containers', '20'));
const SECONDS = Number(opt('seconds', '90'));
const INTERVAL = Number(opt('interval', '5'));
// --wake: each container wakes 50 times a second (a run-queue histogram per container), else they sleep.
const WAKE = args.includes('--wake');
const HZ = 100;
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}dist/cli.js`;
const SOCKET = `tailtop-bench-export-${process.pid}`;
const PREFIX = 'tt-bench-export-';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmux = (...a) => execFileSync('tmux', ['-L', SOCKET, ...a], { encoding: 'utf8' });
const docker = (...a) => execFileSync('docker', a, { encoding: 'utf8' }).trim();

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function scrape(port) {
  const t0 = performance.now();
  const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { Accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5', 'Accept-Encoding': 'gzip' } });
  const buf = Buffer.from(await r.arrayBuffer());
  const ms = performance.now() - t0;
  // Node's fetch decompresses; the wire size comes from a raw request below.
  return { ms, text: buf.toString() };
}

async function wireBytes(port) {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/metrics', headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      const parts = [];
      res.on('data', (b) => parts.push(b));
      res.on('end', () => {
        const gz = Buffer.concat(parts);
        resolve({ gzip: gz.length, plain: gunzipSync(gz).length });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function pidOf(session) {
  // The pane's shell execs node: the pane pid is the monitor.
  return Number(tmux('display-message', '-p', '-t', session, '#{pane_pid}').trim());
}

async function main() {
  if (!process.env.DOCKER_HOST) throw new Error('DOCKER_HOST is not set (eval "$(bash scripts/dockerd.sh start)")');
  for (const id of docker('ps', '-aq', '--filter', `name=^${PREFIX}`).split('\n').filter(Boolean)) docker('rm', '-f', id);
  for (let i = 0; i < N; i++) docker('run', '-d', '--name', `${PREFIX}${i}`, '--network', 'none', 'tailtop-test:busybox', ...(WAKE ? ['sh', '-c', 'while :; do usleep 20000; done'] : ['sleep', '100000']));
  const ports = [await freePort(), await freePort()];
  const sessions = ['a', 'b'];
  try {
    sessions.forEach((s, i) => tmux('new-session', '-d', '-s', s, '-x', '160', '-y', '50', `TERM=tmux-256color exec node ${cli} --listen 127.0.0.1:${ports[i]}`));
    const pids = sessions.map(pidOf);
    await sleep(8000); // start-up, the helper, the containers' first reads
    const first = await wireBytes(ports[0]);
    const text = (await scrape(ports[0])).text;
    const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
    const times = [];
    const phase = async (scraped) => {
      const before = pids.map(ownTicks);
      const t0 = Date.now();
      while (Date.now() - t0 < SECONDS * 1000) {
        const r = await scrape(ports[scraped]);
        times.push(r.ms);
        await sleep(INTERVAL * 1000 - r.ms);
      }
      const sec = (Date.now() - t0) / 1000;
      return pids.map((p, i) => ((ownTicks(p) - before[i]) / HZ / sec) * 100);
    };
    const p1 = await phase(0);
    const p2 = await phase(1);
    const extra = ((p1[0] - p1[1]) + (p2[1] - p2[0])) / 2;
    const wire = await wireBytes(ports[0]);
    times.sort((x, y) => x - y);
    console.log(`containers ${N} (${WAKE ? 'each waking 50 times a second' : 'idle'}), ${series} series per scrape`);
    console.log(`bytes per scrape: ${wire.plain} plain, ${wire.gzip} gzipped (first scrape ${first.plain} / ${first.gzip})`);
    console.log(`scrape answer time: median ${times[times.length >> 1].toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms (${times.length} scrapes)`);
    console.log(`phase 1 (A scraped every ${INTERVAL} s, ${SECONDS} s): A ${p1[0].toFixed(2)}%, B ${p1[1].toFixed(2)}% of a core`);
    console.log(`phase 2 (B scraped): A ${p2[0].toFixed(2)}%, B ${p2[1].toFixed(2)}% of a core`);
    console.log(`extra CPU of a scrape every ${INTERVAL} s: ${extra >= 0 ? '+' : ''}${extra.toFixed(2)}% of a core`);
  } finally {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    for (const id of docker('ps', '-aq', '--filter', `name=^${PREFIX}`).split('\n').filter(Boolean)) docker('rm', '-f', id);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
