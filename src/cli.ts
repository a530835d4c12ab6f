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
import { Store } from './store/store.js';
import { Sampler } from './sampler.js';
import { readHostSample } from './sources/procfs/read-host.js';
import { hasProcfs, readHostSampleSysinfo, readStaticFacts } from './sources/sysinfo.js';
import type { ContainerSource } from './sources/docker/container-source.js';
import { findEndpoint, parseDockerHost } from './sources/docker/endpoint.js';
import { EbpfSupervisor } from './sources/ebpf/supervisor.js';
import { defaultConfigPath, loadConfig, type Config } from './config/config.js';
import { errorLine, exitCodeOf, quote, UsageError } from './errors.js';
import { chooseGlyphs } from './ui/term/glyphs.js';
import { chooseThemeName, loadTheme } from './config/themes.js';
import { bindings } from './ui/keys.js';
import { toSnapshot } from './snapshot.js';
import { setup, SetupError, undoSetup } from './setup.js';
import { runDoctor } from './doctor/doctor.js';
import { exitCode, toJson, toText } from './doctor/report.js';
import type { HostSample, StaticFacts } from './model/types.js';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string }).version;

const USAGE = `Usage:
  tailtop [options]                       interactive monitor (default)
  tailtop snapshot --json [options]       take two samples, print one JSON document, exit
  tailtop doctor [--json]                 check what tailtop needs, each line ok/warn/fail with the fix
  sudo tailtop setup [--undo]             install the eBPF helper for members of group tailtop (no root needed after)
  tailtop alerts [--prometheus-rules]     check the [[alert]] rules (or print them for Prometheus)
  tailtop fleet --prometheus URL          hosts running the agent, from Prometheus (fleet --help)

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
  -h, --help           show this help
  -v, --version        show the version

snapshot options:
  --json               print JSON (the only format; required)
  --interval MS        time between the two samples (default 1000)
  --processes          include processes (whole host and per container)

doctor exits 0 when everything works, 1 when something is off (docs/doctor.md for --json).

Docs: README.md, docs/snapshot.md, docs/doctor.md, docs/metrics.md, docs/ebpf-protocol.md`;

/**
 * A snapshot's first sample is retaken while the helper's cut was further from it than this (ms): 0.2% of
 * the interval, at least 1.5 ms (the host files take most of a millisecond to read).
 */
const maxCutSkewMs = (intervalMs: number): number => Math.max(1.5, intervalMs * 0.002);
/** How far ahead a snapshot agrees with the helper on the moment of each sample (ms). */
const ALIGNED_CUT_MS = 40;

interface Parsed {
  command: 'tui' | 'snapshot' | 'doctor' | 'setup';
  values: Record<string, string | boolean | undefined>;
}

function parse(argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
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
        undo: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const [cmd, ...rest] = parsed.positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument ${quote(rest[0]!)}`);
  const commands = ['snapshot', 'doctor', 'setup'] as const;
  if (cmd !== undefined && !(commands as readonly string[]).includes(cmd)) throw new UsageError(`unknown command ${quote(cmd)}`);
  const command = (cmd ?? 'tui') as Parsed['command'];
  const v: Parsed['values'] = parsed.values;
  const only: Record<string, readonly Parsed['command'][]> = {
    json: ['snapshot', 'doctor'],
    interval: ['snapshot'],
    processes: ['snapshot'],
    undo: ['setup'],
    ascii: ['tui'],
    unicode: ['tui'],
  };
  for (const [k, cmds] of Object.entries(only))
    if (v[k] !== undefined && !cmds.includes(command))
      throw new UsageError(`--${k} goes with ${cmds.map((c) => (c === 'tui' ? 'the monitor' : `'${c}'`)).join(' or ')}`);
  if (command === 'setup')
    for (const k of Object.keys(v)) if (k !== 'undo' && k !== 'help') throw new UsageError(`--${k} does not go with 'setup'`);
  if (v.ascii && v.unicode) throw new UsageError('give either --ascii or --unicode, not both');
  if (command === 'snapshot' && !v.json && !v.help) throw new UsageError(`snapshot needs --json`);
  return { command, values: v };
}

/** A numeric flag: decimal digits only (no 0x100, 1e3, 250.0, +5 or spaces), within [min, max]. */
function intOption(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const text = String(v);
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max} (decimal digits), got ${quote(text)}`);
  return n;
}

