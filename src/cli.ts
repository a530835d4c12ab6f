#!/usr/bin/env node
// Entry point: arguments, subcommands (the TUI by default, `snapshot`, `doctor`, `setup`; `alerts` and
// `fleet` parse their own options), exit codes.
//   0 ok; 1 runtime failure (after the terminal was restored); 2 usage, configuration or theme error;
//   128 + the signal's number when a signal ended the monitor (SIGHUP 129, SIGINT 130, SIGQUIT 131,
//   SIGTERM 143). Every failure is one safe line on stderr (errors.ts).
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { systemClock } from './clock.js';
import { DEFAULT_REFRESH_MS, MAX_REFRESH_MS, MIN_REFRESH_MS } from './contract.js';
import { Store, type ReadStore } from './store/store.js';
import { helperIntervalMs, Sampler, type SamplerDeps } from './sampler.js';
import { HeapTrim } from './heap-trim.js';
import { quickFacts, readStaticFacts } from './sources/sysinfo.js';
import type { ContainerSource } from './sources/docker/container-source.js';
import { containerFinder, liveHostSource, loadContainerSource } from './sources/live.js';
import type { HostSource } from './sources/types.js';
import { EbpfSupervisor } from './sources/ebpf/supervisor.js';
import type { Config } from './config/config.js';
import { configFromFlags, dockerHostFlag, intFlag, joinDashValues, storeFlag, stringFlag, type FlagOptions } from './config/flags.js';
import { errorLine, exitCodeOf, quote, RuntimeError, UsageError } from './errors.js';
import type { Recording } from './agent/recording.js';
import { chooseGlyphs } from './ui/term/glyphs.js';
import { EXIT_SIGNALS } from './ui/term/exit-signals.js';
import { quitWhenOutputCloses, runOnWithoutOutput } from './closed-output.js';
import { chooseThemeName, loadTheme } from './config/themes.js';
import { terminalColors } from './ui/colors.js';
import { bindings } from './ui/keys.js';
// `setup`, `doctor` and `snapshot` are imported by their commands: the monitor never runs them (their modules
// cost it memory: BENCHMARKS.md "session 8").
import type { Frame, StaticFacts } from './model/types.js';
import { listenFromFlags } from './export/listen.js';

const here = dirname(fileURLToPath(import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string }).version;

const USAGE = `Usage:
  tailtop [options]                       interactive monitor (default)
  tailtop snapshot --json [options]       take two samples, print one JSON document, exit
  tailtop doctor [--json]                 check what tailtop needs, each line ok/warn/fail with the fix
  sudo tailtop setup [--undo]             install the eBPF helper for members of group tailtop (no root needed after)
  tailtop alerts [--prometheus-rules]     check the [[alert]] rules (or print them for Prometheus)
  tailtop agent [--store DIR]             record every tick without a terminal, as a service (agent --help)
  tailtop replay [--store DIR] [--at T]   the monitor over a recording (keys: ? ; step , . [ ] { }, jump g, play P)
  tailtop snapshot --json --from T1 --to T2 [--store DIR]   the snapshot over a recorded range
  tailtop fleet --prometheus URL          hosts running the agent, from Prometheus (fleet --help)
  tailtop report --store DIR -o FILE.html one self-contained HTML report of a recorded range (report --help)

Options:
  --config FILE        config file (default: $XDG_CONFIG_HOME/tailtop/config.toml)
  --theme NAME         colour theme (see themes/); NO_COLOR selects "mono"
  --refresh MS         refresh interval in milliseconds (${MIN_REFRESH_MS}..${MAX_REFRESH_MS}, default ${DEFAULT_REFRESH_MS})
  --docker-host URL    Docker/Podman endpoint (default: DOCKER_HOST, /var/run/docker.sock, podman sockets)
  --no-docker          do not look for a container runtime
  --no-ebpf            do not start the eBPF helper
  --all-disks          also show idle loop/ram devices
  --ascii              draw with ASCII only (the default where the locale is not UTF-8)
  --unicode            draw with Unicode box and block characters even where the locale is not UTF-8
  --listen ADDR:PORT   serve /metrics (Prometheus) and the JSON API (docs/api.md); loopback unless
                       --auth-token-file FILE or --tls-cert FILE --tls-key FILE is given
  --record             record every tick to the store while the monitor runs (as \`tailtop agent\` does)
  --store DIR          the store for --record (default: /var/lib/tailtop as root, else $XDG_STATE_HOME/tailtop)
  -h, --help           show this help
  -v, --version        show the version

snapshot options:
  --json               print JSON (the only format; required)
  --interval MS        time between the two samples (default 1000)
  --processes          include processes (whole host and per container)
  --follow             one document per interval as JSON lines, until interrupted
  --from T --to T      over a recorded range instead (from the store): T is ISO 8601, HH:MM[:SS] (today),
                       -2h / -90s (before now), now, or epoch seconds; --to defaults to now, --from to 1 h before
  --store DIR          the store to read (default: /var/lib/tailtop as root, else $XDG_STATE_HOME/tailtop)
  --step DURATION      with --from/--to: also a series of figures per step (e.g. 1m, 1h)

doctor exits 0 when everything works, 1 when something is off (docs/doctor.md for --json).

Docs: README.md, docs/snapshot.md, docs/api.md, docs/doctor.md, docs/metrics.md, docs/ebpf-protocol.md`;

