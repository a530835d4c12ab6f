// `tailtop agent [--store DIR] [--interval MS] [--retain DURATION] [--max-size SIZE]`: the headless agent
// (meant for a service manager: contrib/tailtop-agent.service). Exit 0 after SIGTERM/SIGINT (the store is
// flushed first), 2 for a usage or configuration error, 1 when the store cannot be written (another agent
// holds it, permissions, corrupt file: one line naming the file).
import '../ui/term/v8-tuning.js'; // first: V8's young generation kept small (about 10 MiB less peak RSS), as in the monitor
import { configFromFlags, dockerHostFlag, intFlag, parseCommandFlags, storeFlag, stringFlag, type CommandIo, type FlagOptions } from '../config/flags.js';
import { errorLine, exitCodeOf, oneSafeLine } from '../errors.js';
import { StoreError } from '../record/errors.js';
import { Agent } from './agent.js';
import { AGENT_DEFAULTS, defaultStoreDir, describeRetain, describeSize, parseRetain, parseSize } from './options.js';
import { figuresOf } from '../model/catalogue.js';
import type { Attached } from '../export/live.js';
import { listenFromFlags } from '../export/listen.js';
import { quickFacts, readStaticFacts } from '../sources/sysinfo.js';

export const AGENT_USAGE = `Usage:
  tailtop agent [options]      sample like the monitor, without a terminal, and record every tick

Options:
  --store DIR          the store (default: /var/lib/tailtop as root, else $XDG_STATE_HOME/tailtop)
  --interval MS        time between samples, 250..60000 ms (default 1000)
  --retain DURATION    keep this much history, e.g. 7d, 36h, 90m (default 7d)
  --max-size SIZE      cap the store's size, e.g. 2GiB, 500MB (default 2GiB; the oldest data goes first)
  --config FILE        config file (docker_host, ebpf, show_all_disks)
  --docker-host URL    Docker/Podman endpoint (default: DOCKER_HOST, /var/run/docker.sock, podman sockets)
  --no-docker          do not look for a container runtime
  --no-ebpf            do not start the eBPF helper
  --listen ADDR:PORT   serve /metrics (Prometheus) and the JSON API (docs/api.md); loopback unless
                       --auth-token-file FILE or --tls-cert FILE --tls-key FILE is given

The [[alert]] rules of the config are evaluated every tick (hook commands on fire and resolve).

SIGTERM or SIGINT flushes the store and exits 0. Docs: README.md ("Agent"), docs/store.md`;

/** One line for any error; a store's own (locked, permission, corrupt...) as it says it, naming the file. */
export function storeErrorLine(err: unknown): string {
  return err instanceof StoreError ? oneSafeLine(err.message) : errorLine(err);
}

const AGENT_FLAGS: FlagOptions = {
  store: { type: 'string' },
  interval: { type: 'string' },
  retain: { type: 'string' },
  'max-size': { type: 'string' },
  config: { type: 'string' },
  'docker-host': { type: 'string' },
  'no-docker': { type: 'boolean' },
  'no-ebpf': { type: 'boolean' },
  listen: { type: 'string' },
  'auth-token-file': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
};

/** What the agent keeps of what it attached (attachLive's, or NOTHING_ATTACHED). */
type AgentAttached = Pick<Attached, 'live' | 'stop'> & { alerts: { stop(): void } };

/** What an agent without --listen and alert rules attaches: nothing (the export code is not even loaded). */
const NOTHING_ATTACHED: AgentAttached = {
  live: null,
  alerts: { stop: () => undefined },
  stop: async () => undefined,
};

