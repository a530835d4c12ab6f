import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { goFloat, negotiate, sampleValue, writeExposition, type Family } from '../../src/export/exposition.js';
import { bucketScheme, DEFAULT_SCHEME, fold, seriesPerHistogram } from '../../src/export/buckets.js';
import { Histogram, bucketIndex, bucketUpper } from '../../src/model/histogram.js';
import { ContainerLimit } from '../../src/export/cardinality.js';
import { CumulativeHistograms } from '../../src/export/cumulative.js';
import { FAMILIES, histogramFamily, scalarFamily } from '../../src/export/families.js';
import { checkFamily } from '../../src/export/exposition.js';

describe('goFloat (Go strconv g -1, as OpenMetrics wants le rendered)', () => {
  it.each([
    [0.001, '0.001'], [0.0001, '0.0001'], [0.00001, '1e-05'], [1e-10, '1e-10'], [100000, '100000'], [1e6, '1e+06'],
    [1.023e-6, '1.023e-06'], [0.5, '0.5'], [10, '10'], [1.5, '1.5'], [123456.7, '123456.7'], [1234567.5, '1.2345675e+06'],
    [-0.25, '-0.25'], [Infinity, '+Inf'], [NaN, 'NaN'], [17.179869183, '17.179869183'],
  ])('%s -> %s', (v, s) => expect(goFloat(v)).toBe(s));

  it('round-trips every value', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => Object.is(Number(goFloat(v)), v) || (v === 0 && Number(goFloat(v)) === 0)));
  });
});

