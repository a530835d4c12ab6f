// docs/metrics.md is the contract: its tables list exactly the families of src/export/families.ts (name, type,
// unit, labels) and the alert ids of src/model/catalogue.ts (id, unit, labels).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTAINER_LABELS, FAMILIES } from '../../src/export/families.js';
import { METRIC_IDS, SCOPE_LABELS } from '../../src/model/catalogue.js';
import { bucketScheme, seriesPerHistogram } from '../../src/export/buckets.js';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'metrics.md'), 'utf8');
const rows = (cols: number): string[][] =>
  doc
    .split('\n')
    .filter((l) => /^\| `[^`]+` \|/.test(l))
    .map((l) => l.slice(1, -1).split(' | ').map((c) => c.trim()))
    .filter((r) => r.length === cols);
const expandLabels = (text: string): string[] =>
  text === '—' ? [] : text.split(', ').flatMap((l) => (l === 'C' ? [...CONTAINER_LABELS] : [l]));

describe('docs/metrics.md', () => {
  it('lists every family with its type, unit and labels, and nothing else', () => {
    const documented = rows(5).map(([name, type, unit, labels]) => ({ name: name!.replace(/`/g, ''), type, unit: unit || undefined, labels: expandLabels(labels!) }));
    expect(documented).toEqual(FAMILIES.map((f) => ({ name: f.name, type: f.type, unit: f.unit, labels: [...f.labels] })));
  });

  it('lists every alert id with its unit and labels, and nothing else', () => {
    const documented = rows(4).map(([id, unit, labels]) => ({ id: id!.replace(/`/g, ''), unit, labels: expandLabels(labels!) }));
    expect(documented).toEqual(METRIC_IDS.map((d) => ({ id: d.id, unit: d.unit, labels: [...SCOPE_LABELS[d.scope]] })));
  });

  it('states the bounds and series per histogram of each resolution', () => {
    for (const r of [1, 2, 4, 8] as const) {
      const s = bucketScheme({ resolution: r, minNs: 1000, maxNs: 2 ** 34 });
      expect(doc).toMatch(new RegExp(`\\| ${r}( \\(default\\))? \\|[^\\n]*\\| ${s.indices.length} \\| ${seriesPerHistogram(s)} \\|`));
    }
  });
});
