// What a command does when the reader of its stdout or stderr goes away (`tailtop snapshot --json | head -c
// 100`, a pager closed, journald restarted under the agent): the write fails with EPIPE, and node raises it
// as an 'error' event that, unhandled, ends the process with a stack trace.
// - A command that prints a document (snapshot, doctor, alerts, report's lines, --help) has nobody left to
//   print it to: it stops quietly, exit 0, as `tailtop snapshot --follow` always has.
// - The agent's output is its log: losing a log line must never stop the recording (nor skip the flush on
//   SIGTERM). Its writes that fail are dropped, and it runs on.
// The TUI and the fleet view draw on the terminal and have their own ways out (a hang-up, SIGTERM).

type Output = Pick<NodeJS.WriteStream, 'on'>;

/** On EPIPE from stdout or stderr: exit 0 at once (the command's reader is gone); on any other write error, 1. */
export function quitWhenOutputCloses(streams: Output[] = [process.stdout, process.stderr], exit: (code: number) => void = (c) => process.exit(c)): void {
  for (const s of streams)
    s.on('error', (err: NodeJS.ErrnoException) => {
      exit(err.code === 'EPIPE' ? 0 : 1);
    });
}

/** Failed writes to stdout or stderr are dropped: the process keeps running without its log. */
export function runOnWithoutOutput(streams: Output[] = [process.stdout, process.stderr]): void {
  for (const s of streams) s.on('error', () => {});
}