describe('negotiate', () => {
  it('picks OpenMetrics for what Prometheus 2.42 sends, text otherwise', () => {
    expect(negotiate('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe('openmetrics');
    expect(negotiate('text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5')).toBe('text');
    expect(negotiate('application/openmetrics-text; version=0.0.1')).toBe('text');
    expect(negotiate(undefined)).toBe('text');
    expect(negotiate('*/*')).toBe('text');
    expect(negotiate('application/openmetrics-text')).toBe('openmetrics');
  });
});

const fams: Family[] = [
  { name: 'x_requests_total', type: 'counter', help: 'Requests.\nSecond "line" \\', samples: [{ labels: { path: 'a"b\\c\nd', empty: '' }, value: 3 }] },
  { name: 'x_temp_bytes', type: 'gauge', unit: 'bytes', help: 'Bytes.', samples: [{ labels: {}, value: 1.5e-7 }] },
  { name: 'x_build_info', type: 'info', help: 'Build.', samples: [{ labels: { version: '1' }, value: 1 }] },
  { name: 'x_lat_seconds', type: 'histogram', unit: 'seconds', help: 'Latency.', bounds: [0.001, 0.01], samples: [{ labels: { d: 'sda' }, buckets: [1, 3], count: 4, sum: 0.5 }] },
];

describe('writeExposition', () => {
  it('writes the text format 0.0.4', () => {
    expect(writeExposition(fams, 'text')).toBe(
      [
        '# HELP x_requests_total Requests.\\nSecond "line" \\\\',
        '# TYPE x_requests_total counter',
        'x_requests_total{path="a\\"b\\\\c\\nd"} 3',
        '# HELP x_temp_bytes Bytes.',
        '# TYPE x_temp_bytes gauge',
        'x_temp_bytes 1.5e-07',
        '# HELP x_build_info Build.',
        '# TYPE x_build_info gauge',
        'x_build_info{version="1"} 1',
        '# HELP x_lat_seconds Latency.',
        '# TYPE x_lat_seconds histogram',
        'x_lat_seconds_bucket{d="sda",le="0.001"} 1',
        'x_lat_seconds_bucket{d="sda",le="0.01"} 3',
        'x_lat_seconds_bucket{d="sda",le="+Inf"} 4',
        'x_lat_seconds_count{d="sda"} 4',
        'x_lat_seconds_sum{d="sda"} 0.5',
        '',
      ].join('\n'),
    );
  });

  it('writes OpenMetrics 1.0 (family names without _total/_info, UNIT, info type, # EOF)', () => {
    const t = writeExposition(fams, 'openmetrics');
    expect(t).toContain('# TYPE x_requests counter\n# HELP x_requests Requests.\\nSecond \\"line\\" \\\\\nx_requests_total{');
    expect(t).toContain('# TYPE x_temp_bytes gauge\n# UNIT x_temp_bytes bytes\n');
    expect(t).toContain('# TYPE x_build info\n# HELP x_build Build.\nx_build_info{version="1"} 1\n');
    expect(t).toContain('# TYPE x_lat_seconds histogram\n# UNIT x_lat_seconds seconds\n');
    expect(t.endsWith('# EOF\n')).toBe(true);
  });

  it('refuses names Prometheus would refuse', () => {
    expect(() => checkFamily({ name: 'x_requests', type: 'counter', help: '', samples: [] })).toThrow(/_total/);
    expect(() => checkFamily({ name: 'x_lat', type: 'gauge', unit: 'seconds', help: '', samples: [] })).toThrow(/_seconds/);
    expect(() => checkFamily({ name: 'x-y', type: 'gauge', help: '', samples: [] })).toThrow(/not valid/);
    expect(() => checkFamily({ name: 'x', type: 'gauge', help: '', samples: [{ labels: { 'a-b': '1' }, value: 1 }] })).toThrow(/label/);
  });

  it('every family of the table is valid', () => {
    for (const f of FAMILIES) {
      if (f.type === 'histogram') checkFamily(histogramFamily(f.name, bucketScheme(), []));
      else checkFamily(scalarFamily(f.name, []));
    }
    expect(new Set(FAMILIES.map((f) => f.name)).size).toBe(FAMILIES.length);
  });

  it.each([['text'], ['openmetrics']] as const)('sample values: integers plain, specials spelled out (%s)', () => {
    expect([sampleValue(3), sampleValue(0.1), sampleValue(Infinity), sampleValue(-Infinity), sampleValue(NaN), sampleValue(2 ** 60)]).toEqual(['3', '0.1', '+Inf', '-Inf', 'NaN', '1152921504606847000']);
  });
});

describe('bucket scheme and fold', () => {
  it('default: 2 bounds per power of two from ~1 µs to ~17 s, each the largest value of an internal bucket', () => {
    const s = bucketScheme();
    expect(s.bounds[0]).toBeCloseTo(1.023e-6, 15);
    expect(s.bounds[1]).toBeCloseTo(1.535e-6, 15);
    expect(s.bounds.at(-1)).toBeCloseTo(17.179869183, 9);
    expect(s.indices.length).toBe(49);
    expect(seriesPerHistogram(s)).toBe(52);
    for (const i of s.indices) expect(bucketIndex(bucketUpper(i) - 1)).toBe(i);
    // never a whole number of seconds (same le text in both formats)
    for (const b of s.bounds) expect(goFloat(b)).toMatch(/[.e]/);
  });

  it.each([1, 2, 4, 8] as const)('resolution %i keeps that many bounds per power of two', (r) => {
    const s = bucketScheme({ resolution: r, minNs: 1024, maxNs: 2048 * 1024 - 1 });
    expect(s.indices.length).toBe(r * 11);
  });

  it('folds exactly: the count at each bound is the number of values <= the bound', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 36 }), { maxLength: 300 }), fc.constantFrom(1, 2, 4, 8), (values, r) => {
        const s = bucketScheme({ resolution: r as 1, minNs: 100, maxNs: 2 ** 35 });
        const f = fold(Histogram.of(values), s);
        s.bounds.forEach((b, k) => {
          const leNs = Math.round(b * 1e9);
          expect(f.buckets[k]).toBe(values.filter((v) => v <= leNs).length);
        });
        expect(f.count).toBe(values.length);
        const exact = values.reduce((a, v) => a + v, 0);
        expect(Math.abs(f.sum * 1e9 - exact)).toBeLessThanOrEqual(exact / 16 + 8 * values.length);
      }),
    );
  });

  it('uses the exact sum when given', () => {
    expect(fold(Histogram.of([1000, 2000]), bucketScheme(), 3000).sum).toBeCloseTo(3e-6, 15);
  });

  it('the default scheme is what the docs say', () => {
    expect(DEFAULT_SCHEME).toEqual({ resolution: 2, minNs: 1000, maxNs: 2 ** 34 });
  });
});

describe('cumulative histograms and the container limit', () => {
  it('adds intervals into running totals; exact sums survive until a part has none', () => {
    const c = new CumulativeHistograms();
    c.add('b', { d: 'b' }, Histogram.of([1000]), 1000);
    c.add('a', { d: 'a' }, Histogram.of([5]), 5);
    c.add('b', { d: 'b' }, Histogram.of([3000]), 3000);
    expect(c.get('b')!.hist.total).toBe(2);
    expect(c.get('b')!.sumNs).toBe(4000);
    c.add('b', { d: 'b' }, Histogram.of([1]));
    expect(c.get('b')!.sumNs).toBeNull();
    expect(c.entries().map((s) => s.labels['d'])).toEqual(['a', 'b']);
    c.retain((k) => k !== 'a');
    expect(c.size).toBe(1);
  });

  it('keeps its choice while containers live, fills free places, counts those left out', () => {
    const l = new ContainerLimit(2);
    expect([...l.select(['a', 'b', 'c'])]).toEqual(['a', 'b']);
    expect([l.excluded, l.excludedTotal]).toEqual([1, 1]);
    expect([...l.select(['c', 'a', 'b'])].sort()).toEqual(['a', 'b']);
    expect([l.excluded, l.excludedTotal]).toEqual([1, 1]);
    expect([...l.select(['c', 'b', 'd'])].sort()).toEqual(['b', 'c']);
    expect([l.excluded, l.excludedTotal]).toEqual([1, 2]);
  });
});
