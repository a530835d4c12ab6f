#!/usr/bin/env node
// Captures REAL SampleSets from this machine for the recording benchmark: host counters from /proc, every
// container of a Docker daemon (20 started here: one burning half a core, two writing to disk, one holding
// memory, the rest idle, with compose-like labels), every process, and the eBPF helper's intervals (root).
// One SampleSet a second, built from the existing sources the way the sampler reads them (src/model/
// sample-set.ts), written as JSON lines (gzip) for bench/record.mjs. Containers are removed at the end.
//   node bench/record-capture.mjs [--seconds 300] [--containers 20] [--out /tmp/tailtop-capture.jsonl.gz]
// Needs dist/ (npm run build), DOCKER_HOST (the shared private dockerd), root for eBPF.
import { haveDocker, removeBenchContainers, startBenchContainers } from './bench-containers.mjs';
import { createWriteStream, existsSync } from 'node:fs';
import { createGzip } from 'node:zlib';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { args, opt } from './cli-args.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SECONDS = Number(opt('seconds', '300'));
const N = Number(opt('containers', '20'));
const OUT = opt('out', '/tmp/tailtop-capture.jsonl.gz');
const PREFIX = 'tt-rec-cap-';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (s) => process.stderr.write(`record-capture: ${s}\n`);

if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/ is not built (npm run build)');
const dist = (p) => import(join(root, 'dist', p));
const { readHostSample } = await dist('sources/procfs/read-host.js');
const { readProcesses, closeProcessReaders } = await dist('sources/processes/read-processes.js');
const { ContainerSource } = await dist('sources/docker/container-source.js');
const { EbpfSupervisor } = await dist('sources/ebpf/supervisor.js');


if (haveDocker) {
  say(`starting ${N} containers`);
  startBenchContainers(PREFIX, N);
} else say('no DOCKER_HOST daemon: capturing without containers');

const containers = haveDocker ? new ContainerSource({}) : null;
if (containers) await containers.start();
const ebpf = process.getuid?.() === 0 ? new EbpfSupervisor({ intervalMs: 1000 }) : null;
if (ebpf) {
  await ebpf.start();
  if (!(await ebpf.waitReady(15000))) say(`eBPF not ready: ${ebpf.status().reason}`);
}

const gz = createGzip();
const out = createWriteStream(OUT);
gz.pipe(out);
let stop = false;
process.on('SIGINT', () => (stop = true));
const t0 = performance.now();
say(`capturing ${SECONDS} s to ${OUT}`);
for (let i = 0; i < SECONDS && !stop; i++) {
  const due = t0 + i * 1000;
  await sleep(Math.max(0, due - performance.now()));
  const atMs = performance.now();
  const wallMs = Date.now();
  const [host, ctrs, procs] = await Promise.all([
    readHostSample({ atMs }),
    containers ? containers.sample(atMs, 'all') : null,
    readProcesses({}),
  ]);
  let latency = null;
  if (ebpf) {
    const st = ebpf.status();
    latency = {
      status: { active: st.active, reason: st.reason, badLines: st.badLines, lost: st.lost, dropped: st.dropped, restarts: st.restarts, lastError: st.lastError },
      cgroup: st.hello ? { block: st.hello.cgroup.block, runq: st.hello.cgroup.runq } : null,
      clockMonoNs: Number(process.hrtime.bigint()),
      intervals: ebpf.drain().map(({ kind: _k, ...iv }) => iv),
    };
  }
  const errors = [...host.errors, ...(ctrs?.errors ?? []), ...procs.errors.map((message) => ({ source: 'processes', message }))];
  const set = { atMs, wallMs, host, containers: ctrs, processes: procs.rows, latency, errors };
  gz.write(`${JSON.stringify(set)}\n`);
  if (i % 30 === 0) say(`${i} samples`);
}
gz.end();
await new Promise((r) => out.on('close', r));
if (ebpf) await ebpf.stop();
if (containers) await containers.stop();
closeProcessReaders();
if (haveDocker) removeBenchContainers(PREFIX);
say('done');
