// The fleet TUI rendered into an in-memory terminal: the header's counts and data age, the host table with
// down hosts and unknown figures as "—", hostile label text drawn harmless, keys (sort, filter, Enter/Esc,
// +/-, help, quit) from the fleet's key table.
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleetTui, type FleetTui } from '../../src/fleet/tui.js';
import type { FleetState } from '../../src/fleet/source.js';
import type { HostRow } from '../../src/fleet/query.js';
import { bindings, fleetBindings } from '../../src/ui/keys.js';
import { defaultTheme } from '../../src/config/themes.js';

const NOW = 1_700_000_000_000;
const host = (i: number, over: Partial<HostRow> = {}): HostRow => ({
  instance: `host-${i}`, hostname: `node${i}`, up: true, lastScrapeSec: NOW / 1000 - 3, cpuPercent: 10 * i, memPercent: 50, memTotalBytes: 2 ** 34,
  load1: 1.5, cpus: 4, diskP99Sec: 0.004, diskWhere: 'sda write', ctrP99Sec: 0.012, ctrWhere: 'web', containers: 2, alerts: 0, ...over,
});

const open: FleetTui[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.destroy();
});

function start(state: FleetState) {
  const output = new Writable({ write: (_c, _e, cb) => cb() });
  const input = new PassThrough();
  const calls = { open: [] as (string | null)[], refresh: [] as number[], quit: 0 };
  const tui = createFleetTui({
    state: () => state, prometheus: 'http://prom:9090', job: 'tailtop', theme: defaultTheme(), bindings: fleetBindings(bindings()), refreshMs: 5000,
    now: () => NOW, input, output, terminal: 'xterm-256color', cols: 150, rows: 16,
    onOpen: (i) => calls.open.push(i), onRefreshChange: (ms) => calls.refresh.push(ms), onQuit: () => calls.quit++,
  });
  open.push(tui);
  const press = async (k: string): Promise<void> => {
    input.write(k);
    await new Promise((r) => setTimeout(r, 5));
  };
  return { tui, calls, press, screen: () => tui.screenshot() };
}

describe('fleet TUI', () => {
  const state: FleetState = {
    hosts: [host(1), host(3, { up: false, hostname: null, cpuPercent: null, memPercent: null, diskP99Sec: null, diskWhere: null, ctrP99Sec: null, ctrWhere: null, containers: null }), host(2, { alerts: 2, hostname: 'x\x1b[2J\x1b]0;pwn\x07y{bold}' })],
    fetchedAtMs: NOW - 1000, newestScrapeSec: NOW / 1000 - 3, error: null, detail: null,
  };

  it('draws the header, the hosts and unknown figures as —, with hostile text harmless', () => {
    const { screen } = start(state);
    const s = screen();
    expect(s).toContain('tailtop fleet  http://prom:9090  job tailtop  hosts 3 (1 down)  data 3s old  refresh 5s');
    expect(s).toMatch(/host-3\s+—\s+down\s+—\s+—/);
    expect(s).toMatch(/host-1\s+node1\s+up\s+10\.0%\s+50%\s+16\.0G\s+1\.50\s+4\s+4\.00ms sda write\s+12\.0ms web\s+2\s+3s/);
    const line2 = s.split('\n').find((l) => l.startsWith('host-2'))!;
    expect(line2).toContain('xy(bold)');
    expect(line2).toMatch(/\s2\s+3s$/);
    expect(s).not.toContain('\x1b');
  });

  it('sorts, filters, opens a host and goes back, changes the refresh, shows help, quits', async () => {
    const { screen, press, calls } = start(state);
    await press('sss');
    expect(screen()).toMatch(/▼CPU%/);
    const order = screen().split('\n').filter((l) => /^host-\d/.test(l)).map((l) => l.slice(0, 6));
    expect(order).toEqual(['host-2', 'host-1', 'host-3']);
    await press('/');
    expect(screen()).toContain('filter (~ for regex): █');
    await press('node1\r');
    expect(screen()).toContain('Hosts 1/3');
    await press('\r');
    expect(calls.open).toEqual(['host-1']);
    expect(screen()).toContain('Containers of host-1 (node1) 0');
    expect(screen()).toContain('asking Prometheus…');
    await press('\x1b');
    await new Promise((r) => setTimeout(r, 60));
    expect(calls.open).toEqual(['host-1', null]);
    expect(screen()).toContain('Hosts 1/3');
    await press('+');
    await press('-');
    await press('-');
    expect(calls.refresh).toEqual([2000, 5000, 10_000]);
    await press('?');
    expect(screen()).toContain("Open the selected host's containers");
    expect(screen()).not.toContain('Cycle the percentile window');
    await press('q');
    expect(calls.quit).toBe(1);
  });

  it('says when Prometheus fails and how stale the rows are', () => {
    const { screen } = start({ ...state, error: 'http://prom:9090: connection refused (is Prometheus running?)', fetchedAtMs: NOW - 42_000 });
    expect(screen()).toContain('stale: fetched 42s ago');
    expect(screen()).toContain('http://prom:9090: connection refused (is Prometheus running?)');
  });
});