export async function runAgentCommand(argv: string[], version: string, io: CommandIo): Promise<number> {
  const values = parseCommandFlags(argv, AGENT_FLAGS, AGENT_USAGE, io);
  if (typeof values === 'number') return values;
  const say = (line: string): void => io.err(`tailtop agent: ${line}\n`);
  let agent: Agent;
  let attached: AgentAttached;
  try {
    const cfg = configFromFlags(values);
    const intervalMs = intFlag(values, 'interval', 250, 60_000) ?? AGENT_DEFAULTS.intervalMs;
    const retainText = stringFlag(values, 'retain');
    const retainMs = retainText === undefined ? AGENT_DEFAULTS.retainMs : parseRetain(retainText);
    const sizeText = stringFlag(values, 'max-size');
    const maxBytes = sizeText === undefined ? AGENT_DEFAULTS.maxBytes : parseSize(sizeText);
    const storeDir = storeFlag(values) ?? defaultStoreDir();
    const dockerHost = dockerHostFlag(values) ?? cfg.dockerHost;
    // /metrics, the JSON API and alert rules load the export and query code; an agent that only records does not.
    const listen = listenFromFlags(values);
    const live = listen || cfg.alerts.length > 0 ? await import('../export/live.js') : null;
    agent = await Agent.start({
      storeDir,
      intervalMs,
      retainMs,
      maxBytes,
      version,
      dockerHost,
      docker: !values['no-docker'],
      ebpf: cfg.ebpf && !values['no-ebpf'],
      showAllDisks: cfg.showAllDisks,
      figuresOf,
      // Frames only for what reads them: alert rules, /metrics and the JSON API.
      frames: listen !== null || cfg.alerts.length > 0,
      say,
      // Test hook: one line per tick on stdout, "recorded <wallMs>" (or "lost <wallMs>").
      ...(process.env['TAILTOP_AGENT_TRACE'] === '1' ? { onAppend: (set, ok) => io.out(`${ok ? 'recorded' : 'lost'} ${set.wallMs}\n`) } : {}),
    });
    say(`recording to ${agent.recording.file} every ${intervalMs} ms (retain ${describeRetain(retainMs)}, at most ${describeSize(maxBytes)})`);
    // Alert rules and, with --listen, /metrics and the JSON API: the monitor's code, attached to this sampler.
    // Static facts (systeminformation: ~9 MiB and subprocesses at load) only for what serves them (--listen).
    const facts = quickFacts();
    if (listen) void readStaticFacts().then((f) => Object.assign(facts, f));
    const started = agent;
    attached = live
      ? await live
          .attachLive(agent.sampler, {
            listen,
            rules: cfg.alerts,
            settings: cfg.export,
            version,
            facts: () => facts,
            showAllDisks: cfg.showAllDisks,
            onProblem: say,
            // Transitions to firing and resolved go to the store (the report's alert intervals).
            onTransitions: (t) => started.recording.recordAlerts(t),
            range: (await import('../query/api.js')).rangeHandler({ dir: storeDir, version, showAllDisks: cfg.showAllDisks }),
          })
          .catch(async (e: unknown) => {
            await started.stop();
            throw e;
          })
      : NOTHING_ATTACHED;
    if (attached.live) say(`serving /metrics and /api/v1 on ${listen!.tls ? 'https' : 'http'}://${attached.live.host.includes(':') ? `[${attached.live.host}]` : attached.live.host}:${attached.live.port}${listen!.token ? ' (bearer token required)' : ''}`);
    if (cfg.alerts.length) say(`evaluating ${cfg.alerts.length} alert rule${cfg.alerts.length === 1 ? '' : 's'} every tick`);
  } catch (err) {
    io.err(`tailtop: ${storeErrorLine(err)}\n`);
    return exitCodeOf(err);
  }
  return await new Promise<number>((resolve) => {
    let stopping = false;
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.on(sig, () => {
        if (stopping) {
          // A second signal: close the store on this thread and go.
          attached.alerts.stop();
          agent.stopNow();
          resolve(0);
          return;
        }
        stopping = true;
        say(`${sig}: flushing the store and stopping`);
        Promise.all([attached.stop(), agent.stop()]).then(
          () => resolve(0),
          (err: unknown) => {
            io.err(`tailtop: ${errorLine(err)}\n`);
            resolve(1);
          },
        );
      });
    }
  });
}
