// `tailtop report --store DIR [--from T1] [--to T2] -o FILE.html [--containers SELECTOR ...]`: one
// self-contained HTML file from the recording (src/report/from-store.ts builds the document, render.ts the
// page, write-atomic.ts writes it so that no half-written file is ever seen). Exit 0; 2 for bad input (a
// flag, an empty range, a range outside the recording, a store of another host or of an older version, a
// selector matching nothing): one line, and no file written; 1 when the file cannot be written.
import { errorLine, exitCodeOf, oneSafeLine, UsageError } from '../errors.js';
import { parseCommandFlags, storeFlag, stringFlag, type CommandIo, type FlagOptions } from '../config/flags.js';
import { parseRangeArgs } from '../config/time-args.js';
import { parseSelectors, type RegexCompiler } from '../model/container-selector.js';
import { StoreError } from '../record/errors.js';
import { compileFilter } from '../ui/filter.js';
import { ReportError } from './errors.js';

export const REPORT_USAGE = `Usage:
  tailtop report --store DIR -o FILE.html [options]   one self-contained HTML file from the recording

Options:
  --store DIR            the agent's store (default: /var/lib/tailtop as root, else $XDG_STATE_HOME/tailtop)
  --from TIME            start of the range (default: an hour before --to)
  --to TIME              end of the range (default: now)
                         TIME: ISO 8601 (2026-12-01T03:10Z), HH:MM[:SS] (today), -2h / -90s, now, epoch seconds
  -o, --output FILE      the HTML file to write (written whole or not at all)
  --containers SELECTOR  only these containers: NAME (or id prefix), ~REGEX (RE2), LABEL=VALUE; repeatable
  --other-host           accept a store recorded on another machine (copied here)
  --max-size BYTES       size budget of the file (default 5000000: heatmaps beyond it keep their lines only)

Docs: docs/report.md`;

const REPORT_FLAGS: FlagOptions = {
  store: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  output: { type: 'string', short: 'o' },
  containers: { type: 'string', multiple: true },
  'other-host': { type: 'boolean' },
  'max-size': { type: 'string' },
};

/** `~regex` selectors in RE2 syntax through the TUI filter's compiler (linear time, case-insensitive). */
export const re2Compiler: RegexCompiler = (source) => {
  const f = compileFilter(`~${source}`);
  if (f.error !== null || f.test === null) throw new Error((f.error ?? 'invalid regex').replace(/^invalid regex: /, ''));
  return f.test;
};

export async function runReportCommand(argv: string[], version: string, io: CommandIo, nowMs = Date.now()): Promise<number> {
  const values = parseCommandFlags(argv, REPORT_FLAGS, REPORT_USAGE, io);
  if (typeof values === 'number') return values;
  const text = (k: string): string | undefined => stringFlag(values, k);
  try {
    const output = text('output');
    if (output === undefined || output === '') throw new UsageError('-o FILE.html is required (the file to write)');
    const store = storeFlag(values);
    const { fromMs, toMs } = parseRangeArgs(text('from'), text('to'), nowMs);
    const selectorTexts = (values['containers'] as string[] | undefined) ?? [];
    const selectors = parseSelectors(selectorTexts, re2Compiler);
    let maxBytes: number | undefined;
    if (text('max-size') !== undefined) {
      maxBytes = Number(text('max-size'));
      if (!(Number.isSafeInteger(maxBytes) && maxBytes >= 100_000)) throw new UsageError(`--max-size must be a whole number of bytes of at least 100000, got ${JSON.stringify(text('max-size'))}`);
    }
    const [{ StoreReader }, { readHostIdentity }, { reportFromStore }, { renderReportDetailed }, { writeFileAtomic }, { defaultStoreDir }] = await Promise.all([
      import('../record/reader.js'),
      import('../record/schema.js'),
      import('./from-store.js'),
      import('./render.js'),
      import('./write-atomic.js'),
      import('../agent/options.js'),
    ]);
    const dir = store ?? defaultStoreDir();
    const reader = StoreReader.open(dir, { tailtopVersion: version });
    try {
      const me = readHostIdentity();
      const info = reader.info;
      if (!values['other-host'] && info.machineId && me.machineId && info.machineId !== me.machineId) {
        throw new UsageError(
          `store ${reader.file} was recorded on host ${info.hostname ?? '?'} (machine-id ${info.machineId}), not this one (${me.hostname}): pass --other-host to report on a copied store`,
        );
      }
      const r = reportFromStore(reader, { fromMs, toMs, tailtopVersion: version, selectors, selectorTexts, bootId: me.bootId, nowMs });
      const out = renderReportDetailed(r.data, maxBytes === undefined ? {} : { maxBytes });
      writeFileAtomic(output, out.html);
      const dropped = out.droppedHeatmaps > 0 ? `, ${out.droppedHeatmaps} heatmaps kept as lines only (size budget)` : '';
      io.err(
        `tailtop report: wrote ${output} (${out.bytes} bytes; ${r.steps} steps of ${r.data.stepSec} s; ${r.samples} samples, statistics from ${r.sources.hours} hour rows, ${r.sources.minutes} minute rows, ${r.sources.rawSamples} raw samples; ${r.data.containers.length} containers${dropped})\n`,
      );
    } finally {
      reader.close();
    }
    return 0;
  } catch (err) {
    if (err instanceof StoreError) {
      // The store given cannot be read as asked (missing, older or newer schema, corrupt, not a store,
      // permissions): bad input, one line naming the file.
      io.err(`tailtop: ${oneSafeLine(err.message)}\n`);
      return 2;
    }
    if (err instanceof ReportError) {
      io.err(`tailtop: ${oneSafeLine(err.message)}\n`);
      return err.exitCode;
    }
    if (err instanceof Error && err.name === 'SelectorError') {
      io.err(`tailtop: ${oneSafeLine(err.message)}\n`);
      return 2;
    }
    io.err(`tailtop: ${errorLine(err)}\n`);
    return exitCodeOf(err);
  }
}
