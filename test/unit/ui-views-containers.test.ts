import { afterEach, describe, expect, test } from 'vitest';
import { ContainersView, NO_RUNTIME, createContainersView } from '../../src/ui/views/containers.js';
import { MONO_THEME, containersFrame, ctr, firstSample, frame, harness, latRow, latency } from './ui-views-fixtures.js';
import type { Harness } from './ui-views-fixtures.js';
import { Store } from '../../src/store/store.js';
import type { ContainerFrame } from '../../src/model/types.js';

const EVIL = '\x1b]0;pwned\x07evil\x1b[2J';

function fleet(): ContainerFrame[] {
  return [
    ctr('web', { cpuPercent: 20, memoryUsedBytes: 300 << 20, memoryLimitBytes: 1 << 30, memoryPercent: 29, composeProject: 'shop', composeService: 'frontend', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'frontend' } }),
    ctr('db', { image: 'postgres:16', cpuPercent: 55, memoryUsedBytes: 900 << 20, source: 'docker-stats' }),
    ctr('cache', { image: 'redis:7', cpuPercent: 5, memoryUsedBytes: 50 << 20 }),
    ctr('evil', { name: EVIL, image: 'busybox', cpuPercent: 1, memoryUsedBytes: 10 << 20 }),
  ];
}

let h: Harness | null = null;
afterEach(() => {
  h?.destroy();
  h = null;
});

function open(cols: number, rows: number, frames = 2, cs = fleet()): { h: Harness; v: ContainersView } {
  const v = createContainersView() as ContainersView;
  h = harness(v, cols, rows);
  for (let i = 0; i < frames; i++) h.store.push(frame(i, { containers: containersFrame(cs) }));
  return { h, v };
}

/** Names of the table rows in screen order (first cell of each line after the header). */
function names(lines: string[]): string[] {
  const at = lines.findIndex((l) => l.startsWith('NAME'));
  return lines
    .slice(at + 1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(/\s+/)[0]!);
}

