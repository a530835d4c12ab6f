// How soon V8 optimises a function, for the monitor's process (imported first by ui/app.ts: only the TUI).
//
// The monitor runs its code once a second. V8 hands a function to its optimising compiler (TurboFan, on its
// worker thread) once the function has run a budget of bytecode a few times over; at one tick a second the
// code of a tick crosses that line one function after another for minutes, and compiling them was 80% of
// the worker thread's time (perf, 60 s after start: 0.44% of a core, against 0.75% for the whole main
// thread). Most of those functions run once a tick and gain a few microseconds a call from it. Four times
// the default budget (67584 bytes of bytecode) leaves the hot loops (drawing cells, parsing lines) optimised
// within seconds as before and the once-a-tick code in the baseline compiler's code (Sparkplug) for longer.
// Measured side by side (bench/tui-threads.mjs, BENCHMARKS.md "Session 9: TUI CPU"): the worker thread's
// share falls by about a third and the main thread's stays within noise. Read whenever V8 refills a
// function's budget, so setting it here, before blessed and the first frame, is enough.
import v8 from 'node:v8';

v8.setFlagsFromString('--interrupt-budget=270336');
