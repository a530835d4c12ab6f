// Alert expressions: `container.cpu_percent > 90`, `disk.write.p99 > 20ms`, joined with `and` / `or` and
// parentheses (`and` binds tighter, as in PromQL). Parsed once when the config is read; evaluated over a
// MetricLookup (pure: no clock, no I/O); and translated to the equivalent PromQL over docs/metrics.md.
//
// Set semantics follow PromQL so that both evaluations name the same instances:
// - a comparison keeps the values of its figure that satisfy it, with their labels;
// - `a and b` keeps a's values that have a match in b: the same labels when both are of one scope (two
//   container figures match per container), any value of the host when one side is a host figure
//   (PromQL `and on(instance, job)`); a disk figure and a container figure share no labels: refused;
// - `a or b` keeps a's values and those of b whose labels a does not have.
import { metricDef, METRIC_IDS, type MetricLookup, type MetricValue, type Scope } from './catalogue.js';
import { formatQuantity, parseQuantity } from './units.js';
import type { LatencyWindow } from './types.js';

export type CmpOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

export type AlertExpr =
  | { kind: 'cmp'; id: string; op: CmpOp; threshold: number; text: string }
  | { kind: 'and' | 'or'; left: AlertExpr; right: AlertExpr };

export class ExprError extends Error {
  override name = 'ExprError';
}

type Token = { t: 'id' | 'op' | 'num' | 'kw' | '(' | ')'; v: string; at: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\()|(\))|(>=|<=|==|!=|>|<)|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?[a-zA-Zµ%]*(?:\/s)?)|([a-zA-Z_][a-zA-Z0-9_.]*))/y;
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(src);
    const lead = (src.slice(i).length - src.slice(i).trimStart().length);
    if (!m) throw new ExprError(`unexpected '${src.slice(i).trim()[0]}' at column ${i + lead + 1}`);
    const at = i + lead;
    if (m[1]) out.push({ t: '(', v: '(', at });
    else if (m[2]) out.push({ t: ')', v: ')', at });
    else if (m[3]) out.push({ t: 'op', v: m[3], at });
    else if (m[4]) out.push({ t: 'num', v: m[4], at });
    else if (m[5] === 'and' || m[5] === 'or') out.push({ t: 'kw', v: m[5], at });
    else out.push({ t: 'id', v: m[5]!, at });
    i = re.lastIndex;
  }
  return out;
}

