// Lines from a stream of text chunks, for every stream read line by line: the eBPF helper's stdout and
// stderr, Docker's event stream, stray writes to our own stderr. Memory stays bounded: a line longer than
// `maxLine` is reported once (with its head) and skipped up to its newline.
/** Splits a byte stream into lines; a line longer than `maxLine` is reported once and skipped. */
export class LineSplitter {
  private buf = '';
  private skipping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    /** Called once per overlong line, with its first `maxLine` characters. */
    private readonly onOverlong: (head: string) => void,
    private readonly maxLine = 1 << 20,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      const piece = chunk.slice(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        this.buf = '';
        continue;
      }
      const line = this.buf + piece;
      this.buf = '';
      this.onLine(line);
    }
    if (start < chunk.length && !this.skipping) {
      this.buf += chunk.slice(start);
      if (this.buf.length > this.maxLine) {
        const head = this.buf.slice(0, this.maxLine);
        this.buf = '';
        this.skipping = true;
        this.onOverlong(head);
      }
    }
  }

  /** End of stream: a last line without a newline is still a line. */
  end(): void {
    if (this.buf !== '' && !this.skipping) this.onLine(this.buf);
    this.buf = '';
    this.skipping = false;
  }
}
