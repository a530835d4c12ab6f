// Container metadata (name, image, labels, limits, state...) is stored as it changes, not every tick: the
// writer replaces each container's `meta` in the recorded sample with `{ id, ref }`, `ref` naming a row of
// `container_meta` written the first time that exact metadata is seen in a session; the reader puts the
// metadata back. Everything else in a sample is recorded as the sources returned it.
import type { ContainerMeta, ContainerSample } from '../model/types.js';
import type { SampleSet } from '../model/sample-set.js';

export interface MetaRef {
  id: string;
  ref: number;
}

export interface NewMeta {
  ref: number;
  id: string;
  meta: ContainerMeta;
}

interface Known {
  meta: ContainerMeta;
  json: string;
  ref: number;
}

/** The writer's side: which metadata this session has stored, and the next ref to use. */
export class MetaTracker {
  private readonly known = new Map<string, Known>();
  /** Each container's last row as stored, and the row it was made from: the same stored row for the same
   * row (a source gives an unchanged container's row again), so that the codec skips it by identity. */
  private readonly lastRows = new Map<string, { from: ContainerSample; ref: number; row: ContainerSample }>();

  constructor(private nextRef: number) {}

  /** The sample as stored, and the metadata rows it needs that are not stored yet (commit them after). */
  strip(set: SampleSet): { stored: unknown; added: NewMeta[] } {
    const cs = set.containers;
    if (!cs) return { stored: set, added: [] };
    const added: NewMeta[] = [];
    let ref = this.nextRef;
    const pending = new Map<string, number>();
    // A loop, not a closure per call (V8 compiles such a closure again after every full GC).
    const rows: ContainerSample[] = [];
    for (const c of cs.containers) {
      const m = c.meta;
      const k = this.known.get(m.id);
      let r: number;
      if (k && (k.meta === m || k.json === JSON.stringify(m))) {
        r = k.ref;
      } else {
        const again = pending.get(m.id);
        if (again !== undefined && JSON.stringify(added.find((a) => a.ref === again)!.meta) === JSON.stringify(m)) r = again;
        else {
          r = ref++;
          added.push({ ref: r, id: m.id, meta: m });
          pending.set(m.id, r);
        }
      }
      const last = this.lastRows.get(m.id);
      if (last !== undefined && last.from === c && last.ref === r) {
        rows.push(last.row);
        continue;
      }
      const meta: MetaRef = { id: m.id, ref: r };
      const row = { ...c, meta } as unknown as ContainerSample;
      this.lastRows.set(m.id, { from: c, ref: r, row });
      rows.push(row);
    }
    if (this.lastRows.size > rows.length) {
      const ids = new Set(cs.containers.map((c) => c.meta.id));
      for (const id of [...this.lastRows.keys()]) if (!ids.has(id)) this.lastRows.delete(id);
    }
    return { stored: { ...set, containers: { ...cs, containers: rows } }, added };
  }

  commit(added: readonly NewMeta[]): void {
    for (const a of added) {
      this.known.set(a.id, { meta: a.meta, json: JSON.stringify(a.meta), ref: a.ref });
      if (a.ref >= this.nextRef) this.nextRef = a.ref + 1;
    }
  }

  /** Metadata rows were not stored after all (the write failed): their refs are not reused. */
  skip(added: readonly NewMeta[]): void {
    for (const a of added) if (a.ref >= this.nextRef) this.nextRef = a.ref + 1;
  }
}

function isRef(v: unknown): v is MetaRef {
  return typeof v === 'object' && v !== null && typeof (v as MetaRef).ref === 'number' && typeof (v as MetaRef).id === 'string';
}

/** The reader's side: the recorded value with each `{ id, ref }` replaced by its metadata. */
export function joinMeta(stored: unknown, lookup: (ref: number) => ContainerMeta): SampleSet {
  const set = stored as SampleSet;
  const cs = set.containers;
  if (!cs) return set;
  const rows = cs.containers.map((c) => (isRef(c.meta) ? Object.freeze({ ...c, meta: lookup(c.meta.ref) }) : c));
  return Object.freeze({ ...set, containers: Object.freeze({ ...cs, containers: Object.freeze(rows) }) }) as SampleSet;
}
