// Command-line flags: the one parser of the subcommands that take their own (agent, report, fleet, alerts),
// and the checks several commands make of the same flags (--config, --store, --docker-host, whole numbers).
// A bad flag is one safe line naming it, exit 2: node's "Unknown option '--x'" or "Option '--x <value>'
// argument missing", or a UsageError of ours.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { oneSafeLine, quote, UsageError } from '../errors.js';
import { parseDockerHost } from '../sources/docker/endpoint.js';
import { defaultConfigPath, loadConfig, type Config } from './config.js';

export type FlagValues = Record<string, string | boolean | string[] | undefined>;
export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

export interface CommandIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

/**
 * A subcommand's flags (strict, no positional arguments; -h/--help added): the values, or the exit code when
 * nothing is left to do: 0 after the usage for --help, 2 after a bad flag (one safe line, then the usage).
 */
export function parseCommandFlags(argv: string[], options: FlagOptions, usage: string, io: CommandIo): FlagValues | number {
  let values: FlagValues;
  try {
    ({ values } = parseArgs({ args: joinDashValues(argv, options), strict: true, allowPositionals: false, options: { ...options, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    io.err(`tailtop: ${oneSafeLine(e instanceof Error ? e.message : String(e))}\n\n${usage}\n`);
    return 2;
  }
  if (values['help']) {
    io.out(`${usage}\n`);
    return 0;
  }
  return values;
}

/**
 * `--from -2h`, `--max-size -5`: a value that starts with a dash and a digit, after a flag that takes a value,
 * is that flag's value (`--from=-2h`), not an option; node's parseArgs refuses it as ambiguous. The value is
 * then checked as any other (a time, a size), so a wrong one is named by its flag.
 */
export function joinDashValues(argv: string[], options: FlagOptions): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && options[a.slice(2)]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** A string flag's value; undefined when it was not given (or is a boolean flag). */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** The config `--config FILE` names (it must exist), else the default one (it may be missing). */
export function configFromFlags(values: FlagValues): Config {
  const explicit = stringFlag(values, 'config');
  return loadConfig(explicit ?? defaultConfigPath(), { required: explicit !== undefined });
}

/** `--store DIR` when given (never empty); undefined for the default store. */
export function storeFlag(values: FlagValues): string | undefined {
  const store = stringFlag(values, 'store');
  if (store === '') throw new UsageError('--store must not be empty');
  return store;
}

/** `--docker-host URL` checked as the Docker client would read it; undefined when not given. */
export function dockerHostFlag(values: FlagValues): string | undefined {
  const host = stringFlag(values, 'docker-host');
  if (host === undefined) return undefined;
  const r = parseDockerHost(host, 'option');
  if (r.error !== null) throw new UsageError(`--docker-host: ${r.error.replace(/^docker: /, '')}`);
  return host;
}

/** A whole-number flag: decimal digits only (no 0x100, 1e3, 250.0, +5 or spaces), within [min, max]. */
export function intFlag(values: FlagValues, name: string, min: number, max: number): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} must be an integer from ${min} to ${max} (decimal digits), got ${quote(text)}`);
  return n;
}
