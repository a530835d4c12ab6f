import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { readStaticFacts } from '../../src/sources/sysinfo.js';

const require = createRequire(import.meta.url);

describe.runIf(process.platform === 'linux')('static facts on Linux', () => {
  it('load only systeminformation\'s osinfo and cpu modules, and say what the whole package says', async () => {
    const index = require.resolve('systeminformation');
    // another test file in this process may have loaded the package: start from none of it
    for (const k of Object.keys(require.cache)) if (/node_modules[\\/]systeminformation[\\/]/.test(k)) delete require.cache[k];
    const facts = await readStaticFacts();
    expect(require.cache[index]).toBeUndefined();
    expect(Object.keys(require.cache).some((k) => /systeminformation[\\/]lib[\\/]osinfo\.js$/.test(k))).toBe(true);
    const si = require('systeminformation') as { osInfo: () => Promise<{ distro: string; release: string }>; cpu: () => Promise<{ manufacturer: string; brand: string }> };
    const [o, c] = await Promise.all([si.osInfo(), si.cpu()]);
    expect(facts.os).toBe([o.distro, o.release].filter((s) => s.trim() !== '' && s.trim().toLowerCase() !== 'unknown').join(' '));
    expect(facts.cpuModel).toBe([c.manufacturer, c.brand].filter((s) => s.trim() !== '' && s.trim().toLowerCase() !== 'unknown').join(' '));
  });
});
