// re2js (a port of RE2: matching time linear in the text), loaded on first use: it is 260 KB of source that
// most sessions of the monitor never need (only a `~` table filter compiles a pattern), and an ES import
// would load it at start-up. Its CommonJS build is required synchronously, so a filter still compiles at once.
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

const requireHere = createRequire(import.meta.url);
let loaded: typeof RE2JS | null = null;

/** The RE2JS class (loaded the first time it is asked for). */
export function re2(): typeof RE2JS {
  return (loaded ??= (requireHere('re2js') as { RE2JS: typeof RE2JS }).RE2JS);
}
