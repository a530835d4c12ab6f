// `tailtop alerts [--config FILE] [--prometheus-rules]`: check the [[alert]] rules of the config and list them,
// or print them as a Prometheus alerting-rules file. Exit 0, or 2 for a usage or configuration error.
import { ConfigError, defaultConfigPath } from '../config/config.js';
import { configFromFlags, parseCommandFlags, stringFlag } from '../config/flags.js';
import { exprText, exprToPromQL } from '../model/alert-expr.js';
import { prometheusRules } from './alert-rules.js';

export const ALERTS_USAGE = `Usage:
  tailtop alerts [--config FILE]                      check the [[alert]] rules and list them
  tailtop alerts --prometheus-rules [--config FILE]   print them as a Prometheus alerting-rules file`;

export function runAlertsCommand(argv: string[], version: string, out: (s: string) => void, err: (s: string) => void): number {
  const values = parseCommandFlags(argv, { config: { type: 'string' }, 'prometheus-rules': { type: 'boolean' } }, ALERTS_USAGE, { out, err });
  if (typeof values === 'number') return values;
  const file = stringFlag(values, 'config') ?? defaultConfigPath();
  let rules;
  try {
    rules = configFromFlags(values).alerts;
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`tailtop: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (values['prometheus-rules']) {
    out(prometheusRules(rules, { source: file, version }));
    return 0;
  }
  if (rules.length === 0) {
    out(`no [[alert]] rules in ${file}\n`);
    return 0;
  }
  for (const r of rules) {
    out(`${r.name}  [${r.severity}]  ${exprText(r.expr)}${r.forMs ? `  for ${r.forMs / 1000}s` : ''}  window ${r.window}${r.command ? `  command ${JSON.stringify(r.command)}` : ''}\n`);
    out(`  PromQL: ${exprToPromQL(r.expr, r.window)}\n`);
  }
  return 0;
}
