// The metric catalogue is the one table: every number of a snapshot is listed in it (with the catalogue id
// that reads the same value from the frame), every series of the store is one of its figures, the roll-ups
// of a recording are its figures, and its PromQL names only families the exporter has.
import { describe, expect, it } from 'vitest';
import { CATALOGUE, figuresOf, METRIC_IDS, ROLLUP_FIGURES, SCOPE_LABELS, SERIES_FIGURES, seriesKey, type MetricValue } from '../../src/model/catalogue.js';
import { SNAPSHOT_FIELDS } from '../../src/model/snapshot-fields.js';
import { CONTAINER_LABELS, FAMILIES } from '../../src/export/families.js';
import { FrameMaker } from '../../src/store/frame-maker.js';
import { Store } from '../../src/store/store.js';
import { toSnapshot } from '../../src/snapshot.js';
import type { SampleSet } from '../../src/model/sample-set.js';
import type { Frame } from '../../src/model/types.js';
import { samples } from './record-helpers.js';

const facts = { hostname: 'h', kernel: 'k', os: 'o', cpuModel: 'c', cpuCount: 2 };

/** Frames of a host with containers (one with PSI and a stopped one), processes and eBPF. */
function frames(n: number): { sets: SampleSet[]; frames: Frame[] } {
  const sets = samples(n, { seed: 9, containers: 5, processes: 30 });
  for (const s of sets) {
    const c = s.containers!.containers;
    const psi = { some: { avg10: 1, avg60: 2, avg300: 3, totalUs: s.atMs * 10 }, full: { avg10: 0, avg60: 0, avg300: 0, totalUs: s.atMs * 2 } };
    c[1] = { ...c[1]!, counters: { ...c[1]!.counters!, pressure: { cpu: psi, memory: psi, io: psi } } };
    c[4] = { ...c[4]!, meta: { ...c[4]!.meta, state: 'exited' }, counters: null };
  }
  const maker = new FrameMaker({ showAllDisks: true, clockTicks: 100 });
  return { sets, frames: sets.map((s) => maker.next(s)) };
}