/**
 * A snapshot's first sample is retaken while the helper's cut was further from it than this (ms): 0.2% of
 * the interval, at least 1.5 ms (the host files take most of a millisecond to read).
 */
const maxCutSkewMs = (intervalMs: number): number => Math.max(1.5, intervalMs * 0.002);
/** How far ahead a snapshot agrees with the helper on the moment of each sample (ms). */
const ALIGNED_CUT_MS = 40;

interface Parsed {
  command: 'tui' | 'snapshot' | 'doctor' | 'setup' | 'replay';
  values: Record<string, string | boolean | undefined>;
}

/** The main command's flags (the subcommands agent, report, fleet and alerts parse their own). */
const CLI_FLAGS = {
  config: { type: 'string' },
  theme: { type: 'string' },
  refresh: { type: 'string' },
  'docker-host': { type: 'string' },
  'no-docker': { type: 'boolean' },
  'no-ebpf': { type: 'boolean' },
  'all-disks': { type: 'boolean' },
  ascii: { type: 'boolean' },
  unicode: { type: 'boolean' },
  json: { type: 'boolean' },
  interval: { type: 'string' },
  processes: { type: 'boolean' },
  record: { type: 'boolean' },
  store: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  step: { type: 'string' },
  at: { type: 'string' },
  undo: { type: 'boolean' },
  listen: { type: 'string' },
  'auth-token-file': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  follow: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} satisfies FlagOptions;