async function hostReader(): Promise<(atMs: number) => Promise<HostSample>> {
  if (await hasProcfs('/')) return (atMs) => readHostSample({ atMs });
  return (atMs) => readHostSampleSysinfo(atMs);
}

async function makeSampler(
  cfg: Config,
  o: { store: Store; containers: ContainerSource | null; ebpf: EbpfSupervisor | null; refreshMs: number; flushWaitMs?: number; alignedCutMs?: number },
): Promise<Sampler> {
  return new Sampler({ clock: systemClock, readHost: await hostReader(), showAllDisks: cfg.showAllDisks, ...o });
}

function loadSettings(values: Parsed['values']): Config {
  const explicit = typeof values.config === 'string' ? values.config : null;
  const cfg = loadConfig(explicit ?? defaultConfigPath(), { required: explicit != null });
  const refresh = intOption(values.refresh, 'refresh', MIN_REFRESH_MS, MAX_REFRESH_MS);
  if (refresh !== undefined) cfg.refreshMs = refresh;
  if (typeof values['docker-host'] === 'string') {
    const r = parseDockerHost(values['docker-host'], 'option');
    if (r.error !== null) throw new UsageError(`--docker-host: ${r.error.replace(/^docker: /, '')}`);
    cfg.dockerHost = values['docker-host'];
  }
  if (values['no-ebpf']) cfg.ebpf = false;
  if (values['all-disks']) cfg.showAllDisks = true;
  return cfg;
}

async function runSnapshot(values: Parsed['values']): Promise<number> {
  const cfg = loadSettings(values);
  const intervalMs = intOption(values.interval, 'interval', 100, 600_000) ?? 1000;
  const withProcesses = Boolean(values.processes);
  const containers = values['no-docker'] ? null : await loadContainerSource(cfg.dockerHost);
  const ebpf = cfg.ebpf ? new EbpfSupervisor({ intervalMs }) : null;
  // Each sample asks the helper to end its interval (flush) and waits for it, so that the latency rows
  // cover exactly the time between the two samples, as the host's rates do.
  const sampler = await makeSampler(cfg, { store: new Store(4), containers, ebpf, refreshMs: intervalMs, flushWaitMs: 2000, alignedCutMs: ALIGNED_CUT_MS });
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
    const frame = await sampler.tick(cutAt);
    const skews = [skew1, sampler.lastCutSkewMs].filter((x): x is number => x !== null);
    const cutSkewMs = skews.length === 2 ? Math.max(...skews) : null;
    process.stdout.write(`${JSON.stringify(toSnapshot(frame, { facts, intervalMs, processes: withProcesses, version: VERSION, cutSkewMs }), null, 2)}\n`);
    return 0;
  } finally {
    await Promise.all([containers?.stop(), ebpf?.stop()]);
  }
}

/** How long quitting waits for the helper and the Docker client to stop before it exits anyway. */
const STOP_DEADLINE_MS = 3000;

