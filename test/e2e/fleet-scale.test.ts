// The fleet view at 500 hosts: a real Prometheus scrapes 500 synthetic agents (one target each, every family
// of docs/metrics.md, one container per host), one of them stopped. A round of the fleet's queries finishes
// well inside a refresh, and the TUI in tmux lists all 500, shows the stopped one as down, and answers keys
// (sort, filter, page) while it keeps refreshing. The times are printed; the bounds are generous (this is a
// functional check on a 2-core machine, not a benchmark).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, CLI as cli, REPO as root, requirement } from '../env.js';
import { hasTmux, sessionsKilledAfterEach, startTmux } from './tmux.js';
import { FakeFleet, syntheticHost } from '../fake-fleet.js';
import { requirePrometheus, startPrometheus, type Prometheus } from '../prometheus.js';
import { bucketScheme } from '../../src/export/buckets.js';
import { FleetSource, PromClient } from '../../src/fleet/source.js';

const skip = requirement('tmux', hasTmux(), 'tmux is not installed') ?? builtCli() ?? requirePrometheus();
const sessions = sessionsKilledAfterEach();
const HOSTS = 500;
const DOWN = 'host-137';

describe.skipIf(skip)('tailtop fleet at 500 hosts', () => {
  let fleet: FakeFleet;
  let prom: Prometheus;

  beforeAll(async () => {
    fleet = new FakeFleet(
      Array.from({ length: HOSTS }, (_, i) => syntheticHost(i, 1)),
      bucketScheme({ resolution: 1, minNs: 16_000, maxNs: 2 ** 30 }),
    );
    await fleet.start();
    fleet.setDown(DOWN, true);
    prom = await startPrometheus({ jobs: [fleet.job('fleet', '5s')] });
    await prom.waitFor('count(up)', (r) => Number(r[0]?.value[1] ?? 0) === HOSTS, 60_000);
    // Rates over the fleet's 30 s window need two scrapes of every target.
    await prom.waitFor('min(count_over_time(tailtop_cpus_online[30s]))', (r) => Number(r[0]?.value[1] ?? 0) >= 2, 60_000);
    const series = await prom.query('count({job="fleet"})');
    console.log(`fleet-scale: ${HOSTS} targets, ${series[0]?.value[1]} series in Prometheus`);
  }, 180_000);

  afterAll(async () => {
    await prom?.stop();
    await fleet?.stop();
  });

  it('a round of the fleet queries takes well under a refresh', { timeout: 120_000 }, async () => {
    const source = new FleetSource({ client: new PromClient(prom.url, 30_000), job: 'fleet', window: '30s', refreshMs: 60_000 });
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await source.round();
      times.push(Math.round(performance.now() - t0));
    }
    source.stop();
    console.log(`fleet-scale: query rounds ${times.join(', ')} ms`);
    expect(source.state.error).toBeNull();
    expect(source.state.hosts).toHaveLength(HOSTS);
    expect(source.state.hosts.filter((h) => !h.up).map((h) => h.instance)).toEqual([DOWN]);
    expect(source.state.hosts.filter((h) => h.cpuPercent != null).length).toBe(HOSTS - 1);
    expect(Math.max(...times)).toBeLessThan(10_000);
  });

  it('the TUI lists 500 hosts, one down, and answers keys while refreshing', { timeout: 120_000 }, async () => {
    const s = startTmux(`node ${cli} fleet --prometheus ${prom.url} --job fleet --refresh 2000 --window 30s`, {
      cols: 160, rows: 40, cwd: root, env: { TERM: 'tmux-256color', LANG: 'C.UTF-8' },
    });
    sessions.push(s);
    await s.waitFor(`hosts ${HOSTS} (1 down)`, 30_000);
    await s.waitFor(/host-001 .*\d+\.\d%/, 30_000);
    const timed = async (keys: string[], want: RegExp, literal = false): Promise<number> => {
      const t0 = Date.now();
      s.send(keys, { literal });
      await s.waitFor(want, 10_000);
      return Date.now() - t0;
    };
    const took = {
      sort: await timed(['s', 's', 's'], /▼CPU%/),
      reverse: await timed(['S'], /▲CPU%/),
      pageDown: await (async () => {
        const firstRow = (): string => s.capture().split('\n').find((l) => /^host-\d{3} /.test(l)) ?? '';
        const before = firstRow();
        const t0 = Date.now();
        s.send(['PageDown', 'PageDown', 'PageDown']);
        while (firstRow() === before) {
          if (Date.now() - t0 > 10_000) throw new Error('PageDown did not scroll the table');
          await new Promise((r) => setTimeout(r, 20));
        }
        return Date.now() - t0;
      })(),
      filter: await timed(['/'], /filter \(~ for regex\)/),
    };
    s.send(DOWN, { literal: true });
    took.filter += await timed(['Enter'], /Hosts 1\/500/);
    const pane = s.capture();
    expect(pane).toMatch(new RegExp(`${DOWN}\\s+—\\s+down`));
    console.log(`fleet-scale: key to screen ${JSON.stringify(took)} ms`);
    for (const ms of Object.values(took)) expect(ms).toBeLessThan(3000);
    s.send('q', { literal: true });
    expect(await s.waitExit(10_000)).toBe(0);
  });
});