/** Every number (or null) of a JSON value, by path with `[]` for list elements, with the row it is in. */
function leaves(v: unknown, path = '', row: Record<string, unknown> | null = null, out: { path: string; value: number | null; row: Record<string, unknown> | null }[] = []) {
  if (Array.isArray(v)) v.forEach((x) => leaves(x, `${path}[]`, x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : row, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) leaves(x, path ? `${path}.${k}` : k, row, out);
  else if (typeof v === 'number' || v === null) out.push({ path, value: v as number | null, row });
  return out;
}

describe('metric catalogue', () => {
  it('every number of a snapshot is listed, with a unit and kind; listed ids read the same values', () => {
    const { frames: fs } = frames(6);
    const frame = fs.at(-1)!;
    expect(frame.latency!.active).toBe(true);
    const doc = toSnapshot(frame, { facts, intervalMs: 1000, processes: true, version: 't', cutSkewMs: 0.5 });
    const ids = new Set(CATALOGUE.map((d) => d.id));
    let checked = 0;
    for (const leaf of leaves(doc)) {
      const field = SNAPSHOT_FIELDS.get(leaf.path);
      if (!field) {
        // a null may be a text (an error, a reason) or a whole object (no pressure): numbers must be listed
        expect(leaf.value === null, `${leaf.path} is not in the catalogue (model/snapshot-fields.ts)`).toBe(true);
        continue;
      }
      if (!field.figure) continue;
      expect(ids.has(field.figure), field.figure).toBe(true);
      const def = METRIC_IDS.find((d) => d.id === field.figure);
      const ser = SERIES_FIGURES.find((d) => d.id === field.figure);
      let mine: number | null | undefined;
      if (def) {
        const row = leaf.row;
        const want = (v: MetricValue): boolean =>
          def.scope === 'host' ? true : def.scope === 'disk' ? v.labels['device'] === row!['name'] : def.scope === 'net' ? v.labels['interface'] === row!['name'] : v.labels['id'] === String(row!['id']).slice(0, 12);
        mine = def.read(frame, '1s').find(want)?.value ?? null;
        if (def.scope === 'container' && row!['state'] !== 'running') continue; // alert figures: running containers only
      } else {
        const entity = leaf.path.startsWith('host.cpu.cores[]') ? String(leaf.row!['id']) : leaf.path.startsWith('containers[]') ? String(leaf.row!['id']) : null;
        mine = null;
        ser!.series(frame, (e, v) => {
          if (e === entity) mine = v ?? null;
        });
      }
      expect(mine, `${leaf.path} (${field.figure})`).toBe(leaf.value);
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('every series of the store is a catalogue figure, holding what the figure reads from the frame', () => {
    const { frames: fs } = frames(5);
    const store = new Store(20);
    for (const f of fs) store.push(f);
    const byId = new Map(SERIES_FIGURES.map((s) => [s.id, s]));
    const names = store.seriesNames();
    expect(names.length).toBeGreaterThan(50);
    const last = fs.at(-1)!;
    for (const name of names) {
      const [id, ...rest] = name.split('/');
      const fig = byId.get(id!);
      expect(fig, name).toBeDefined();
      const entity = rest.length ? rest.join('/') : null;
      let want: number | null = null;
      fig!.series(last, (e, v) => {
        if (e === entity) want = v ?? null;
      });
      const got = store.values(name, 1)[0]!;
      expect(Number.isNaN(got) ? null : got, name).toBe(want);
      expect(name).toBe(seriesKey(id!, entity));
    }
    for (const id of ['host.core.percent', 'container.pressure.cpu.some', 'disk.latency.p99']) expect(names.some((n) => n.startsWith(`${id}/`)), id).toBe(true);
  });

  it('the roll-ups of a recording are the catalogue figures that are not percentiles, labelled by scope', () => {
    const { sets } = frames(3);
    const figs = [...figuresOf(sets[1]!, sets[2]!)];
    expect(figs.length).toBeGreaterThan(50);
    const byId = new Map(ROLLUP_FIGURES.map((d) => [d.id, d]));
    for (const f of figs) {
      const d = byId.get(f.id);
      expect(d, f.id).toBeDefined();
      expect(d!.kind).not.toBe('histogram');
      for (const l of Object.keys(f.labels)) expect(SCOPE_LABELS[d!.scope], `${f.id} ${l}`).toContain(l);
    }
    for (const id of ['host.cpu.percent', 'host.memory.used', 'disk.write.bytes_per_sec', 'net.rx.bytes_per_sec', 'container.memory.used']) expect(figs.some((f) => f.id === id), id).toBe(true);
    expect(figs.some((f) => f.id === 'container.cpu_percent' && f.value > 40)).toBe(true); // the burner
  });

  it('label sets are frozen and shared by every tick that has them (the roll-ups know them by identity)', () => {
    const { sets } = frames(4);
    const a = [...figuresOf(sets[1]!, sets[2]!)];
    const b = [...figuresOf(sets[2]!, sets[3]!)];
    for (const f of a) expect(Object.isFrozen(f.labels), f.id).toBe(true);
    const key = (f: { id: string; labels: Record<string, string> }): string => `${f.id} ${JSON.stringify(f.labels)}`;
    const later = new Map(b.map((f) => [key(f), f.labels]));
    let shared = 0;
    for (const f of a) {
      const l = later.get(key(f));
      if (l === undefined) continue;
      expect(l, key(f)).toBe(f.labels);
      shared++;
    }
    expect(shared).toBeGreaterThan(50);
    // a container renamed: a new label set, with the new name
    const renamed = sets[3]!.containers!.containers.map((c, i) => (i === 0 ? { ...c, meta: { ...c.meta, name: 'renamed' } } : c));
    const c = [...figuresOf(sets[2]!, { ...sets[3]!, containers: { ...sets[3]!.containers!, containers: renamed } })];
    const id0 = sets[3]!.containers!.containers[0]!.meta.id.slice(0, 12);
    const mine = c.filter((f) => f.labels['id'] === id0);
    expect(mine.length).toBeGreaterThan(0);
    for (const f of mine) expect(f.labels['container']).toBe('renamed');
  });

  it('its PromQL names only families the exporter has; container labels are one list', () => {
    const names = new Set(FAMILIES.map((f) => f.name));
    for (const d of METRIC_IDS) {
      for (const m of d.promql('1m').matchAll(/\b(tailtop_[a-z0-9_]+?)(?:_bucket)?\b(?=[\[{ )]|$)/g)) expect(names.has(m[1]!), `${d.id}: ${m[1]}`).toBe(true);
    }
    expect([...CONTAINER_LABELS]).toEqual([...SCOPE_LABELS.container]);
    const ids = CATALOGUE.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
