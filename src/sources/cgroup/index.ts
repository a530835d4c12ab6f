// Per-container counters from cgroup files. The parts: reader.ts (resolve a container's cgroups from
// /proc/<init pid>/cgroup, then re-read its files every poll through cached descriptors), v1.ts / v2.ts (the
// files of each hierarchy), net-dev.ts (its network namespace's counters), pids.ts (its processes),
// nested.ts (cgroups below it), detect.ts / resolve.ts (mounts and paths). This file only re-exports.
export type { CgroupLayout, CgroupMode } from './detect.js';
export { detectCgroupLayout, parseMountinfo } from './detect.js';
export { containerIdFromCgroupPath, containerIdsFromCgroupPath, parsePidCgroup, resolveCgroup } from './resolve.js';
export { nestedCgroupIds } from './nested.js';
export { sumNetDev } from './net-dev.js';
export { listCgroupPids, parsePidList } from './pids.js';
export {
  CgroupCounterReader,
  LIMITS_EVERY,
  cgroupReaderStats,
  closeCgroupReaders,
  listContainerPids,
  pruneContainerCache,
  readContainerCounters,
  type ReadCountersOptions,
  type ReadCountersResult,
} from './reader.js';
