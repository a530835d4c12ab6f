// The real sources of this machine, as the sampler takes them (sources/types.ts): the monitor, `snapshot`
// and `agent` all build theirs here.
import { readHostSample } from './procfs/read-host.js';
import { hasProcfs, readHostSampleSysinfo } from './sysinfo.js';
import { findEndpoint } from './docker/endpoint.js';
import type { ContainerSource } from './docker/container-source.js';
import type { ContainersSource, HostSource } from './types.js';

/** /proc where there is one, else systeminformation (not Linux). */
export async function liveHostSource(): Promise<HostSource> {
  if (await hasProcfs('/')) return { read: (atMs) => readHostSample({ atMs }) };
  return { read: (atMs) => readHostSampleSysinfo(atMs) };
}

/** The Docker/Podman source (the module, and dockerode with it, is loaded on first use). */
export async function loadContainerSource(dockerHost: string | null): Promise<ContainerSource> {
  const { ContainerSource } = await import('./docker/container-source.js');
  return new ContainerSource({ dockerHost: dockerHost ?? undefined });
}

/**
 * The sampler's `findContainers`: null while no endpoint exists (nothing is loaded: the Docker client costs
 * memory and start-up time); once one does (or a malformed one is named: the source then reports the error),
 * the source, started. `keep(src)` says whether it is still wanted (false: the process is stopping).
 */
export function containerFinder(dockerHost: string | null, keep: (src: ContainerSource) => boolean): () => Promise<ContainersSource | null> {
  return async () => {
    const r = findEndpoint(dockerHost ?? undefined);
    if (r.endpoint == null && r.error == null) return null;
    const src = await loadContainerSource(dockerHost);
    if (!keep(src)) return null;
    void src.start();
    return src;
  };
}
