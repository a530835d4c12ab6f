// Alert hook commands: a rule's `command` runs once when one of its instances fires and once when it resolves.
// The command is an argv array run without a shell; the alert's details (names, labels, values: untrusted
// text such as container names) travel only in environment variables, never in the command line:
//
//   TAILTOP_ALERT_NAME, TAILTOP_ALERT_STATE (firing | resolved), TAILTOP_ALERT_SEVERITY,
//   TAILTOP_ALERT_VALUE (base units), TAILTOP_ALERT_EXPR, TAILTOP_ALERT_SUMMARY, TAILTOP_ALERT_SINCE and
//   TAILTOP_ALERT_AT (ISO 8601), TAILTOP_ALERT_LABELS (JSON), TAILTOP_ALERT_LABEL_<NAME> per label,
//   TAILTOP_ALERT_HOST (this host's name).
//
// Rate-limited: at most `perRuleBurst` runs of one rule within `perRuleWindowMs` (default 6 a minute), at most
// `maxRunning` at once; a run over the limit is dropped and counted. A run that takes longer than `timeoutMs`
// is killed. Results are counted for `tailtop_alert_command_runs_total{alertname,result}`.
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { hostname } from 'node:os';
import type { AlertRule } from '../config/alerts.js';
import type { AlertTransition } from './alerts.js';
import type { ScalarSample } from './exposition.js';

export interface HookOptions {
  perRuleBurst?: number;
  perRuleWindowMs?: number;
  maxRunning?: number;
  timeoutMs?: number;
  /** For tests: the spawn function. */
  spawn?: (cmd: string, args: string[], opts: SpawnOptions) => ChildProcess;
  /** Called with one line when a run fails or is dropped (the caller logs or shows it). */
  onProblem?: (message: string) => void;
  host?: string;
}

export type HookResult = 'ok' | 'failed' | 'dropped';

/** The environment a hook gets for a transition (the parent's environment plus the alert's details). */
export function hookEnv(t: AlertTransition, sinceMs: number, host: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean = (s: string): string => s.replace(/\0/g, '');
  const env: NodeJS.ProcessEnv = {
    ...base,
    TAILTOP_ALERT_NAME: t.rule,
    TAILTOP_ALERT_STATE: t.to,
    TAILTOP_ALERT_SEVERITY: t.severity,
    TAILTOP_ALERT_VALUE: String(t.value),
    TAILTOP_ALERT_EXPR: clean(t.expr),
    TAILTOP_ALERT_SUMMARY: clean(t.summary ?? ''),
    TAILTOP_ALERT_SINCE: new Date(sinceMs).toISOString(),
    TAILTOP_ALERT_AT: new Date(t.atMs).toISOString(),
    TAILTOP_ALERT_LABELS: JSON.stringify(t.labels),
    TAILTOP_ALERT_HOST: clean(host),
  };
  for (const [k, v] of Object.entries(t.labels)) env[`TAILTOP_ALERT_LABEL_${k.toUpperCase()}`] = clean(v);
  return env;
}

export class AlertHooks {
  private readonly rules: Map<string, AlertRule>;
  private readonly recent = new Map<string, number[]>();
  private readonly counts = new Map<string, Record<HookResult, number>>();
  private readonly since = new Map<string, number>();
  private readonly running = new Set<ChildProcess>();
  private readonly o: Required<Omit<HookOptions, 'onProblem'>> & Pick<HookOptions, 'onProblem'>;

  constructor(rules: readonly AlertRule[], opts: HookOptions = {}) {
    this.rules = new Map(rules.map((r) => [r.name, r]));
    this.o = {
      perRuleBurst: opts.perRuleBurst ?? 6,
      perRuleWindowMs: opts.perRuleWindowMs ?? 60_000,
      maxRunning: opts.maxRunning ?? 4,
      timeoutMs: opts.timeoutMs ?? 30_000,
      spawn: opts.spawn ?? nodeSpawn,
      onProblem: opts.onProblem,
      host: opts.host ?? hostname(),
    };
  }

  /** Run the commands for these transitions (firing and resolved only). Returns at once. */
  handle(transitions: readonly AlertTransition[]): void {
    for (const t of transitions) {
      const key = `${t.rule}\u0000${JSON.stringify(t.labels)}`;
      if (t.to === 'pending') this.since.set(key, t.atMs);
      if (t.to !== 'firing' && t.to !== 'resolved') {
        if (t.to === 'inactive') this.since.delete(key);
        continue;
      }
      const since = this.since.get(key) ?? t.atMs;
      if (t.to === 'resolved') this.since.delete(key);
      const rule = this.rules.get(t.rule);
      if (!rule?.command) continue;
      this.run(rule, t, since);
    }
  }

  private run(rule: AlertRule, t: AlertTransition, sinceMs: number): void {
    const times = (this.recent.get(rule.name) ?? []).filter((x) => t.atMs - x < this.o.perRuleWindowMs);
    if (times.length >= this.o.perRuleBurst || this.running.size >= this.o.maxRunning) {
      this.count(rule.name, 'dropped');
      this.o.onProblem?.(`alert ${rule.name}: command not run for ${t.to} (rate limit)`);
      this.recent.set(rule.name, times);
      return;
    }
    times.push(t.atMs);
    this.recent.set(rule.name, times);
    const [cmd, ...args] = rule.command!;
    let child: ChildProcess;
    try {
      child = this.o.spawn(cmd!, args, { shell: false, stdio: 'ignore', env: hookEnv(t, sinceMs, this.o.host), detached: false });
    } catch (e) {
      this.count(rule.name, 'failed');
      this.o.onProblem?.(`alert ${rule.name}: ${cmd}: ${(e as Error).message}`);
      return;
    }
    this.running.add(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), this.o.timeoutMs);
    timer.unref();
    let done = false;
    const finish = (ok: boolean, why: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.running.delete(child);
      this.count(rule.name, ok ? 'ok' : 'failed');
      if (!ok) this.o.onProblem?.(`alert ${rule.name}: ${cmd}: ${why}`);
    };
    child.once('error', (e) => finish(false, e.message));
    child.once('exit', (code, signal) => finish(code === 0, signal ? `killed by ${signal}` : `exit status ${code}`));
  }

  private count(rule: string, r: HookResult): void {
    const c = this.counts.get(rule) ?? { ok: 0, failed: 0, dropped: 0 };
    c[r]++;
    this.counts.set(rule, c);
  }

  /** Commands still running. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Samples of `tailtop_alert_command_runs_total`. */
  samples(): ScalarSample[] {
    const out: ScalarSample[] = [];
    for (const [rule, c] of this.counts) for (const r of ['ok', 'failed', 'dropped'] as const) out.push({ labels: { alertname: rule, result: r }, value: c[r] });
    return out;
  }

  /** Kill what still runs (on exit). */
  stop(): void {
    for (const c of this.running) c.kill('SIGKILL');
  }
}
