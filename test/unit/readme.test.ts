// The README's key table is the key table: every command, with its default keys and help line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/ui/keys.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('README', () => {
  it('starts with the two commands', () => {
    const firstBlock = /```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toMatch(/^npm install && npm start/m);
    expect(firstBlock).toMatch(/^npm test/m);
  });

  it('lists every command of the key table with its keys and help', () => {
    for (const [name, c] of Object.entries(COMMANDS)) {
      const row = `| ${c.keys.map((k) => `\`${k}\``).join(', ')} | ${c.help} | \`${name}\` |`;
      expect(readme).toContain(row);
    }
  });
});
