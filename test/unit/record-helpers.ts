// Shared by the recording tests: synthetic samples, a figures function standing in for the metric
// catalogue, temporary store directories, and exact structural comparison.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { SampleSet } from '../../src/model/sample-set.js';
import type { FigureValue } from '../../src/record/rollup.js';
// @ts-expect-error a plain ES module shared with the benchmark
import { sampleGenerator as gen } from '../../bench/sample-sets.mjs';

export interface GeneratorOptions {
  seed?: number;
  containers?: number;
  processes?: number;
  ebpf?: boolean;
  startWallMs?: number;
  intervalMs?: number;
}

export function sampleGenerator(o: GeneratorOptions = {}): { next(): SampleSet } {
  return gen(o) as { next(): SampleSet };
}

export function samples(n: number, o: GeneratorOptions = {}): SampleSet[] {
  const g = sampleGenerator(o);
  return Array.from({ length: n }, () => g.next());
}

/** A few figures the way the catalogue will give them: gauges, and rates from (prev, set). */
export function figuresOf(prev: SampleSet | null, set: SampleSet): FigureValue[] {
  const out: FigureValue[] = [{ id: 'host.load1', value: set.host.loadavg?.one ?? null }];
  const dt = prev ? (set.atMs - prev.atMs) / 1000 : null;
  const cs = set.host.stat?.contextSwitches;
  const pcs = prev?.host.stat?.contextSwitches;
  out.push({ id: 'host.ctxsw_rate', value: dt && cs != null && pcs != null ? (cs - pcs) / dt : null });
  for (const c of set.containers?.containers ?? []) {
    const p = prev?.containers?.containers.find((x) => x.meta.id === c.meta.id);
    const now = c.counters?.cpuUsageNs;
    const before = p?.counters?.cpuUsageNs;
    out.push({
      id: 'container.cpu_percent',
      labels: { id: c.meta.id.slice(0, 12), name: c.meta.name },
      value: dt && now != null && before != null ? ((now - before) / 1e9 / dt) * 100 : null,
    });
  }
  return out;
}

/** Records `sets` into a new store in `dir` through the real writer (with the catalogue's figures by default). */
export async function recordSets(dir: string, sets: SampleSet[], figures: ((prev: SampleSet | null, set: SampleSet) => Iterable<FigureValue>) | null = null): Promise<void> {
  const { StoreWriter } = await import('../../src/record/writer.js');
  const { figuresOf: catalogue } = await import('../../src/model/catalogue.js');
  const w = StoreWriter.open({ dir, tailtopVersion: 't', identity: { hostname: 'testhost', machineId: 'm-1', bootId: 'b-1' }, figuresOf: figures ?? catalogue });
  for (const s of sets) {
    w.append(s);
    await w.idle();
  }
  await w.close();
}

/** A temporary directory per test, removed after it. */
export function tempDirs(): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), 'tailtop-store-'));
    made.push(d);
    return d;
  };
}

/** Exact structural equality (Object.is on leaves, own keys in order): the path of the first difference, or null. */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${path}: ${String(a)} vs ${String(b)}`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return `${path}: keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`;
  for (const k of ka) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}
