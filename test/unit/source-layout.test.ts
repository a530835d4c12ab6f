// Rules of the source tree that the type checker does not enforce (ARCHITECTURE.md and README "Design"):
// an index that only re-exports, views that do not import each other, one markup helper, the terminal
// back-end in ui/term/. Each rule reads the files as text: a rule broken by a change fails here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers a file imports or re-exports (static and dynamic). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|import\s+'([^']+)'/g)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** Code without comments (line and block). */
function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('source layout', () => {
  it('sources/cgroup/index.ts only re-exports', () => {
    const lines = code(join(SRC, 'sources/cgroup/index.ts'))
      .replace(/export\s+(type\s+)?\{[^}]*\}\s+from\s+'[^']+';/g, '')
      .trim();
    expect(lines).toBe('');
  });

  it('views do not import each other (shared pieces live in ui/, not in a view)', () => {
    const views = join(SRC, 'ui/views');
    const bad: string[] = [];
    for (const f of files(views))
      for (const spec of imports(f)) {
        const target = join(dirname(f), spec);
        if (spec.startsWith('.') && target.startsWith(`${views}/`)) bad.push(`${relative(SRC, f)} imports ${spec}`);
      }
    expect(bad).toEqual([]);
  });

  it('blessed tags are written only by ui/markup.ts', () => {
    const bad: string[] = [];
    for (const f of [...files(join(SRC, 'ui')), ...files(join(SRC, 'fleet'))]) {
      if (f.endsWith('/ui/markup.ts')) continue;
      const text = code(f);
      for (const m of text.matchAll(/\{\/?(?:bold|underline|inverse|open|close|[a-z#0-9]+-[fb]g)\}|-fg\}|-bg\}/g)) bad.push(`${relative(SRC, f)}: ${m[0]}`);
    }
    expect(bad).toEqual([]);
  });

  it('only ui/term/ (the terminal back-end) uses node: modules, timers or clocks inside ui/', () => {
    const bad: string[] = [];
    for (const f of files(join(SRC, 'ui'))) {
      if (f.includes('/ui/term/')) continue;
      for (const spec of imports(f)) if (spec.startsWith('node:')) bad.push(`${relative(SRC, f)} imports ${spec}`);
      if (/\b(setTimeout|setInterval|Date\.now|performance\.now)\b/.test(code(f))) bad.push(`${relative(SRC, f)} uses a timer or clock`);
    }
    expect(bad).toEqual([]);
  });

  it('every runtime dependency is used by the source (blessed-contrib was removed for that reason: README)', () => {
    const pkg = JSON.parse(readFileSync(join(SRC, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
    const used = new Set<string>();
    for (const f of files(SRC)) for (const spec of imports(f)) if (!spec.startsWith('.') && !spec.startsWith('node:')) used.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    for (const f of files(SRC)) for (const m of readFileSync(f, 'utf8').matchAll(/require(?:\.resolve)?\(\s*'([^'./][^']*)'/g)) used.add(m[1]!.split('/')[0]!);
    const unused = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})].filter((d) => !used.has(d));
    expect(unused).toEqual([]);
  });
});
