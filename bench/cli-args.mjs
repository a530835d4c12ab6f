// The benches' command lines: `--name value` options, `--name` switches (args.includes), and the build a bench
// measures (`--root DIR`: DIR/dist, default this checkout).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const args = process.argv.slice(2);

/** The value after `--name`, else `dflt`. */
export const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};

/** The checkout whose build is measured. */
export const root = resolve(opt('root', fileURLToPath(new URL('..', import.meta.url))));

/** The agent's environment as DIR's contrib/tailtop-agent.service sets it (its Environment= lines). */
export const unitEnv = (dir) => {
  const env = {};
  for (const m of readFileSync(resolve(dir, 'contrib', 'tailtop-agent.service'), 'utf8').matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) env[m[1]] = m[2];
  return env;
};

/** How `npm start` runs the monitor from `dir` (its package.json's start script, e.g. `node FLAGS dist/cli.js`):
 * the benches start a build the way its users do. */
export const startCommand = (dir) => {
  const start = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')).scripts?.start ?? '';
  return /^node( [^ ]+)* dist\/cli\.js$/.test(start) ? start : 'node dist/cli.js';
};
