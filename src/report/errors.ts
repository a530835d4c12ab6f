// Errors of the report: one line each, naming the field (or the range) that was wrong. `kind` tells the CLI
// what happened: `empty` (nothing recorded in the range) and `invalid` (a document that breaks its contract)
// are bad input (exit 2); `write` is a failure to write the file (exit 1).

export type ReportErrorKind = 'empty' | 'invalid' | 'write';

export class ReportError extends Error {
  override readonly name = 'ReportError';
  constructor(
    readonly kind: ReportErrorKind,
    message: string,
  ) {
    // One line, whatever was quoted into it.
    super(message.replace(/[\r\n]+/g, ' '));
  }

  /** The exit status the CLI should give: 2 for bad input, 1 for a failed write. */
  get exitCode(): number {
    return this.kind === 'write' ? 1 : 2;
  }
}