function parse(argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinDashValues(argv, CLI_FLAGS),
      allowPositionals: true,
      strict: true,
      options: CLI_FLAGS,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const [cmd, ...rest] = parsed.positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument ${quote(rest[0]!)}`);
  const commands = ['snapshot', 'doctor', 'setup', 'replay'] as const;
  if (cmd !== undefined && !(commands as readonly string[]).includes(cmd)) throw new UsageError(`unknown command ${quote(cmd)}`);
  const command = (cmd ?? 'tui') as Parsed['command'];
  const v: Parsed['values'] = parsed.values;
  const only: Record<string, readonly Parsed['command'][]> = {
    json: ['snapshot', 'doctor'],
    interval: ['snapshot'],
    processes: ['snapshot'],
    undo: ['setup'],
    ascii: ['tui', 'replay'],
    unicode: ['tui', 'replay'],
    listen: ['tui'],
    'auth-token-file': ['tui'],
    'tls-cert': ['tui'],
    'tls-key': ['tui'],
    follow: ['snapshot'],
    record: ['tui'],
    store: ['tui', 'snapshot', 'replay'],
    at: ['replay'],

    from: ['snapshot'],
    to: ['snapshot'],
    step: ['snapshot'],
  };
  for (const [k, cmds] of Object.entries(only))
    if (v[k] !== undefined && !cmds.includes(command))
      throw new UsageError(`--${k} goes with ${cmds.map((c) => (c === 'tui' ? 'the monitor' : `'${c}'`)).join(' or ')}`);
  if (command === 'replay')
    for (const k of Object.keys(v))
      if (!['store', 'at', 'ascii', 'unicode', 'theme', 'config', 'all-disks', 'help'].includes(k)) throw new UsageError(`--${k} does not go with 'replay'`);
  if (command === 'setup')
    for (const k of Object.keys(v)) if (k !== 'undo' && k !== 'help') throw new UsageError(`--${k} does not go with 'setup'`);
  if (command === 'tui' && v.store !== undefined && !v.record) throw new UsageError('--store goes with --record (or with `tailtop agent`)');
  if (v.ascii && v.unicode) throw new UsageError('give either --ascii or --unicode, not both');
  if (command === 'snapshot' && !v.json && !v.help) throw new UsageError(`snapshot needs --json`);
  if (command === 'snapshot' && v.from === undefined && v.to === undefined) {
    if (v.store !== undefined) throw new UsageError('--store goes with --from/--to (a recorded range)');
    if (v.step !== undefined) throw new UsageError('--step goes with --from/--to (a recorded range)');
  }
  if (command === 'snapshot' && (v.from !== undefined || v.to !== undefined) && v.interval !== undefined)
    throw new UsageError('--interval does not go with --from/--to (the range gives the time)');
  return { command, values: v };
}

async function makeSampler(
  cfg: Config,
  o: Omit<SamplerDeps, 'clock' | 'host' | 'showAllDisks'> & { host?: HostSource },
): Promise<Sampler> {
  return new Sampler({ clock: systemClock, host: o.host ?? (await liveHostSource()), showAllDisks: cfg.showAllDisks, ...o });
}

function loadSettings(values: Parsed['values']): Config {
  const cfg = configFromFlags(values);
  const refresh = intFlag(values, 'refresh', MIN_REFRESH_MS, MAX_REFRESH_MS);
  if (refresh !== undefined) cfg.refreshMs = refresh;
  const dockerHost = dockerHostFlag(values);
  if (dockerHost !== undefined) cfg.dockerHost = dockerHost;
  if (values['no-ebpf']) cfg.ebpf = false;
  if (values['all-disks']) cfg.showAllDisks = true;
  return cfg;
}

async function runSnapshot(values: Parsed['values']): Promise<number> {
  const cfg = loadSettings(values);
  const intervalMs = intFlag(values, 'interval', 100, 600_000) ?? 1000;
  const withProcesses = Boolean(values.processes);
  const { toSnapshot } = await import('./snapshot.js');
  const containers = values['no-docker'] ? null : await loadContainerSource(cfg.dockerHost);
  const ebpf = cfg.ebpf ? new EbpfSupervisor({ intervalMs }) : null;
  // Each sample asks the helper to end its interval (flush) and waits for it, so that the latency rows
  // cover exactly the time between the two samples, as the host's rates do.
  // Like every consumer, the snapshot reads the frames through the store (a ReadStore).
  const store = new Store(4);
  const frames: ReadStore = store;
  const sampler = await makeSampler(cfg, { store, containers, latency: ebpf, refreshMs: intervalMs, flushWaitMs: 2000, alignedCutMs: ALIGNED_CUT_MS });
  sampler.setWants({ processes: withProcesses, containerId: null, allDetail: true });
  try {
    const [facts] = await Promise.all([readStaticFacts(), containers?.start(), ebpf ? ebpf.start() : null]);
    if (ebpf) await ebpf.waitReady(Math.max(5000, intervalMs));
    // The first sample is taken twice: the first read of each file in a fresh process is slower (a few ms
    // late for a 250 ms interval). It is taken again while the helper could not cut its interval at it.
    await sampler.tick();
    let first = await sampler.tick();
    for (let k = 0; k < 3 && (sampler.lastCutSkewMs ?? 0) > maxCutSkewMs(intervalMs); k++) first = await sampler.tick();
    const skew1 = sampler.lastCutSkewMs;
    const cutAt = first.atMs + intervalMs;
    await sleep(Math.max(0, cutAt - ALIGNED_CUT_MS - systemClock.nowMs()));
    await sampler.tick(cutAt);
    const frame = frames.latest()!;
    const skews = [skew1, sampler.lastCutSkewMs].filter((x): x is number => x !== null);
    const cutSkewMs = skews.length === 2 ? Math.max(...skews) : null;
    if (values.follow) return await followSnapshots(sampler, frame, cutSkewMs, { facts, intervalMs, withProcesses });
    process.stdout.write(`${JSON.stringify(toSnapshot(frame, { facts, intervalMs, processes: withProcesses, version: VERSION, cutSkewMs }), null, 2)}\n`);
    return 0;
  } finally {
    await Promise.all([containers?.stop(), ebpf?.stop()]);
  }
}

/** `snapshot --json --follow` (snapshot-follow.ts): JSON lines until a signal (exit 0) or a closed pipe (exit 0). */
async function followSnapshots(sampler: Sampler, first: Frame, firstSkew: number | null, o: { facts: StaticFacts; intervalMs: number; withProcesses: boolean }): Promise<number> {
  const { follow, stdoutWriter } = await import('./snapshot-follow.js');
  const { toSnapshot } = await import('./snapshot.js');
  // A document's cut skew is the larger of its two cuts' (the first document's was measured already).
  let prevCut = sampler.lastCutSkewMs;
  const doc = (f: Frame) => {
    const cut = sampler.lastCutSkewMs;
    const cutSkewMs = f === first ? firstSkew : prevCut !== null && cut !== null ? Math.max(prevCut, cut) : null;
    prevCut = cut;
    return toSnapshot(f, { facts: o.facts, intervalMs: o.intervalMs, processes: o.withProcesses, version: VERSION, cutSkewMs });
  };
  const stopped = new Promise<void>((resolve) => {
    for (const sig of EXIT_SIGNALS) process.once(sig, () => resolve());
  });
  try {
    await follow(sampler, first, { intervalMs: o.intervalMs, leadMs: ALIGNED_CUT_MS, nowMs: () => systemClock.nowMs(), write: stdoutWriter(), doc, stopped });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    throw err;
  }
  return 0;
}

/** `snapshot --json --from T1 --to T2 [--store DIR]`: the document over a recorded range. */
async function runRangeCommand(values: Parsed['values']): Promise<number> {
  const { runRangeSnapshot } = await import('./query/cli.js');
  const { defaultStoreDir } = await import('./agent/options.js');
  const str = (k: string): string | undefined => stringFlag(values, k);
  return await runRangeSnapshot(
    { store: storeFlag(values) ?? defaultStoreDir(), from: str('from'), to: str('to'), step: str('step'), processes: Boolean(values.processes), showAllDisks: Boolean(values['all-disks']) },
    VERSION,
    Date.now(),
    (s) => new Promise<void>((resolve, reject) => process.stdout.write(s, (err) => (err ? reject(err) : resolve()))),
  );
}

/** How long quitting waits for the helper and the Docker client to stop before it exits anyway. */
const STOP_DEADLINE_MS = 3000;

async function runTui(values: Parsed['values'], command: 'tui' | 'replay' = 'tui'): Promise<number> {
  const cfg = loadSettings(values);
  const themeName = chooseThemeName(stringFlag(values, 'theme') ?? cfg.theme, process.env, terminalColors());
  const theme = loadTheme(themeName); // unknown name: the error lists the themes there
  const keyTable = bindings(cfg.keys);
  // replay: the store first, so that a store that cannot be read says so (one line naming it) wherever it runs
  const early = command === 'replay' ? await openTuiReplay(values, cfg, undefined) : null;
  if (!process.stdout.isTTY) early?.close();
  if (!process.stdout.isTTY) throw new UsageError('the monitor needs a terminal on stdout (use `tailtop snapshot --json` for scripts)');
  const term = process.env['TERM'] ?? '';
  const { createTui } = await import('./ui/app.js');
  const { terminalProblem } = await import('./ui/term/screen.js');
  const { runFullScreen } = await import('./ui/term/session.js');
  const problem = terminalProblem(term);
  if (problem) throw new UsageError(`${problem}: use \`tailtop snapshot --json\` instead, or set TERM to your terminal (e.g. TERM=xterm-256color)`);
  const glyphs = chooseGlyphs({ ascii: values.ascii === true, unicode: values.unicode === true }, process.env, term).mode;
  const { captureStrayOutput } = await import('./ui/term/stray-output.js');

  // The first frame must not wait for slow facts or for loading the Docker client: start with what
  // node:os knows and fill in the rest when it arrives.
  const replayMode = command === 'replay';
  let facts = quickFacts();
  let containers: ContainerSource | null = null;
  const ebpf = cfg.ebpf && !replayMode ? new EbpfSupervisor({ intervalMs: helperIntervalMs(cfg.refreshMs) }) : null;
  const store = new Store(300);
  // --record: the store is opened before the screen, so that a store another tailtop writes is refused
  // with its one line on a normal terminal.
  const recording = values.record ? await openTuiRecording(values, cfg.refreshMs) : null;
  // A recording to travel in: `tailtop replay`, or the history of the store --record writes.
  const recorded = early ?? (recording ? await openTuiReplay(values, cfg, store) : null);
  if (recorded && replayMode) facts = recorded.facts;
  const shown = recorded?.travel.store ?? store;
  let done = false;
  // The Docker client is loaded only once there is an endpoint to talk to (it costs memory and start-up
  // time); until then the containers view says no runtime was found, and the sampler looks again every 10 s.
  const findContainers = values['no-docker'] || replayMode
    ? undefined
    : containerFinder(cfg.dockerHost, (src) => {
        if (done) return false;
        containers = src;
        return true;
      });
  const host = await liveHostSource();
  const sampler = replayMode ? null : await makeSampler(cfg, {
    store,
    containers,
    latency: ebpf,
    refreshMs: cfg.refreshMs,
    ...(findContainers ? { findContainers } : {}),
    heapTrim: new HeapTrim(),
    host: process.env.TAILTOP_FAULT === 'collector' ? faultyHost(host) : host,
  });
  // Alert rules per frame, and with --listen /metrics and the JSON API: bound before the screen is taken.
  let tui: ReturnType<typeof createTui> | null = null;
  const { attachLive } = await import('./export/live.js');
  // (Replay has no live figures to serve or to alert on.)
  const attached = !sampler ? null : await attachLive(sampler, {
    listen: listenFromFlags(values),
    rules: cfg.alerts,
    settings: cfg.export,
    version: VERSION,
    facts: () => facts,
    showAllDisks: cfg.showAllDisks,
    onProblem: (line) => tui?.note('alert', line),
    // With --record, /api/v1/range reads the store this monitor writes, and alert transitions are stored.
    ...(recording ? { range: await rangeApi(values, cfg), onTransitions: (t) => recording.recordAlerts(t) } : {}),
  }).catch((e: unknown) => {
    recording?.closeSync();
    throw e;
  });

  return await runFullScreen((session) => {
    let strayTimer: NodeJS.Timeout | null = null;
    session.onStop(() => {
      done = true;
      sampler?.stop();
      recorded?.close();
      if (strayTimer) clearTimeout(strayTimer);
    });
    session.onRestored(() => {
      try {
        recording?.closeSync();
      } catch (e) {
        process.stderr.write(`tailtop: ${errorLine(e)}\n`);
      }
    });
    // Stop the helper, the Docker client and the listener, but never wait for them longer than the deadline.
    session.onDrain(() => Promise.allSettled([containers?.stop(), ebpf?.stop(), attached?.stop()]));
    const ui = createTui({
      store: shown,
      facts,
      theme,
      glyphs,
      bindings: keyTable,
      refreshMs: sampler?.refreshMs ?? recorded?.intervalMs ?? cfg.refreshMs,
      onRefreshChange: (ms) => sampler?.setRefresh(ms),
      onWantsChange: (w) => {
        sampler?.setWants({ ...w, alertWindows: attached?.alerts.containerLatencyWindows() ?? [] });
        recorded?.replay.setView({ latencyWindow: w.latencyWindow ?? '1s', containerId: w.containerId });
      },
      onQuit: () => session.finish(0),
      ...(attached ? { alerts: attached.alerts } : {}),
      ...(recorded ? { timeTravel: recorded.travel } : {}),
    });
    tui = ui;
    if (recorded) {
      recorded.replay.onChange = () => ui.update();
      // The first frame is on screen: the jump's code is compiled now, in slices, not at the user's first key.
      void recorded.replay.warmUp();
    }
    // Nothing writes across the screen: stray stderr output and warnings go to the status line (30 s).
    session.onRestored(
      captureStrayOutput((kind, text) => {
        ui.note('stray', `${kind}: ${text}`);
        if (strayTimer) clearTimeout(strayTimer);
        strayTimer = setTimeout(() => ui.note('stray', null), 30_000);
        strayTimer.unref();
      }),
    );
    if (!sampler) return ui; // replay: frames come from the recording
    sampler.on('frame', () => {
      ui.note('sampler', null);
      // In history the screen shows the recording: only the header and status change.
      ui.update();
    });
    // A tick that failed as a whole (no frame): say so in the status line until a frame comes.
    sampler.on('source-error', (e) => ui.note('sampler', `${e.source}: ${e.message}`));
    sampler.once('frame', () => void readStaticFacts().then((f) => Object.assign(facts, f)));
    // Test hook: an uncaught error after the first frames, to check that the terminal is restored.
    if (process.env.TAILTOP_FAULT === 'throw')
      setTimeout(() => {
        throw new Error('injected fault (TAILTOP_FAULT=throw)');
      }, 1500);
    // Test hook: a write to stderr while the screen is up.
    if (process.env.TAILTOP_FAULT === 'stderr')
      setTimeout(() => {
        process.emitWarning('injected warning (TAILTOP_FAULT=stderr)', 'DeprecationWarning', 'DEP0170');
        console.error('injected stray line (TAILTOP_FAULT=stderr)');
      }, 1500);
    if (recording) {
      recording.attach(sampler);
      recording.onEvent = (line) => tui?.note('store', line);
    }
    void ebpf?.start();
    sampler.start();
    return ui;
  }, { drainDeadlineMs: STOP_DEADLINE_MS });
}