describe('containers view', () => {
  test('80x24: readable header with the core columns, CPU note, sorted by CPU', () => {
    const { h } = open(80, 24);
    const lines = h.text();
    expect(lines[0]).toContain('Containers 4');
    expect(lines[0]).toContain('CPU%: 100 = one core');
    const header = lines[1]!;
    for (const t of ['NAME', 'IMAGE', 'STATE', 'CPU%', 'MEM/LIMIT', 'MEM%']) expect(header).toContain(t);
    expect(header).not.toContain('IO p99');
    expect(header).toContain('▼CPU%');
    expect(names(lines)).toEqual(['db', 'web', 'cache', 'evil']);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines.find((l) => l.startsWith('web'))).toContain('300M/1.0G');
  });

  test('160x50: all columns and a CPU sparkline', () => {
    const { h } = open(160, 50, 6);
    const lines = h.text();
    const header = lines[1]!;
    for (const t of ['NAME', 'SRC', 'IMAGE', 'STATE', 'CPU%', '%LIM', 'MEM/LIMIT', 'MEM%', 'NET RX', 'NET TX', 'BLK R', 'BLK W', 'PIDS', 'THR%', 'IO p99', 'RQ p99']) {
      expect(header).toContain(t);
    }
    expect(header.trimEnd().endsWith('CPU')).toBe(true);
    const web = lines.find((l) => l.startsWith('web'))!;
    expect(web).toMatch(/[▁▂▃▄▅▆▇█]{6}$/);
    // docker-stats figures are marked.
    expect(lines.find((l) => l.startsWith('db'))).toMatch(/^db\s+api\s/);
    expect(web).not.toContain('api');
  });

  test('s cycles the sort column, S reverses, the header shows the mark', () => {
    const { h, v } = open(80, 24);
    v.command('sortNext', h.ctx); // CPU% -> MEM/LIMIT (next visible sortable column)
    let lines = h.text();
    expect(lines[1]).toContain('▼MEM/LIMIT');
    expect(lines[0]).toContain('sort: MEM/LIMIT ▼');
    expect(names(lines)).toEqual(['db', 'web', 'cache', 'evil']);
    v.command('sortReverse', h.ctx);
    lines = h.text();
    expect(lines[1]).toContain('▲MEM/LIMIT');
    expect(names(lines)).toEqual(['evil', 'cache', 'web', 'db']);
    v.command('sortNext', h.ctx); // MEM% (web only has one; nulls last)
    v.command('sortNext', h.ctx); // NET RX
    v.command('sortNext', h.ctx); // NET TX
    v.command('sortNext', h.ctx); // back to NAME
    lines = h.text();
    expect(lines[1]).toMatch(/^NAME▲/);
    expect(names(lines)).toEqual(['cache', 'db', 'evil', 'web']);
  });

  test('filter: substring over name/image/compose labels, ~regex, invalid regex in the title', () => {
    const { h, v } = open(80, 24);
    const submit = (text: string): void => {
      const req = v.command('filter', h.ctx);
      expect(req?.kind).toBe('prompt');
      if (req?.kind === 'prompt') req.onSubmit(text);
    };
    submit('POSTGRES');
    let lines = h.text();
    expect(names(lines)).toEqual(['db']);
    expect(lines[0]).toContain('Containers 1/4');
    submit('frontend'); // compose service label
    expect(names(h.text())).toEqual(['web']);
    submit('~^(cache|db)$');
    expect(names(h.text())).toEqual(['db', 'cache']);
    submit('~[unclosed');
    lines = h.text();
    expect(lines[0]).toMatch(/filter: invalid regex/);
    expect(names(lines)).toHaveLength(4);
    submit('');
    expect(h.text()[0]).not.toContain('filter');
  });

  test('selection follows the container across refreshes and re-sorts; Enter opens it', () => {
    const { h, v } = open(80, 24);
    h.text();
    v.command('down', h.ctx);
    expect(v.model.selectedKey).toBe('web');
    v.command('sortReverse', h.ctx);
    expect(v.model.selectedKey).toBe('web');
    // Next frame: web becomes the busiest.
    h.store.push(frame(5, { containers: containersFrame(fleet().map((c) => (c.id === 'web' ? { ...c, cpuPercent: 99 } : c))) }));
    h.text();
    expect(v.model.selectedKey).toBe('web');
    expect(v.command('open', h.ctx)).toEqual({ kind: 'open', view: 'container', target: 'web' });
    v.command('pageDown', h.ctx);
    expect(v.model.selectedKey).toBe(v.model.rows[v.model.rows.length - 1]!.c.id);
    expect(v.command('window', h.ctx)).toBeNull();
    expect(v.command('back', h.ctx)).toBeNull();
  });

  test('the selected row is highlighted on screen', () => {
    const { h } = open(80, 24);
    h.text();
    const row = h.screen.lines[2]!; // first table row, selected by default
    const inverse = (attr: number): boolean => ((attr >> 18) & 8) !== 0;
    const bg = (attr: number): number => attr & 0x1ff;
    const first = row[0] as unknown as [number, string];
    const other = h.screen.lines[3]![0] as unknown as [number, string];
    expect(inverse(first[0]) || bg(first[0]) !== bg(other[0])).toBe(true);
  });

  test('"—" before the second frame', () => {
    const { h } = open(80, 24, 0);
    h.store.push(frame(0, { containers: containersFrame(fleet().map(firstSample)) }));
    const web = h.text().find((l) => l.startsWith('web'))!;
    expect(web).toMatch(/\s—\s+300M\/1\.0G/);
    expect(web).toContain('—');
    expect(web).not.toContain('0.0%');
  });

  test('a container name with escape sequences is drawn stripped and never reaches the terminal', () => {
    const { h } = open(80, 24);
    const lines = h.text();
    expect(names(lines)).toContain('evil');
    expect(lines.join('\n')).not.toContain('pwned');
    expect(h.written()).not.toContain('\x1b]0;');
    expect(h.written()).not.toContain('pwned');
  });

  test('no daemon, and reconnecting with greyed last known rows', () => {
    const { h } = open(80, 24, 0);
    h.store.push(frame(0, { containers: null }));
    let lines = h.text();
    expect(lines.join('\n')).toContain(NO_RUNTIME);
    h.store.push(frame(1, { containers: containersFrame([], { state: 'none' }) }));
    expect(h.text().join('\n')).toContain('no container runtime found');
    h.store.push(frame(2, { containers: containersFrame(fleet()) }));
    h.text();
    const fg = (row: number): number => ((h!.screen.lines[row]![0] as unknown as [number, string])[0] >> 9) & 0x1ff;
    const liveFg = fg(3);
    h.store.push(frame(3, { containers: containersFrame([], { state: 'reconnecting', attempt: 3 }) }));
    lines = h.text();
    expect(fg(3)).not.toBe(liveFg); // greyed
    expect(lines[0]).toContain('docker: reconnecting (attempt 3)');
    expect(names(lines)).toEqual(['db', 'web', 'cache', 'evil']);
  });

  test('io p99 is the model\'s (merged over the container\'s reads and writes), runq p99 too; "—" when absent or unattributable', () => {
    const v = createContainersView() as ContainersView;
    h = harness(v, 160, 50);
    const io = { count: 200, opsPerSec: 200, readBytes: 1, writeBytes: 1, p50Us: 100, p95Us: 900, p99Us: 2100, p999Us: 3000, maxUs: 3100, buckets: [] };
    const rq = { count: 10, p50Us: 5, p95Us: 20, p99Us: 80, p999Us: 90, maxUs: 100 };
    const lat = latency(true, {
      containers: {
        // the block rows' own p99 (1.5 ms) is not what the column shows: the merged summary's is
        web: { block: [latRow('sda', 'read', { p99Us: 1500 }), latRow('sda', 'write', { p99Us: 1500 })], blockReason: null, io, runqueue: rq },
        cache: { block: null, blockReason: 'cgroup v2 io controller not enabled for its cgroup', io: null, runqueue: rq },
      },
    });
    h.store.push(frame(0, { containers: containersFrame(fleet()), latency: lat }));
    const lines = h.text();
    expect(lines.find((l) => l.startsWith('web'))).toMatch(/2\.10ms\s+80µs/);
    expect(lines.find((l) => l.startsWith('cache'))).toMatch(/—\s+80µs/);
    expect(lines.find((l) => l.startsWith('db'))).toMatch(/—\s+—/);
  });

  test('mono theme renders the same text', () => {
    const v = createContainersView() as ContainersView;
    h = harness(v, 80, 24, new Store(), MONO_THEME);
    h.store.push(frame(0, { containers: containersFrame(fleet()) }));
    expect(names(h.text())).toEqual(['db', 'web', 'cache', 'evil']);
  });
});

