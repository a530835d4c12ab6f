#!/usr/bin/env node
// Entry point: arguments, subcommands (the TUI by default, `snapshot`), exit codes.
//   0 ok; 1 runtime failure (after the terminal was restored); 2 usage or configuration error.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { systemClock } from './clock.js';
import { Store } from './store/store.js';
import { Sampler, oneLine } from './sampler.js';
import { readHostSample } from './sources/procfs/read-host.js';
import { hasProcfs, readHostSampleSysinfo, readStaticFacts } from './sources/sysinfo.js';
import type { ContainerSource } from './sources/docker/container-source.js';
import { findEndpoint } from './sources/docker/endpoint.js';
import { EbpfSupervisor } from './sources/ebpf/supervisor.js';
import { ConfigError, defaultConfigPath, loadConfig, type Config } from './config/config.js';
import { chooseThemeName, loadTheme } from './config/themes.js';
import { bindings } from './ui/keys.js';
import { toSnapshot } from './snapshot.js';
import type { HostSample, StaticFacts } from './model/types.js';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string }).version;

const USAGE = `Usage:
  tailtop [options]                       interactive monitor (default)
  tailtop snapshot --json [options]       take two samples, print one JSON document, exit

Options:
  --config FILE        config file (default: $XDG_CONFIG_HOME/tailtop/config.toml)
  --theme NAME         colour theme (see themes/); NO_COLOR selects "mono"
  --refresh MS         refresh interval in milliseconds (250..10000, default 1000)
  --docker-host URL    Docker/Podman endpoint (default: DOCKER_HOST, /var/run/docker.sock, podman sockets)
  --no-docker          do not look for a container runtime
  --no-ebpf            do not start the eBPF helper
  --all-disks          also show idle loop/ram devices
  -h, --help           show this help
  -v, --version        show the version

snapshot options:
  --json               print JSON (the only format; required)
  --interval MS        time between the two samples (default 1000)
  --processes          include processes (whole host and per container)

Docs: README.md, docs/snapshot.md, docs/ebpf-protocol.md`;

class UsageError extends Error {}

/**
 * A snapshot's first sample is retaken while the helper's cut was further from it than this (ms): 0.2% of
 * the interval, at least 1.5 ms (the host files take most of a millisecond to read).
 */
const maxCutSkewMs = (intervalMs: number): number => Math.max(1.5, intervalMs * 0.002);
/** How far ahead a snapshot agrees with the helper on the moment of each sample (ms). */
const ALIGNED_CUT_MS = 40;

interface Parsed {
  command: 'tui' | 'snapshot';
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
        json: { type: 'boolean' },
        interval: { type: 'string' },
        processes: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError(oneLine(err));
  }
  const [cmd, ...rest] = parsed.positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (cmd !== undefined && cmd !== 'snapshot') throw new UsageError(`unknown command '${cmd}'`);
  const command = cmd === 'snapshot' ? 'snapshot' : 'tui';
  const v = parsed.values;
  if (command === 'tui') {
    for (const k of ['json', 'interval', 'processes'] as const)
      if (v[k] !== undefined) throw new UsageError(`--${k} goes with 'snapshot'`);
  }
  if (command === 'snapshot' && !v.json && !v.help) throw new UsageError(`snapshot needs --json`);
  return { command, values: v };
}

function intOption(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${String(v)}'`);
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
  const refresh = intOption(values.refresh, 'refresh', 250, 10_000);
  if (refresh !== undefined) cfg.refreshMs = refresh;
  if (typeof values['docker-host'] === 'string') cfg.dockerHost = values['docker-host'];
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

async function runTui(values: Parsed['values']): Promise<number> {
  const cfg = loadSettings(values);
  const themeName = chooseThemeName(typeof values.theme === 'string' ? values.theme : cfg.theme, process.env, terminalColors());
  const theme = loadTheme(themeName); // unknown name: the error lists the themes there
  const keyTable = bindings(cfg.keys);
  if (!process.stdout.isTTY) throw new UsageError('the monitor needs a terminal on stdout (use `tailtop snapshot --json` for scripts)');

  const { createTui } = await import('./ui/app.js');
  const { restoreTerminal } = await import('./ui/screen.js');
  // The first frame must not wait for slow facts or for loading the Docker client: start with what
  // node:os knows and fill in the rest when it arrives.
  const facts = quickFacts();
  let containers: ContainerSource | null = null;
  const ebpf = cfg.ebpf ? new EbpfSupervisor({ intervalMs: 1000 }) : null;
  const store = new Store(300);
  const sampler = await makeSampler(cfg, { store, containers, ebpf, refreshMs: cfg.refreshMs });

  return await new Promise<number>((resolve) => {
    let done = false;
    let stopWatching = (): void => {};
    let tui: ReturnType<typeof createTui> | null = null;
    const finish = (code: number, err?: unknown): void => {
      if (done) return;
      done = true;
      stopWatching();
      sampler.stop();
      try {
        tui?.destroy();
      } finally {
        restoreTerminal();
      }
      if (err !== undefined) process.stderr.write(`tailtop: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      void Promise.allSettled([containers?.stop(), ebpf?.stop()]).then(() => resolve(code));
    };
    const onSignal = (sig: NodeJS.Signals) => () => finish(sig === 'SIGINT' ? 130 : 128 + (sig === 'SIGTERM' ? 15 : 1));
    process.once('SIGTERM', onSignal('SIGTERM'));
    process.once('SIGHUP', onSignal('SIGHUP'));
    process.once('SIGINT', onSignal('SIGINT'));
    process.on('uncaughtException', (err) => finish(1, err));
    process.on('unhandledRejection', (err) => finish(1, err));
    process.once('exit', () => restoreTerminal());

    try {
      tui = createTui({
        store,
        facts,
        theme,
        bindings: keyTable,
        refreshMs: sampler.refreshMs,
        onRefreshChange: (ms) => sampler.setRefresh(ms),
        onWantsChange: (w) => sampler.setWants(w),
        onQuit: () => finish(0),
      });
    } catch (err) {
      finish(1, err);
      return;
    }
    sampler.on('frame', () => tui?.update());
    sampler.once('frame', () => void readStaticFacts().then((f) => Object.assign(facts, f)));
    // Test hook: an uncaught error after the first frames, to check that the terminal is restored.
    if (process.env.TAILTOP_FAULT === 'throw')
      setTimeout(() => {
        throw new Error('injected fault (TAILTOP_FAULT=throw)');
      }, 1500);
    void ebpf?.start();
    sampler.start();
    // The Docker client is loaded only once there is an endpoint to talk to (it costs memory and start-up
    // time); until then the containers view says no runtime was found, and we look again every 10 s.
    if (!values['no-docker'])
      stopWatching = whenEndpointAppears(cfg.dockerHost, () =>
        void loadContainerSource(cfg.dockerHost).then((src) => {
          if (done) return;
          containers = src;
          sampler.setContainerSource(src);
          return src.start();
        }),
      );
  });
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

async function main(argv: string[]): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (err) {
    process.stderr.write(`tailtop: ${oneLine(err)}\n\n${USAGE}\n`);
    return 2;
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
    return p.command === 'snapshot' ? await runSnapshot(p.values) : await runTui(p.values);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`tailtop: ${err.message}\n`);
      return 2;
    }
    if (err instanceof Error && /^unknown theme/i.test(err.message)) {
      process.stderr.write(`tailtop: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`tailtop: ${oneLine(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`tailtop: ${oneLine(err)}\n`);
    process.exit(1);
  },
);

