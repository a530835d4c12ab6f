// Alert evaluation: the [[alert]] rules over a MetricLookup, once per frame, with the frame's time. No timer of
// its own, no I/O: the caller (the agent or the TUI) calls `evaluate(nowMs, lookup)` after each sample and
// hands the transitions to the hook runner and the alerts view.
//
// Each rule has instances, one per label set its expression yields (one per container, per disk...). An
// instance is pending from the first evaluation its expression holds; firing once it has held for the rule's
// `for` (at once when `for` is 0); resolved at the first evaluation it no longer holds (a pending one simply
// goes away), as Prometheus does. Every transition is kept in a bounded history.
import type { AlertRule } from '../config/alerts.js';
import { evaluateExpr, exprText, labelKey } from '../model/alert-expr.js';
import type { MetricLookup } from '../model/catalogue.js';
import type { ScalarSample } from './exposition.js';

export type AlertState = 'pending' | 'firing';

export interface AlertInstance {
  rule: string;
  severity: string;
  /** The figure's labels and the rule's labels. */
  labels: Record<string, string>;
  state: AlertState;
  /** When the expression started to hold (ms, the caller's clock). */
  activeSinceMs: number;
  firedAtMs: number | null;
  /** The figure's value at the last evaluation (base units). */
  value: number;
}

export interface AlertTransition {
  atMs: number;
  rule: string;
  severity: string;
  labels: Record<string, string>;
  from: 'inactive' | AlertState;
  to: AlertState | 'resolved' | 'inactive';
  value: number;
  /** The rule's expression (readable units) and summary, for hooks and the view. */
  expr: string;
  summary: string | null;
}

export class AlertEvaluator {
  private readonly instances = new Map<string, Map<string, AlertInstance>>();
  private readonly past: AlertTransition[] = [];

  constructor(
    readonly rules: readonly AlertRule[],
    private readonly historySize = 500,
  ) {
    for (const r of rules) this.instances.set(r.name, new Map());
  }

  /** Evaluate every rule at `nowMs`; returns the transitions that happened (also added to the history). */
  evaluate(nowMs: number, lookup: MetricLookup): AlertTransition[] {
    const out: AlertTransition[] = [];
    for (const rule of this.rules) {
      const live = this.instances.get(rule.name)!;
      const seen = new Set<string>();
      const note = (inst: AlertInstance, from: AlertTransition['from'], to: AlertTransition['to']): void => {
        out.push({ atMs: nowMs, rule: rule.name, severity: rule.severity, labels: inst.labels, from, to, value: inst.value, expr: exprText(rule.expr), summary: rule.summary });
      };
      for (const v of evaluateExpr(rule.expr, lookup, rule.window)) {
        const labels = { ...v.labels, ...rule.labels };
        const key = labelKey(labels);
        if (seen.has(key)) continue;
        seen.add(key);
        let inst = live.get(key);
        if (!inst) {
          inst = { rule: rule.name, severity: rule.severity, labels, state: 'pending', activeSinceMs: nowMs, firedAtMs: null, value: v.value };
          live.set(key, inst);
          note(inst, 'inactive', 'pending');
        }
        inst.value = v.value;
        if (inst.state === 'pending' && nowMs - inst.activeSinceMs >= rule.forMs) {
          inst.state = 'firing';
          inst.firedAtMs = nowMs;
          note(inst, 'pending', 'firing');
        }
      }
      for (const [key, inst] of live) {
        if (seen.has(key)) continue;
        live.delete(key);
        note(inst, inst.state, inst.state === 'firing' ? 'resolved' : 'inactive');
      }
    }
    for (const t of out) this.past.push(t);
    if (this.past.length > this.historySize) this.past.splice(0, this.past.length - this.historySize);
    return out;
  }

  /** Pending and firing instances, firing first, then by rule and labels. */
  active(): AlertInstance[] {
    const all = [...this.instances.values()].flatMap((m) => [...m.values()]);
    return all.sort((a, b) => (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1) || a.rule.localeCompare(b.rule) || labelKey(a.labels).localeCompare(labelKey(b.labels)));
  }

  firing(): AlertInstance[] {
    return this.active().filter((a) => a.state === 'firing');
  }

  /** Transitions, oldest first (at most `historySize`). */
  history(): readonly AlertTransition[] {
    return this.past;
  }

  /** Samples of `tailtop_alert_active`: one per pending or firing instance. */
  samples(): ScalarSample[] {
    return this.active().map((a) => ({ labels: { alertname: a.rule, alertstate: a.state, severity: a.severity, ...a.labels }, value: 1 }));
  }
}
