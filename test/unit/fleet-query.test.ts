// The fleet's pure query module: PromQL built with escaped label values, API answers parsed strictly, rows
// merged per instance with unknown figures as null (never 0).
import { describe, expect, it } from 'vitest';
import { ApiError, containerQueries, containerRows, hostQueries, hostRows, parseQueryResponse, promString, type Sample } from '../../src/fleet/query.js';
import { checkPrometheusUrl, UrlError } from '../../src/fleet/source.js';
import { age } from '../../src/fleet/tui.js';

const vec = (result: { metric: Record<string, string>; value: [number, string] }[]) => ({ status: 'success', data: { resultType: 'vector', result } });
const s = (labels: Record<string, string>, value: number): Sample => ({ labels, value });

describe('PromQL', () => {
  it('escapes label values that come from outside', () => {
    expect(promString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    const q = hostQueries('x"} or vector(1) #', '1m');
    expect(q.up).toBe('up{job="x\\"} or vector(1) #"}');
    expect(containerQueries('j', 'h"1', '30s').info).toBe('tailtop_container_info{job="j", instance="h\\"1"}');
  });

  it('asks for every column with the window', () => {
    const q = hostQueries('tailtop', '5m');
    expect(Object.keys(q).sort()).toEqual(['alerts', 'cpu', 'cpus', 'ctr', 'ctrs', 'disk', 'info', 'last', 'load', 'mem', 'memTotal', 'up']);
    expect(q.cpu).toContain('[5m]');
    expect(q.disk).toMatch(/^topk by \(instance\) \(1, histogram_quantile\(0\.99, .*tailtop_block_io_latency_seconds_bucket\{job="tailtop", op=~"read\|write"\}\[5m\]\)\)\) >= 0\)$/);
  });
});

describe('API answers', () => {
  it('reads vectors and scalars', () => {
    expect(parseQueryResponse(vec([{ metric: { instance: 'a' }, value: [1, '0.5'] }, { metric: { instance: 'b' }, value: [1, 'NaN'] }]))).toEqual([s({ instance: 'a' }, 0.5), s({ instance: 'b' }, NaN)]);
    expect(parseQueryResponse({ status: 'success', data: { resultType: 'scalar', result: [1, '3'] } })).toEqual([s({}, 3)]);
  });

  it.each([
    [{ status: 'error', errorType: 'bad_data', error: 'parse error at char 3' }, /parse error at char 3/],
    [{ hello: 1 }, /not a Prometheus API response/],
    [null, /not a Prometheus API response/],
    [{ status: 'success', data: { resultType: 'matrix', result: [] } }, /unexpected result type "matrix"/],
  ])('%j -> ApiError', (body, re) => {
    expect(() => parseQueryResponse(body)).toThrow(ApiError);
    expect(() => parseQueryResponse(body)).toThrow(re);
  });

  it('checks the base URL', () => {
    expect(checkPrometheusUrl('http://prom:9090/')).toBe('http://prom:9090');
    expect(checkPrometheusUrl('https://p.example/prometheus')).toBe('https://p.example/prometheus');
    expect(() => checkPrometheusUrl('prom:9090')).toThrow(UrlError);
    expect(() => checkPrometheusUrl('file:///etc/passwd')).toThrow(/only http/);
    expect(() => checkPrometheusUrl('http://p:9090/?x=1')).toThrow(/base URL/);
  });
});

describe('rows', () => {
  it('one row per instance with an up series; absent and NaN figures are null', () => {
    const rows = hostRows({
      up: [s({ instance: 'a', job: 'j' }, 1), s({ instance: 'b', job: 'j' }, 0)],
      last: [s({ instance: 'a' }, 1000), s({ instance: 'b' }, 990)],
      info: [s({ instance: 'a', hostname: 'alpha' }, 1)],
      cpu: [s({ instance: 'a' }, 42), s({ instance: 'b' }, NaN)],
      disk: [s({ instance: 'a', device: 'sda', op: 'write' }, 0.004)],
      ctr: [s({ instance: 'a', container: 'web' }, 0.01)],
      alerts: [s({ instance: 'a' }, 2)],
      cpus: [s({ instance: 'zz' }, 8)],
    });
    expect(rows).toEqual([
      { instance: 'a', hostname: 'alpha', up: true, lastScrapeSec: 1000, cpuPercent: 42, memPercent: null, memTotalBytes: null, load1: null, cpus: null, diskP99Sec: 0.004, diskWhere: 'sda write', ctrP99Sec: 0.01, ctrWhere: 'web', containers: null, alerts: 2 },
      { instance: 'b', hostname: null, up: false, lastScrapeSec: 990, cpuPercent: null, memPercent: null, memTotalBytes: null, load1: null, cpus: null, diskP99Sec: null, diskWhere: null, ctrP99Sec: null, ctrWhere: null, containers: null, alerts: 0 },
    ]);
  });

  it('containers by id from the info series', () => {
    const rows = containerRows({
      info: [s({ id: '1', container: 'web', image: 'nginx', runtime: 'docker' }, 1), s({ id: '1', container: 'dup' }, 1), s({ id: '2', container: 'db', image: 'pg', runtime: 'podman' }, 1)],
      cpu: [s({ id: '1' }, 12.5)],
      ioWrite: [s({ id: '2' }, 0.002)],
      memLimit: [s({ id: '2' }, Infinity)],
    });
    expect(rows.map((r) => [r.id, r.name, r.cpuPercent, r.ioWriteP99Sec, r.memLimitBytes])).toEqual([['1', 'web', 12.5, null, null], ['2', 'db', null, 0.002, null]]);
  });

  it('ages read well', () => {
    expect([age(null), age(3.4), age(119), age(600), age(7200 * 3)]).toEqual(['—', '3s', '119s', '10m', '6h']);
  });
});
