// What the Docker client costs a process: each build's `createDockerApi` (dist/sources/docker/api.js) in a fresh
// node process that asks the daemon on DOCKER_HOST for its version, the container list, an inspect of every
// container and a ping, then prints its resident memory, V8 heap, the time the calls took and whether node's
// TLS stack or dockerode was loaded; a bare node process doing nothing is the baseline. Builds take turns.
//   node bench/docker-client.mjs [--root DIR] [--runs 3]   (--root may be given several times)
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { args, opt, root } from './cli-args.mjs';

const RUNS = Number(opt('runs', '3'));
const roots = args.flatMap((a, i) => (a === '--root' ? [resolve(args[i + 1])] : []));
if (roots.length === 0) roots.push(root);
const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
const socketPath = host.replace(/^unix:\/\//, '');

const probe = (dir) => `
  const t0 = performance.now();
  let calls = 0;
  if (${JSON.stringify(dir)}) {
    const { createDockerApi } = await import(${JSON.stringify(`${dir}/dist/sources/docker/api.js`)});
    const api = createDockerApi({ socketPath: ${JSON.stringify(socketPath)} }, {});
    await api.version();
    const list = await api.listContainers();
    for (const c of list) await api.inspect(c.Id);
    await api.ping();
    calls = 3 + list.length;
  }
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 500));
  const m = process.memoryUsage();
  const req = (await import('node:module')).createRequire(import.meta.url);
  console.log(JSON.stringify({
    calls, ms: +ms.toFixed(1), rssMiB: +(m.rss / 1048576).toFixed(1), heapUsedMiB: +(m.heapUsed / 1048576).toFixed(1),
    tls: process.moduleLoadList.includes('NativeModule tls'),
    dockerode: Object.keys(req.cache).some((k) => /node_modules[\\\\/]dockerode[\\\\/]/.test(k)),
  }));`;

console.log(`DOCKER_HOST ${host}; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (let run = 1; run <= RUNS; run++) {
  for (const dir of ['', ...roots]) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe(dir)], { encoding: 'utf8' });
    console.log(`run ${run} ${dir || 'bare node'}: ${out.trim()}`);
  }
}
