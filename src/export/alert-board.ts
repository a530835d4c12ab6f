// The [[alert]] rules at work in a running process (the TUI, the agent): evaluated once per frame, the
// hook command run once per transition to firing and to resolved, and what the header, the alerts view and
// /metrics (`tailtop_alert_active`, `tailtop_alert_command_runs_total`) show. No timer of its own: the
// caller hands it each frame.
import type { AlertRule } from '../config/alerts.js';
import type { AlertExpr } from '../model/alert-expr.js';
import { frameLookup, type MetricLookup } from '../model/catalogue.js';
import type { Frame, LatencyWindow } from '../model/types.js';
import { AlertEvaluator, type AlertInstance, type AlertTransition } from './alerts.js';
import { AlertHooks, type HookOptions } from './alert-hook.js';
import type { ScalarSample } from './exposition.js';

/** What the UI reads (the alerts view and the header). */
export interface AlertReader {
  readonly rules: readonly AlertRule[];
  active(): AlertInstance[];
  firing(): AlertInstance[];
  history(): readonly AlertTransition[];
  /** Wall time (ms) of the last evaluation, null before the first. */
  readonly evaluatedAtMs: number | null;
}

export class AlertBoard implements AlertReader {
  private readonly evaluator: AlertEvaluator;
  private readonly hooks: AlertHooks;
  evaluatedAtMs: number | null = null;

  constructor(
    readonly rules: readonly AlertRule[],
    hookOptions: HookOptions = {},
  ) {
    this.evaluator = new AlertEvaluator(rules);
    this.hooks = new AlertHooks(rules, hookOptions);
  }

  /** Evaluate every rule over this frame (wall time: `for` durations, history and the hooks' times). */
  onFrame(frame: Frame, lookup: MetricLookup = frameLookup(frame)): AlertTransition[] {
    if (this.rules.length === 0) return [];
    const t = this.evaluator.evaluate(frame.wallMs, lookup);
    this.evaluatedAtMs = frame.wallMs;
    this.hooks.handle(t);
    return t;
  }

  active(): AlertInstance[] {
    return this.evaluator.active();
  }

  firing(): AlertInstance[] {
    return this.evaluator.firing();
  }

  history(): readonly AlertTransition[] {
    return this.evaluator.history();
  }

  /** `tailtop_alert_active` and `tailtop_alert_command_runs_total`. */
  samples(): { active: ScalarSample[]; commandRuns: ScalarSample[] } {
    return { active: this.evaluator.samples(), commandRuns: this.hooks.samples() };
  }

  /**
   * The latency windows over which rules read per-container latency (`container.io.*`, `container.runqueue.*`):
   * the sampler then computes those windows for every container, not only for the one on screen.
   */
  containerLatencyWindows(): LatencyWindow[] {
    const out = new Set<LatencyWindow>();
    for (const r of this.rules) if (ids(r.expr).some((id) => /^container\.(io|runqueue)\./.test(id))) out.add(r.window);
    return [...out];
  }

  /** Kill hook commands still running (on exit). */
  stop(): void {
    this.hooks.stop();
  }
}

function ids(e: AlertExpr): string[] {
  return e.kind === 'cmp' ? [e.id] : [...ids(e.left), ...ids(e.right)];
}
