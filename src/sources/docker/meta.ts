// Pure readers of daemon JSON: inspect -> ContainerMeta, /version -> runtime, one event line -> ContainerEvent.
// Daemon JSON is untrusted: every field is type-checked; names and labels are kept as data, never interpreted.
import type { ContainerMeta, Runtime } from '../../model/types.js';

type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function obj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!isObj(v)) return out;
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** CPU limit in cores: NanoCpus, else CpuQuota/CpuPeriod (period defaults to 100 ms). null = unlimited. */
export function cpuLimitCores(hostConfig: unknown): number | null {
  const hc = obj(hostConfig);
  const nano = num(hc.NanoCpus);
  if (nano !== null && nano > 0) return nano / 1e9;
  const quota = num(hc.CpuQuota);
  if (quota !== null && quota > 0) {
    const period = num(hc.CpuPeriod);
    return quota / (period !== null && period > 0 ? period : 100_000);
  }
  return null;
}

/** Container id from an inspect document, or null when it is not one. */
export function inspectId(doc: unknown): string | null {
  return isObj(doc) ? str(doc.Id) : null;
}

/** inspect JSON -> ContainerMeta. null when the document lacks an Id. */
export function metaFromInspect(doc: unknown, runtime: Runtime): ContainerMeta | null {
  if (!isObj(doc)) return null;
  const id = str(doc.Id);
  if (!id) return null;
  const state = obj(doc.State);
  const config = obj(doc.Config);
  const hc = obj(doc.HostConfig);
  const rawName = str(doc.Name) ?? '';
  const name = rawName.startsWith('/') ? rawName.slice(1) : rawName;
  const pid = num(state.Pid);
  const memory = num(hc.Memory);
  const labels = labelsOf(config.Labels);
  let status = str(state.Status);
  if (status === null) {
    // Very old daemons: derive from the booleans.
    status = state.Paused === true ? 'paused' : state.Running === true ? 'running' : 'exited';
  }
  const created = str(doc.Created);
  const createdMs = created ? Date.parse(created) : NaN;
  return {
    id,
    name: name || id.slice(0, 12),
    image: str(config.Image) ?? str(doc.ImageName) ?? str(doc.Image) ?? '',
    runtime,
    state: status,
    initPid: pid !== null && pid > 0 ? pid : null,
    cpuLimitCores: cpuLimitCores(hc),
    memoryLimitBytes: memory !== null && memory > 0 ? memory : null,
    labels,
    composeProject: labels[COMPOSE_PROJECT] ?? null,
    composeService: labels[COMPOSE_SERVICE] ?? null,
    hostNetwork: str(hc.NetworkMode) === 'host',
    createdSec: Number.isFinite(createdMs) && createdMs > 0 ? Math.floor(createdMs / 1000) : null,
  };
}

/** Podman's compat /version names a "Podman Engine" component (and Platform.Name mentions Podman). */
export function runtimeFromVersion(doc: unknown): Runtime {
  if (!isObj(doc)) return 'docker';
  const platform = obj(doc.Platform);
  if (/podman/i.test(str(platform.Name) ?? '')) return 'podman';
  const comps = Array.isArray(doc.Components) ? doc.Components : [];
  for (const c of comps) if (isObj(c) && /podman/i.test(str(c.Name) ?? '')) return 'podman';
  return 'docker';
}

export interface ContainerEvent {
  id: string;
  /** Base action: "exec_start: sh" -> "exec_start", "health_status: healthy" -> "health_status". */
  action: string;
}

/** One event line (JSON) -> a container event, or null for non-container or malformed lines. */
export function parseEvent(line: string): ContainerEvent | null {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObj(doc)) return null;
  const type = str(doc.Type) ?? str(doc.type);
  if (type !== null && type !== 'container') return null;
  const actor = obj(doc.Actor);
  const id = str(actor.ID) ?? str(doc.id) ?? str(doc.ID);
  const action = str(doc.Action) ?? str(doc.status) ?? str(doc.Status);
  if (!id || !action) return null;
  const base = action.split(':')[0]!.trim();
  return { id, action: base };
}

/** What an event means for the inventory. */
export type EventEffect = 'remove' | 'refresh' | 'ignore';

const IGNORED = new Set([
  'exec_create',
  'exec_start',
  'exec_die',
  'exec_detach',
  'attach',
  'detach',
  'resize',
  'top',
  'health_status',
  'copy',
  'archive-path',
  'extract-to-dir',
  'export',
  'commit',
  'mount',
  'unmount',
  'sync',
  'checkpoint',
]);

export function eventEffect(action: string): EventEffect {
  if (action === 'destroy' || action === 'remove') return 'remove';
  if (IGNORED.has(action)) return 'ignore';
  // create, start, restart, die/died, stop, kill, pause, unpause, rename, update, oom, init, cleanup, ...
  return 'refresh';
}
