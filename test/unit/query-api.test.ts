// GET /api/v1/range: the query-range document over the store a recording process writes, with the same
// times as the command line, and one-line errors for bad input (400), nothing recorded (404), no store (503).
import { describe, expect, it } from 'vitest';
import { rangeHandler, API_MAX_STEPS } from '../../src/query/api.js';
import { queryRange } from '../../src/query/range.js';
import { StoreReader } from '../../src/record/reader.js';
import type { Request } from '../../src/export/server.js';
import { recordSets, samples, tempDirs } from './record-helpers.js';

const tmp = tempDirs();
const START = Date.UTC(2026, 0, 1, 10, 0, 0);
const req = (q: string): Request => ({ method: 'GET', path: '/api/v1/range', params: {}, query: new URLSearchParams(q), headers: {} });
const body = (r: { body: string | Buffer }) => JSON.parse(String(r.body)) as Record<string, unknown>;

describe('GET /api/v1/range', () => {
  it('answers the document `snapshot --from --to` prints, for ISO and epoch times, with a series per step', async () => {
    const dir = tmp();
    await recordSets(dir, samples(300, { seed: 5, containers: 3, processes: 5, startWallMs: START + 500 }));
    const h = rangeHandler({ dir, version: 't', nowMs: () => START + 3_600_000 });
    const from = START + 60_000;
    const to = START + 200_000;
    const r = h(req(`from=${new Date(from).toISOString()}&to=${to / 1000}`));
    expect(r.status ?? 200).toBe(200);
    const reader = StoreReader.open(dir);
    const want = JSON.parse(JSON.stringify(queryRange(reader, from, to, { version: 't', showAllDisks: false, stepMs: null }).document));
    reader.close();
    expect(body(r)).toEqual(want);
    const s = body(h(req(`from=${from / 1000}&to=${to / 1000}&step=1m`)));
    expect((s.series as { steps: unknown[] }).steps.length).toBe(3);
  });

  it('bad input is a 400 naming the parameter; nothing recorded a 404; no store a 503; all one line', async () => {
    const dir = tmp();
    await recordSets(dir, samples(30, { seed: 6, containers: 1, startWallMs: START }));
    const h = rangeHandler({ dir, version: 't', nowMs: () => START + 3_600_000 });
    const bad = h(req('from=yesterday\u001b[2J'));
    expect(bad.status).toBe(400);
    expect(String(body(bad).error)).toMatch(/^from: ".*" is not a time/);
    expect(String(body(bad).error)).not.toMatch(/[\u0000-\u001f]/);
    expect(h(req('from=-2d')).status).toBe(400); // longer than 24 h
    expect(h(req(`from=-1h&step=1s`)).status).toBe(400); // 3600 steps > API_MAX_STEPS
    expect(API_MAX_STEPS).toBeLessThan(3600);
    expect(h(req('from=-1m&to=-2m')).status).toBe(400);
    const none = h(req(`from=${(START + 7_200_000) / 1000}&to=${(START + 7_300_000) / 1000}`));
    expect(none.status).toBe(404);
    expect(String(body(none).error)).toMatch(/nothing recorded/);
    const gone = rangeHandler({ dir: `${dir}/nope`, version: 't' })(req('from=-1h'));
    expect(gone.status).toBe(503);
    expect(String(body(gone).error)).toContain('nope');
  });
});
