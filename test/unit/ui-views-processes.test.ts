import { afterEach, describe, expect, test } from 'vitest';
import { ProcessesView, createProcessesView } from '../../src/ui/views/processes.js';
import { containersFrame, ctr, frame, harness, proc } from './ui-views-fixtures.js';
import type { Harness } from './ui-views-fixtures.js';

let h: Harness | null = null;
afterEach(() => {
  h?.destroy();
  h = null;
});

const procs = [
  proc(1, { user: 'root', command: '/sbin/init', cpuPercent: 0.5, rssBytes: 8 << 20 }),
  proc(200, { user: 'www', command: 'nginx: worker process', cpuPercent: 30, cpuUserPercent: 25, cpuSystemPercent: 5, rssBytes: 64 << 20, containerId: 'web', containerName: 'web', threads: 4 }),
  proc(300, { user: 'pg', command: 'postgres: checkpointer', cpuPercent: 12, rssBytes: 512 << 20, containerId: 'db', containerName: 'db' }),
  proc(400, { user: 'evil', command: 'sh -c \x1b]0;pwned\x07sleep\x1b[2J 1', cpuPercent: 2, rssBytes: 1 << 20 }),
];

function pids(lines: string[]): number[] {
  const at = lines.findIndex((l) => /^\s*▲?▼?PID/.test(l));
  return lines
    .slice(at + 1)
    .filter((l) => /^\s*\d+ /.test(l))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

function mount(cols: number, rows: number, containerId?: string): ProcessesView {
  const v = createProcessesView(containerId) as ProcessesView;
  h = harness(v, cols, rows);
  h.store.push(frame(0, { processes: procs, containers: containersFrame([ctr('web'), ctr('db')]) }));
  return v;
}

describe('processes view', () => {
  test('80x24: header and rows sorted by CPU', () => {
    mount(80, 24);
    const lines = h!.text();
    expect(lines[0]).toContain('Processes (host) 4');
    expect(lines[1]).toMatch(/PID\s+USER/);
    expect(lines[1]).toContain('▼CPU%');
    expect(lines[1]).toContain('COMMAND');
    expect(pids(lines)).toEqual([200, 300, 400, 1]);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
  });

  test('160x50: all columns including user/sys split, VMS, swap and container', () => {
    mount(160, 50);
    const header = h!.text()[1]!;
    for (const t of ['PID', 'USER', 'S', 'THR', 'CPU%', 'USR%', 'SYS%', 'RSS', 'VMS', 'SWAP', 'CONTAINER', 'COMMAND']) expect(header).toContain(t);
    const nginx = h!.text().find((l) => l.includes('nginx'))!;
    expect(nginx).toMatch(/200 www\s+S\s+4\s+30\.0%\s+25\.0%\s+5\.0%\s+64\.0M/);
    expect(nginx).toContain('web');
  });

  test('sort by RSS, reverse, and by pid; selection follows the pid', () => {
    const v = mount(80, 24);
    h!.text();
    v.command('down', h!.ctx);
    expect(v.model.selectedKey).toBe('300');
    // PID -> USER -> S -> THR -> CPU% cycle: find RSS by cycling.
    while (v.model.sortColumn?.id !== 'rss') v.command('sortNext', h!.ctx);
    expect(pids(h!.text())).toEqual([300, 200, 1, 400]);
    expect(v.model.selectedKey).toBe('300');
    v.command('sortReverse', h!.ctx);
    expect(pids(h!.text())).toEqual([400, 1, 200, 300]);
    while (v.model.sortColumn?.id !== 'pid') v.command('sortNext', h!.ctx);
    expect(pids(h!.text())).toEqual([1, 200, 300, 400]);
    expect(v.model.selectedKey).toBe('300');
  });

  test('filter by substring and regex; invalid regex reported in the title', () => {
    const v = mount(80, 24);
    const submit = (t: string): void => {
      const r = v.command('filter', h!.ctx);
      if (r?.kind === 'prompt') r.onSubmit(t);
    };
    submit('NGINX');
    expect(pids(h!.text())).toEqual([200]);
    submit('~^post');
    expect(pids(h!.text())).toEqual([300]);
    submit('~*');
    expect(h!.text()[0]).toContain('filter: invalid regex');
  });

  test('one container: only its processes, titled with its name', () => {
    mount(80, 24, 'db');
    const lines = h!.text();
    expect(lines[0]).toContain('Processes (container db) 1');
    expect(pids(lines)).toEqual([300]);
  });

  test('command lines are sanitised', () => {
    mount(160, 50);
    const lines = h!.text();
    const evil = lines.find((l) => /^\s*400 /.test(l))!;
    expect(evil).toContain('sh -c sleep 1');
    expect(h!.written()).not.toContain('pwned');
  });

  test('no data yet / no processes', () => {
    const v = createProcessesView() as ProcessesView;
    h = harness(v, 80, 24);
    expect(h.text().join('\n')).toContain('waiting for the first sample');
    h.store.push(frame(0));
    expect(h.text().join('\n')).toContain('no process data');
    expect(v.command('open', h.ctx)).toBeNull();
  });
});
