// Keep V8's young generation at its initial size (1 MiB per semi-space) for the monitor process.
//
// V8 doubles the new space whenever a scavenge finds much of it alive; the burst of allocation while the
// CLI loads its modules (blessed, and the Docker client after the first frame) grows it to several MiB per
// semi-space, which shows up as about 11 MiB more peak RSS (bench/tui.mjs: 86-88 MiB without, 73-75 MiB
// with). A steady frame allocates well under 1 MiB, so the small new space costs a few more (cheap)
// scavenges and nothing else. `--max-semi-space-size` would do the same but is only read at start-up; the
// growth factor is read whenever the new space would grow, so setting it here, before blessed and the
// first frame, is enough. Imported first by ui/app.ts, so only the TUI sets it.
//
// Some seconds after start-up, when allocation slows down, V8's memory reducer shrinks the heap with up to
// three full collections in a row (about 0.15% of a core averaged over bench/tui.mjs's 30 s window, for
// nothing: the peak is behind us and a steady frame allocates little). One of them is enough.
import v8 from 'node:v8';

v8.setFlagsFromString('--semi-space-growth-factor=1');
v8.setFlagsFromString('--memory-reducer-single-gc');