/** The store of `--record` and `replay`: --store DIR, else (also for an empty one) the agent's default. */
async function tuiStoreDir(values: Parsed['values']): Promise<string> {
  const { defaultStoreDir } = await import('./agent/options.js');
  return stringFlag(values, 'store') || defaultStoreDir();
}

/** GET /api/v1/range over the store `--record` writes. */
async function rangeApi(values: Parsed['values'], cfg: Config) {
  const { rangeHandler } = await import('./query/api.js');
  return rangeHandler({ dir: await tuiStoreDir(values), version: VERSION, showAllDisks: cfg.showAllDisks });
}

/** `tailtop --record [--store DIR]`: the agent's store, written by the monitor while it runs. */
async function openTuiRecording(values: Parsed['values'], intervalMs: number): Promise<Recording> {
  const { Recording } = await import('./agent/recording.js');
  const { AGENT_DEFAULTS } = await import('./agent/options.js');
  const { figuresOf } = await import('./model/catalogue.js');
  const { storeErrorLine } = await import('./agent/cli.js');
  try {
    return Recording.open({
      dir: await tuiStoreDir(values),
      version: VERSION,
      intervalMs,
      retainMs: AGENT_DEFAULTS.retainMs,
      maxBytes: AGENT_DEFAULTS.maxBytes,
      figuresOf,
      onEvent: (line) => process.stderr.write(`tailtop: ${line}\n`),
    });
  } catch (err) {
    throw new RuntimeError(storeErrorLine(err));
  }
}

