// `--listen`: the live /metrics endpoint and the JSON API of a running process (the TUI or the headless
// agent), attached to its sampler with one call (listenFromFlags: listen.ts):
//
//   const live = await startExport(sampler, { listen: listenFromFlags(values), settings: cfg.export, ... });
//   ...
//   await live.stop();
//
// Each tick's frame and its SampleSet (the sampler's `frame` event) fill the Exporter (feed.ts); a scrape only
// formats what is held, so serving never reads a source or delays the sampler. The JSON API answers with the
// documents of `tailtop snapshot --json` (docs/api.md) built from the newest frame.
import type { Frame, StaticFacts } from '../model/types.js';
import type { SampleSet } from '../model/sample-set.js';
import type { ExportSettings } from '../config/alerts.js';
import { UsageError } from '../errors.js';
import type { Exporter } from './exporter.js';
import { AlertBoard } from './alert-board.js';
import type { AlertTransition } from './alerts.js';
import { ListenError, type ListenConfig } from './listen.js';
import type { ExportServer, Handler, Reply, ServerLimits } from './server.js';

/** Anything that emits each tick's frame with the SampleSet it was built from (the Sampler, the agent's). */
export interface LiveSource {
  on(event: 'frame', listener: (frame: Frame, set: SampleSet) => void): unknown;
  off(event: 'frame', listener: (frame: Frame, set: SampleSet) => void): unknown;
}

export interface LiveExportOptions {
  listen: ListenConfig;
  settings: ExportSettings;
  version: string;
  facts: () => StaticFacts;
  /** The sampler's interval (the snapshot document's `intervalSec` before a second frame). */
  intervalMs: () => number;
  alerts?: AlertBoard | null;
  showAllDisks?: boolean;
  clockTicks?: number;
  /** GET /api/v1/range over a recording; absent: 501 with the reason. */
  range?: Handler | null;
  limits?: Partial<ServerLimits>;
}

export interface LiveExport {
  host: string;
  port: number;
  server: ExportServer;
  exporter: Exporter;
  stop(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export function jsonReply(status: number, doc: unknown): Reply {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(doc)}\n` };
}

/** Where the range query is not available yet (no recording in this process). */
export const RANGE_UNAVAILABLE: Handler = () =>
  jsonReply(501, { error: 'GET /api/v1/range needs the query over a recording, which this build does not have yet (docs/api.md)' });

/** Listen and serve /metrics and /api/v1/* from the source's ticks. Rejects with a UsageError when it cannot bind. */
export async function startExport(source: LiveSource, o: LiveExportOptions): Promise<LiveExport> {
  // Loaded here: a process without --listen (the monitor, mostly) never needs the server or the exporter.
  const [{ toSnapshot }, { Exporter }, { ExportFeed }, { ExportServer, metricsHandler }] = await Promise.all([
    import('../snapshot.js'),
    import('./exporter.js'),
    import('./feed.js'),
    import('./server.js'),
  ]);
  const exporter = new Exporter(o.settings, { version: o.version });
  const feed = new ExportFeed(exporter, { facts: o.facts, showAllDisks: o.showAllDisks, clockTicks: o.clockTicks });
  let latest: Frame | null = null;
  const onFrame = (frame: Frame, set: SampleSet): void => {
    feed.tick(set, frame);
    latest = frame;
  };

  const snapshot = (frame: Frame) => toSnapshot(frame, { facts: o.facts(), intervalMs: o.intervalMs(), processes: false, version: o.version });
  const server = new ExportServer(o.listen, o.limits);
  server.route(
    '/metrics',
    metricsHandler(() => {
      if (o.alerts) {
        const s = o.alerts.samples();
        exporter.setAlerts(s.active, s.commandRuns);
      }
      return exporter.families();
    }),
  );
  server.route('/api/v1/snapshot', () => (latest ? jsonReply(200, snapshot(latest)) : jsonReply(503, { error: 'no sample yet' })));
  server.route('/api/v1/containers/{id}', (req) => {
    if (!latest) return jsonReply(503, { error: 'no sample yet' });
    const found = findContainer(snapshot(latest).containers, req.params['id']!);
    return 'error' in found ? jsonReply(found.status, { error: found.error }) : jsonReply(200, found.container);
  });
  server.route('/api/v1/range', o.range ?? RANGE_UNAVAILABLE);
  server.route('/', () => ({ contentType: 'text/plain; charset=utf-8', body: 'tailtop: /metrics (Prometheus), /api/v1/snapshot, /api/v1/containers/{id}, /api/v1/range (docs/api.md)\n' }));

  let bound: { host: string; port: number };
  try {
    bound = await server.start();
  } catch (e) {
    if (e instanceof ListenError) throw new UsageError(e.message);
    throw e;
  }
  source.on('frame', onFrame);
  return {
    ...bound,
    server,
    exporter,
    async stop() {
      source.off('frame', onFrame);
      await server.stop();
    },
  };
}

/**
 * A container of the snapshot by full id, unique id prefix (at least 4 hex digits) or exact name.
 * 404 when none matches, 409 when a prefix names several.
 */
export function findContainer<C extends { id: string; name: string }>(list: readonly C[], key: string): { container: C } | { status: number; error: string } {
  const exact = list.find((c) => c.id === key || c.name === key);
  if (exact) return { container: exact };
  const byPrefix = /^[0-9a-f]{4,64}$/.test(key) ? list.filter((c) => c.id.startsWith(key)) : [];
  if (byPrefix.length === 1) return { container: byPrefix[0]! };
  if (byPrefix.length > 1) return { status: 409, error: `'${key}' matches ${byPrefix.length} containers: give more of the id` };
  return { status: 404, error: `no container '${key}' (by id, id prefix of 4+ hex digits, or name)` };
}

/** A sampler as `attachLive` needs it: its ticks (frames and sets), and its refresh interval. */
export interface LiveSampler extends LiveSource {
  readonly refreshMs: number;
}

export interface Attached {
  alerts: AlertBoard;
  /** The listener, when --listen was given. */
  live: LiveExport | null;
  stop(): Promise<void>;
}

/**
 * Everything a monitoring process attaches to its sampler (the TUI and the agent alike, one call): the alert
 * rules evaluated per frame with their hook commands, and with `listen` the /metrics + JSON API listener.
 * Call before the process's own frame listeners, so that alerts are evaluated before a frame is drawn.
 */
export async function attachLive(
  sampler: LiveSampler,
  o: Omit<LiveExportOptions, 'listen' | 'alerts' | 'intervalMs'> & {
    listen: ListenConfig | null;
    rules: AlertBoard['rules'];
    onProblem?: (line: string) => void;
    /** Each frame's alert transitions (a recording stores them: Recording.recordAlerts). */
    onTransitions?: (t: AlertTransition[]) => void;
  },
): Promise<Attached> {
  const alerts = new AlertBoard(o.rules, { onProblem: o.onProblem });
  const onFrame = (f: Frame): void => {
    const t = alerts.onFrame(f);
    if (t.length) o.onTransitions?.(t);
  };
  sampler.on('frame', onFrame);
  let live: LiveExport | null = null;
  try {
    if (o.listen) live = await startExport(sampler, { ...o, listen: o.listen, alerts, intervalMs: () => sampler.refreshMs });
  } catch (e) {
    sampler.off('frame', onFrame);
    throw e;
  }
  return {
    alerts,
    live,
    async stop() {
      sampler.off('frame', onFrame);
      alerts.stop();
      await live?.stop();
    },
  };
}
