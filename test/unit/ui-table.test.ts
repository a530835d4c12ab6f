import { describe, expect, test } from 'vitest';
import { TableModel, compileFilter, tableCommand } from '../../src/ui/table.js';
import type { Column } from '../../src/ui/table.js';

interface R {
  id: string;
  name: string;
  cpu: number | null;
  mem: number;
}

const cols: Column<R>[] = [
  { id: 'name', title: 'NAME', width: 8, grow: true, maxWidth: 12, format: (r) => r.name, sortKey: (r) => r.name },
  { id: 'cpu', title: 'CPU', width: 5, align: 'right', descending: true, format: (r) => (r.cpu == null ? '—' : String(r.cpu)), sortKey: (r) => r.cpu },
  { id: 'mem', title: 'MEM', width: 5, align: 'right', descending: true, priority: 1, format: (r) => String(r.mem), sortKey: (r) => r.mem },
  { id: 'note', title: 'NOTE', width: 10, priority: 2, format: () => 'x' },
  { id: 'spark', title: 'SPARK', width: 4, grow: true, priority: 3, format: (_r, w) => '#'.repeat(w) },
];

const rows: R[] = [
  { id: 'a', name: 'alpha', cpu: 5, mem: 30 },
  { id: 'b', name: 'bravo', cpu: 50, mem: 10 },
  { id: 'c', name: 'charlie', cpu: null, mem: 20 },
  { id: 'd', name: 'delta', cpu: 20, mem: 40 },
];

function model(): TableModel<R> {
  const m = new TableModel<R>({ columns: cols, rowKey: (r) => r.id, searchText: (r) => [r.name], sortBy: 'cpu' });
  m.setRows(rows);
  return m;
}

const ids = (m: TableModel<R>): string => m.rows.map((r) => r.id).join('');

describe('TableModel', () => {
  test('sorts by the initial column, descending for numbers, nulls last', () => {
    const m = model();
    expect(ids(m)).toBe('bdac');
    m.sortReverse();
    expect(ids(m)).toBe('adbc'); // null stays last in both directions
  });

  test('sortNext cycles sortable columns with their default direction', () => {
    const m = model();
    m.sortNext();
    expect(m.sortColumn?.id).toBe('mem');
    expect(ids(m)).toBe('dacb');
    m.sortNext(); // note is not sortable, spark neither: back to name
    expect(m.sortColumn?.id).toBe('name');
    expect(m.sortDescending).toBe(false);
    expect(ids(m)).toBe('abcd');
  });

  test('sortNext only cycles columns shown at the last layout', () => {
    const m = model();
    m.layout(14); // name + cpu only
    m.sortNext();
    expect(m.sortColumn?.id).toBe('name');
  });

  test('header marks the sort column', () => {
    const m = model();
    const cols2 = m.layout(40);
    expect(m.headerText(cols2)).toContain('▼CPU');
    m.sortReverse();
    expect(m.headerText(m.layout(40))).toContain('▲CPU');
  });

  test('layout drops low-priority columns when narrow and grows the growers when wide', () => {
    const m = model();
    expect(m.layout(14).map((c) => c.column.id)).toEqual(['name', 'cpu']);
    expect(m.layout(20).map((c) => c.column.id)).toEqual(['name', 'cpu', 'mem']);
    const wide = m.layout(60);
    expect(wide.map((c) => c.column.id)).toEqual(['name', 'cpu', 'mem', 'note', 'spark']);
    expect(wide.find((c) => c.column.id === 'name')!.width).toBe(12);
    const total = wide.reduce((s, c) => s + c.width, 0) + wide.length - 1;
    expect(total).toBe(60);
    const text = m.renderText(60, 5);
    expect(text[1]!.length).toBe(60);
    expect(text[1]).toMatch(/#+$/);
  });

  test('filter: substring (case-insensitive), ~regex, invalid regex', () => {
    const m = model();
    expect(m.setFilter('AL')).toBeNull();
    expect(ids(m)).toBe('a');
    m.setFilter('~^(b|d)');
    expect(ids(m)).toBe('bd');
    const err = m.setFilter('~(');
    expect(err).toMatch(/invalid regex/);
    expect(m.filterError).toMatch(/invalid regex/);
    expect(ids(m)).toBe('bdac'); // an invalid filter filters nothing
    m.setFilter('');
    expect(m.filterError).toBeNull();
    expect(compileFilter('  ').test).toBeNull();
  });

  test('selection follows the row key across re-sorts and refreshes', () => {
    const m = model();
    m.move(1);
    expect(m.selectedKey).toBe('d');
    m.sortReverse();
    expect(m.selectedKey).toBe('d');
    expect(m.selected()?.name).toBe('delta');
    m.setRows(rows.map((r) => (r.id === 'd' ? { ...r, cpu: 99 } : r)));
    expect(m.selectedKey).toBe('d');
    expect(m.selectedIndex).toBe(m.rows.findIndex((r) => r.id === 'd'));
  });

  test('selection stays at the same position when its row goes away', () => {
    const m = model();
    m.move(1); // d at index 1
    m.setRows(rows.filter((r) => r.id !== 'd'));
    expect(m.selectedIndex).toBe(1);
    expect(m.selectedKey).toBe('a');
    m.setRows([]);
    expect(m.selectedKey).toBeNull();
    expect(m.selected()).toBeUndefined();
  });

  test('paging and scrolling keep the selection in view', () => {
    const many: R[] = Array.from({ length: 50 }, (_, i) => ({ id: `r${String(i).padStart(2, '0')}`, name: `n${i}`, cpu: i, mem: i }));
    const m = new TableModel<R>({ columns: cols, rowKey: (r) => r.id, sortBy: 'name' });
    m.setRows(many);
    m.viewport(10);
    m.pageDown();
    expect(m.selectedIndex).toBe(9);
    m.pageDown();
    expect(m.selectedIndex).toBe(18);
    const vp = m.viewport(10);
    expect(vp.first).toBe(9);
    expect(vp.rows).toContain(m.selected());
    m.move(1000);
    expect(m.selectedIndex).toBe(49);
    expect(m.viewport(10).first).toBe(40);
    m.pageUp();
    expect(m.selectedIndex).toBe(40);
    m.move(-1000);
    expect(m.viewport(10).first).toBe(0);
  });

  test('tableCommand maps commands and leaves others alone', () => {
    const m = model();
    let redraws = 0;
    expect(tableCommand(m, 'down', () => redraws++)).toEqual({ kind: 'none' });
    expect(m.selectedKey).toBe('d');
    expect(tableCommand(m, 'quit', () => redraws++)).toBeUndefined();
    const req = tableCommand(m, 'filter', () => redraws++);
    expect(req?.kind).toBe('prompt');
    if (req?.kind === 'prompt') req.onSubmit('bravo');
    expect(ids(m)).toBe('b');
    expect(redraws).toBe(2);
  });
});
