// Alert transitions in the store: a process that records and evaluates [[alert]] rules (the agent, the monitor
// with --record) writes each transition to firing and to resolved as a row of the `event` table, kind `alert`,
// its message one JSON object (docs/store.md):
//
//   {"state":"firing","rule":"disk-p99-high","severity":"critical","labels":{"device":"sda"},"value":0.061,"summary":"..."}
//
// The report (src/report/from-store.ts) pairs them back into intervals. What is read is untrusted (any process
// that can write the file could have written it): every field is checked, strings are bounded and stripped of
// control characters, a row that does not parse is skipped.
import { safeText } from '../report/payload.js';

export const ALERT_EVENT_KIND = 'alert';

export interface AlertEventRecord {
  state: 'firing' | 'resolved';
  rule: string;
  severity: string;
  labels: Record<string, string>;
  value: number;
  summary: string | null;
}

/** What a transition is written as (`to` of an AlertTransition: only firing and resolved are recorded). */
export function alertEventMessage(t: { to: string; rule: string; severity: string; labels: Readonly<Record<string, string>>; value: number; summary: string | null }): string | null {
  if (t.to !== 'firing' && t.to !== 'resolved') return null;
  const rec: AlertEventRecord = { state: t.to, rule: t.rule, severity: t.severity, labels: { ...t.labels }, value: Number.isFinite(t.value) ? t.value : 0, summary: t.summary };
  return JSON.stringify(rec);
}

const MAX_LABELS = 32;

/** A stored message back (null: not an alert record this tailtop understands). */
export function parseAlertEvent(message: string): AlertEventRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(message);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (o['state'] !== 'firing' && o['state'] !== 'resolved') return null;
  if (typeof o['rule'] !== 'string' || o['rule'] === '') return null;
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  const l = o['labels'];
  if (l !== undefined && l !== null) {
    if (typeof l !== 'object' || Array.isArray(l)) return null;
    let n = 0;
    for (const [k, val] of Object.entries(l as Record<string, unknown>)) {
      if (typeof val !== 'string' || n++ >= MAX_LABELS) continue;
      labels[safeText(k, 64)] = safeText(val, 256);
    }
  }
  return {
    state: o['state'],
    rule: safeText(o['rule'], 128),
    severity: typeof o['severity'] === 'string' ? safeText(o['severity'], 32) : 'warning',
    labels,
    value: typeof o['value'] === 'number' && Number.isFinite(o['value']) ? o['value'] : 0,
    summary: typeof o['summary'] === 'string' ? safeText(o['summary'], 512) : null,
  };
}