/** `tailtop replay` (the recording), or the history of the store `--record` writes (live: the monitor's store). */
async function openTuiReplay(values: Parsed['values'], cfg: Config, live: Store | undefined) {
  const { openRecording } = await import('./replay/cli.js');
  return await openRecording({
    dir: await tuiStoreDir(values),
    version: VERSION,
    showAllDisks: cfg.showAllDisks,
    ...(typeof values.at === 'string' ? { at: values.at } : {}),
    ...(live ? { live } : {}),
  });
}

/** Test hook (TAILTOP_FAULT=collector): from the third tick on, reading the host fails the whole tick. */
function faultyHost(host: HostSource): HostSource {
  let ticks = 0;
  return { read: (atMs) => (++ticks >= 3 ? Promise.reject(new Error('injected collector fault (TAILTOP_FAULT=collector)')) : host.read(atMs)) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function runSetup(undo: boolean): Promise<number> {
  const { setup, SetupError, undoSetup } = await import('./setup.js');
  const say = (line: string): void => void process.stdout.write(`tailtop setup: ${line}\n`);
  try {
    if (undo) undoSetup(say);
    else setup(say);
    return 0;
  } catch (err) {
    if (!(err instanceof SetupError)) throw err;
    process.stderr.write(`tailtop setup: ${err.message}\n`);
    return 1;
  }
}

async function runDoctorCommand(values: Parsed['values']): Promise<number> {
  const { runDoctor } = await import('./doctor/doctor.js');
  const { exitCode, toJson, toText } = await import('./doctor/report.js');
  const checks = await runDoctor({
    configPath: stringFlag(values, 'config') ?? null,
    dockerHost: stringFlag(values, 'docker-host') ?? null,
    env: process.env,
    isTty: Boolean(process.stdout.isTTY),
  });
  process.stdout.write(values.json ? toJson(checks, VERSION) : toText(checks));
  return exitCode(checks);
}

async function main(argv: string[]): Promise<number> {
  // When the reader of our output goes away (src/closed-output.ts): the agent records on, a command that
  // prints a document stops (exit 0); the monitor, replay and the fleet view draw on the terminal.
  if (argv[0] === 'agent') runOnWithoutOutput();
  if (argv[0] === 'alerts' || argv[0] === 'report') quitWhenOutputCloses();
  // Subcommands with their own options (src/export/alerts-cli.ts, src/fleet/cli.ts).
  if (argv[0] === 'alerts') {
    const { runAlertsCommand } = await import('./export/alerts-cli.js');
    return runAlertsCommand(argv.slice(1), VERSION, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
  }
  if (argv[0] === 'agent') {
    const { runAgentCommand } = await import('./agent/cli.js');
    return await runAgentCommand(argv.slice(1), VERSION, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
  }
  if (argv[0] === 'report') {
    const { runReportCommand } = await import('./report/cli.js');
    return await runReportCommand(argv.slice(1), VERSION, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
  }
  if (argv[0] === 'fleet') {
    const { runFleetCommand } = await import('./fleet/cli.js');
    return await runFleetCommand(argv.slice(1), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
  }
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (err) {
    process.stderr.write(`tailtop: ${errorLine(err)}\n\n${USAGE}\n`);
    return exitCodeOf(err);
  }
  if (p.values.help || p.values.version || p.command === 'snapshot' || p.command === 'doctor' || p.command === 'setup') quitWhenOutputCloses();
  if (p.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (p.values.version) {
    process.stdout.write(`tailtop ${VERSION}\n`);
    return 0;
  }
  try {
    if (p.command === 'setup') return await runSetup(Boolean(p.values.undo));
    if (p.command === 'doctor') return await runDoctorCommand(p.values);
    if (p.command === 'snapshot' && (p.values.from !== undefined || p.values.to !== undefined)) return await runRangeCommand(p.values);
    if (p.command === 'replay') return await runTui(p.values, 'replay');
    return p.command === 'snapshot' ? await runSnapshot(p.values) : await runTui(p.values);
  } catch (err) {
    process.stderr.write(`tailtop: ${errorLine(err)}\n`);
    return exitCodeOf(err);
  }
}

// Node leaves when nothing is left to wait for: if that happens before main settled (a wait whose timers
// were all unref'd), say so and fail instead of exiting 0 without output.
let settled = false;
process.on('beforeExit', () => {
  if (settled) return;
  settled = true;
  process.stderr.write('tailtop: internal error: stopped waiting before the work was done\n');
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exit(code);
  },
  (err) => {
    settled = true;
    process.stderr.write(`tailtop: ${errorLine(err)}\n`);
    process.exit(1);
  },
);