async function runTui(values: Parsed['values']): Promise<number> {
  const cfg = loadSettings(values);
  const themeName = chooseThemeName(typeof values.theme === 'string' ? values.theme : cfg.theme, process.env, terminalColors());
  const theme = loadTheme(themeName); // unknown name: the error lists the themes there
  const keyTable = bindings(cfg.keys);
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
  const facts = quickFacts();
  let containers: ContainerSource | null = null;
  const ebpf = cfg.ebpf ? new EbpfSupervisor({ intervalMs: 1000 }) : null;
  const store = new Store(300);
  const sampler = await makeSampler(cfg, { store, containers, ebpf, refreshMs: cfg.refreshMs });
  if (process.env.TAILTOP_FAULT === 'collector') injectCollectorFault(sampler);

  return await runFullScreen((session) => {
    let stopWatching = (): void => {};
    let strayTimer: NodeJS.Timeout | null = null;
    session.onStop(() => {
      stopWatching();
      sampler.stop();
      if (strayTimer) clearTimeout(strayTimer);
    });
    // Stop the helper and the Docker client, but never wait for them longer than the deadline.
    session.onDrain(() => Promise.allSettled([containers?.stop(), ebpf?.stop()]));
    const tui = createTui({
      store,
      facts,
      theme,
      glyphs,
      bindings: keyTable,
      refreshMs: sampler.refreshMs,
      onRefreshChange: (ms) => sampler.setRefresh(ms),
      onWantsChange: (w) => sampler.setWants(w),
      onQuit: () => session.finish(0),
    });
    // Nothing writes across the screen: stray stderr output and warnings go to the status line (30 s).
    session.onRestored(
      captureStrayOutput((kind, text) => {
        tui.note('stray', `${kind}: ${text}`);
        if (strayTimer) clearTimeout(strayTimer);
        strayTimer = setTimeout(() => tui.note('stray', null), 30_000);
        strayTimer.unref();
      }),
    );
    sampler.on('frame', () => {
      tui.note('sampler', null);
      tui.update();
    });
    // A tick that failed as a whole (no frame): say so in the status line until a frame comes.
    sampler.on('source-error', (e) => tui.note('sampler', `${e.source}: ${e.message}`));
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
    void ebpf?.start();
    sampler.start();
    // The Docker client is loaded only once there is an endpoint to talk to (it costs memory and start-up
    // time); until then the containers view says no runtime was found, and we look again every 10 s.
    if (!values['no-docker'])
      stopWatching = whenEndpointAppears(cfg.dockerHost, () =>
        void loadContainerSource(cfg.dockerHost).then((src) => {
          if (session.done) return;
          containers = src;
          sampler.setContainerSource(src);
          return src.start();
        }),
      );
    return tui;
  }, { drainDeadlineMs: STOP_DEADLINE_MS });
}

/** Test hook (TAILTOP_FAULT=collector): from the third tick on, reading the host fails the whole tick. */
function injectCollectorFault(sampler: Sampler): void {
  const deps = (sampler as unknown as { deps: { readHost: (atMs: number) => Promise<HostSample> } }).deps;
  const read = deps.readHost;
  let ticks = 0;
  deps.readHost = (atMs) => (++ticks >= 3 ? Promise.reject(new Error('injected collector fault (TAILTOP_FAULT=collector)')) : read(atMs));
}

function whenEndpointAppears(dockerHost: string | null, found: () => void): () => void {
  // An endpoint, or a malformed one (the source then reports the error in the status line).
  const look = (): boolean => {
    const r = findEndpoint(dockerHost ?? undefined);
    return r.endpoint != null || r.error != null;
  };
  if (look()) {
    found();
    return () => {};
  }
  const timer = setInterval(() => {
    if (!look()) return;
    clearInterval(timer);
    found();
  }, 10_000);
  timer.unref();
  return () => clearInterval(timer);
}

async function loadContainerSource(dockerHost: string | null): Promise<ContainerSource> {
  const { ContainerSource } = await import('./sources/docker/container-source.js');
  return new ContainerSource({ dockerHost: dockerHost ?? undefined });
}

function quickFacts(): StaticFacts {
  const cpus = os.cpus();
  return { hostname: os.hostname(), kernel: os.release(), os: os.type(), cpuModel: cpus[0]?.model ?? '', cpuCount: cpus.length };
}

function terminalColors(): number {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return 0;
  if (/truecolor|24bit/i.test(process.env.COLORTERM ?? '')) return 16_777_216;
  return process.stdout.getColorDepth?.() ? 2 ** process.stdout.getColorDepth() : 8;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function runSetup(undo: boolean): number {
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
  const checks = await runDoctor({
    configPath: typeof values.config === 'string' ? values.config : null,
    dockerHost: typeof values['docker-host'] === 'string' ? values['docker-host'] : null,
    env: process.env,
    isTty: Boolean(process.stdout.isTTY),
  });
  process.stdout.write(values.json ? toJson(checks, VERSION) : toText(checks));
  return exitCode(checks);
}

async function main(argv: string[]): Promise<number> {
  // Subcommands with their own options (src/export/alerts-cli.ts, src/fleet/cli.ts).
  if (argv[0] === 'alerts') {
    const { runAlertsCommand } = await import('./export/alerts-cli.js');
    return runAlertsCommand(argv.slice(1), VERSION, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
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
  if (p.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (p.values.version) {
    process.stdout.write(`tailtop ${VERSION}\n`);
    return 0;
  }
  try {
    if (p.command === 'setup') return runSetup(Boolean(p.values.undo));
    if (p.command === 'doctor') return await runDoctorCommand(p.values);
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
