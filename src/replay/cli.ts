// Opening a recording for the TUI: `tailtop replay [--store DIR] [--at T]` (replay mode), and the history
// of `tailtop --record` (the live monitor over the store it writes). One line naming the file when the store
// cannot be read; a bad --at names the flag.
import os from 'node:os';
import { RuntimeError } from '../errors.js';
import { parseTimeArg } from '../config/time-args.js';
import type { FreezableStore } from '../store/read-store.js';
import type { StaticFacts } from '../model/types.js';
import type { StoreReader } from '../record/reader.js';
import { readHostIdentity } from '../record/schema.js';
import { Replay } from './replay.js';
import { TimeTravel } from './time-travel.js';

export interface OpenedRecording {
  reader: StoreReader;
  replay: Replay;
  travel: TimeTravel;
  facts: StaticFacts;
  /** The recording's interval (ms) as its newest session says. */
  intervalMs: number;
  close(): void;
}

export interface OpenOptions {
  dir: string;
  version: string;
  showAllDisks: boolean;
  /** --at as typed (replay), or undefined: the newest sample. */
  at?: string;
  /** history: the live store the monitor shows until a back key. */
  live?: FreezableStore;
}

export async function openRecording(o: OpenOptions): Promise<OpenedRecording> {
  const { StoreReader } = await import('../record/reader.js');
  let reader: StoreReader;
  try {
    reader = StoreReader.open(o.dir, { tailtopVersion: o.version });
  } catch (err) {
    // (the agent's module only for its error line: loading it costs the open ~40-80 ms)
    const { storeErrorLine } = await import('../agent/cli.js');
    throw new RuntimeError(storeErrorLine(err));
  }
  try {
    const now = (): number => Date.now();
    const at = o.at === undefined ? undefined : parseTimeArg('--at', o.at, now());
    const span = reader.span();
    const history = o.live !== undefined;
    if (!history && !span) throw new RuntimeError(`store ${reader.file} holds no samples yet (start \`tailtop agent\`, or the monitor with --record)`);
    const sessions = reader.sessions();
    const last = sessions[sessions.length - 1];
    const replay = new Replay(reader, { frame: { showAllDisks: o.showAllDisks, clockTicks: 100, view: { latencyWindow: '1s', containerId: null } } });
    const travel = new TimeTravel(reader, replay, { kind: history ? 'history' : 'replay', now, ...(o.live ? { live: o.live } : {}) });
    if (!history && span) replay.jump(at === undefined ? span.toMs : Math.min(span.toMs, Math.max(span.fromMs, at)));
    const set = replay.current?.set ?? null;
    // The store keeps no kernel release: this machine's is the recording's when the replayed time was
    // recorded during this boot (as the report says it), else it is not known.
    const session = set ? (sessions.find((s) => s.startedMs <= set.wallMs && (s.endedMs ?? Infinity) >= set.wallMs) ?? last) : last;
    const thisBoot = session?.bootId != null && session.bootId === readHostIdentity().bootId;
    const facts: StaticFacts = history
      ? { hostname: os.hostname(), kernel: os.release(), os: os.type(), cpuModel: os.cpus()[0]?.model ?? '', cpuCount: os.cpus().length }
      : {
          hostname: reader.info.hostname ?? last?.hostname ?? '',
          kernel: thisBoot ? os.release() : 'unknown (another boot)',
          os: 'Linux',
          cpuModel: thisBoot ? (os.cpus()[0]?.model ?? '') : '',
          cpuCount: set?.host.stat?.cores.length ?? 0,
        };
    return {
      reader,
      replay,
      travel,
      facts,
      intervalMs: last?.intervalMs ?? 1000,
      close: () => {
        replay.stop();
        reader.close();
      },
    };
  } catch (err) {
    reader.close();
    throw err;
  }
}
