// `npm run bench`: every benchmark in turn. Figures are printed, never asserted; record them in
// BENCHMARKS.md with the machine they came from. Pass --quick for shorter windows.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const benches = [
  ['tui.mjs', quick ? ['--seconds', '15'] : []],
  ['cgroup-poll.mjs', []],
  ['docker.mjs', []],
  ['docker-client.mjs', ['--runs', '1']],
  ['ebpf.mjs', []],
  ['report.mjs', quick ? ['--runs', '2', '--hours', '24'] : []],
  ['record.mjs', quick ? ['--hours', '2'] : []],
  ['time-travel.mjs', quick ? ['--seconds', '20', '--hours', '2'] : []],
  ['latency.mjs', [], ['--expose-gc']],
  ['export.mjs', quick ? ['--seconds', '30'] : []],
  ['agent.mjs', quick ? ['--seconds', '15'] : []],
  ['agent-parts.mjs', quick ? ['--seconds', '15'] : []],
  ['agent-peers.mjs', quick ? ['--settle', '30', '--seconds', '30'] : []],
  ['agent-floor.mjs', quick ? ['--settle', '30', '--seconds', '30'] : []],
  ['steady.mjs', quick ? ['--minutes', '2', '--warm', '1'] : []],
  ['recompiles.mjs', quick ? ['--minutes', '4', '--every', '2'] : []],
];
let failed = 0;
for (const [file, args, nodeArgs = []] of benches) {
  if (!existsSync(here(file))) continue;
  console.log(`\n### ${file}`);
  const r = spawnSync(process.execPath, [...nodeArgs, here(file), ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