function closest(id: string): string | null {
  const prefixed = METRIC_IDS.filter((d) => d.id.startsWith(id)).sort((a, b) => a.id.length - b.id.length);
  if (prefixed.length > 0) return prefixed[0]!.id;
  let best: string | null = null;
  let bestD = Infinity;
  for (const d of METRIC_IDS) {
    const dist = editDistance(id, d.id);
    if (dist < bestD) [best, bestD] = [d.id, dist];
  }
  return bestD <= Math.max(3, id.length / 3) ? best : null;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Parse an expression; ExprError says what is wrong and where. */
export function parseExpr(src: string): AlertExpr {
  const toks = tokenize(src);
  let k = 0;
  const peek = (): Token | undefined => toks[k];
  const col = (t: Token | undefined): string => (t ? `column ${t.at + 1}` : 'the end');
  const primary = (): AlertExpr => {
    const t = peek();
    if (t?.t === '(') {
      k++;
      const e = orExpr();
      if (peek()?.t !== ')') throw new ExprError(`expected ')' at ${col(peek())}`);
      k++;
      return e;
    }
    if (t?.t !== 'id') throw new ExprError(`expected a figure such as container.cpu_percent at ${col(t)}`);
    k++;
    const def = metricDef(t.v);
    if (!def) {
      const near = closest(t.v);
      throw new ExprError(`unknown figure '${t.v}'${near ? ` (did you mean ${near}?)` : ''}; the figures are listed in docs/metrics.md`);
    }
    const op = peek();
    if (op?.t !== 'op') throw new ExprError(`expected a comparison (>, >=, <, <=, ==, !=) after ${t.v} at ${col(op)}`);
    k++;
    const n = peek();
    if (n?.t !== 'num') throw new ExprError(`expected a threshold after '${t.v} ${op.v}' at ${col(n)}`);
    k++;
    const q = parseQuantity(n.v, def.unit);
    if ('error' in q) throw new ExprError(`${t.v}: ${q.error}`);
    return { kind: 'cmp', id: t.v, op: op.v as CmpOp, threshold: q.value, text: `${t.v} ${op.v} ${n.v}` };
  };
  const andExpr = (): AlertExpr => {
    let e = primary();
    while (peek()?.t === 'kw' && peek()!.v === 'and') {
      k++;
      e = { kind: 'and', left: e, right: primary() };
    }
    return e;
  };
  const orExpr = (): AlertExpr => {
    let e = andExpr();
    while (peek()?.t === 'kw' && peek()!.v === 'or') {
      k++;
      e = { kind: 'or', left: e, right: andExpr() };
    }
    return e;
  };
  if (toks.length === 0) throw new ExprError('empty expression');
  const e = orExpr();
  if (k < toks.length) throw new ExprError(`unexpected '${toks[k]!.v}' at ${col(toks[k])}`);
  scopeOf(e);
  return e;
}

/** The scope of an expression's values ('mixed' after `or` of two scopes); throws for joins without labels. */
export function scopeOf(e: AlertExpr): Scope | 'mixed' {
  if (e.kind === 'cmp') return metricDef(e.id)!.scope;
  const l = scopeOf(e.left);
  const r = scopeOf(e.right);
  if (e.kind === 'or') return l === r ? l : 'mixed';
  if (l !== r && l !== 'host' && r !== 'host') {
    throw new ExprError(`'and' cannot join ${describe(l)} with ${describe(r)}: they share no labels (join either with a host.* figure, or two of one kind)`);
  }
  return l;
}

function describe(s: Scope | 'mixed'): string {
  return s === 'mixed' ? 'an or of several kinds' : `${s}.* figures`;
}

const CMP: Record<CmpOp, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

export function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

/** The values for which the expression holds now. */
export function evaluateExpr(e: AlertExpr, lookup: MetricLookup, window: LatencyWindow): MetricValue[] {
  if (e.kind === 'cmp') return lookup(e.id, window).filter((v) => CMP[e.op](v.value, e.threshold));
  const left = evaluateExpr(e.left, lookup, window);
  const right = evaluateExpr(e.right, lookup, window);
  if (e.kind === 'and') {
    const hostJoin = scopeOf(e.left) === 'host' || scopeOf(e.right) === 'host';
    if (hostJoin) return right.length > 0 ? left : [];
    const keys = new Set(right.map((v) => labelKey(v.labels)));
    return left.filter((v) => keys.has(labelKey(v.labels)));
  }
  const keys = new Set(left.map((v) => labelKey(v.labels)));
  return [...left, ...right.filter((v) => !keys.has(labelKey(v.labels)))];
}

/** PromQL for the expression over docs/metrics.md, `w` the range for rates and percentiles ("1m"). */
export function exprToPromQL(e: AlertExpr, w: string): string {
  if (e.kind === 'cmp') return `(${metricDef(e.id)!.promql(w)}) ${e.op} ${promNumber(e.threshold)}`;
  const l = exprToPromQL(e.left, w);
  const r = exprToPromQL(e.right, w);
  if (e.kind === 'or') return `(${l}) or (${r})`;
  const hostJoin = scopeOf(e.left) === 'host' || scopeOf(e.right) === 'host';
  return `(${l}) and${hostJoin ? ' on (instance, job)' : ''} (${r})`;
}

function promNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15)));
}

/** The expression written back with readable units (for the alerts view and hook variables). */
export function exprText(e: AlertExpr): string {
  if (e.kind === 'cmp') return `${e.id} ${e.op} ${formatQuantity(e.threshold, metricDef(e.id)!.unit)}`;
  const wrap = (x: AlertExpr): string => (x.kind === 'or' && e.kind === 'and' ? `(${exprText(x)})` : exprText(x));
  return `${wrap(e.left)} ${e.kind} ${wrap(e.right)}`;
}
