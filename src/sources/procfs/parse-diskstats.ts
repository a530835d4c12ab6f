// /proc/diskstats -> DiskCounters[]. Pure. Layout after "major minor name":
//   1 reads completed, 2 reads merged, 3 sectors read, 4 ms reading, 5 writes completed, 6 writes merged,
//   7 sectors written, 8 ms writing, 9 in flight, 10 io_ticks ms, 11 weighted ms          (14 fields total)
//   12-15 discards completed/merged/sectors/ms                              (Linux 4.18+, 18 fields total)
//   16-17 flushes completed/ms                                              (Linux 5.5+,  20 fields total)
// Sectors are always 512 bytes here, whatever the device's logical block size.
// `parent` is left null: whether a device is a partition is decided by the reader (from /sys, or
// `partitionParentByName` when /sys is absent).
import type { DiskCounters } from '../../model/types.js';
import { fields, numberedLines, show, uint } from './parse-util.js';

export function parseDiskstats(text: string, file = '/proc/diskstats'): { rows: DiskCounters[]; errors: string[] } {
  const rows: DiskCounters[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const { no, line } of numberedLines(text)) {
    const where = `${file} line ${no}`;
    const t = fields(line);
    if (t.length < 14) {
      errors.push(`${where}: expected 14+ fields, got ${t.length}`);
      continue;
    }
    const name = t[2]!;
    const nums: number[] = [];
    let bad = -1;
    const upto = Math.min(t.length, 20);
    for (let i = 0; i < upto; i++) {
      if (i === 2) {
        nums.push(0);
        continue;
      }
      const n = uint(t[i]);
      if (n === null) {
        bad = i;
        break;
      }
      nums.push(n);
    }
    if (bad >= 0) {
      errors.push(`${where}: field ${bad + 1} is not a number: ${show(t[bad])}`);
      continue;
    }
    if (seen.has(name)) {
      errors.push(`${where}: duplicate device ${show(name)}`);
      continue;
    }
    seen.add(name);
    rows.push({
      name,
      major: nums[0]!,
      minor: nums[1]!,
      readsCompleted: nums[3]!,
      readSectors: nums[5]!,
      writesCompleted: nums[7]!,
      writeSectors: nums[9]!,
      ioTicksMs: nums[12]!,
      discardsCompleted: t.length >= 18 ? nums[14]! : null,
      flushesCompleted: t.length >= 20 ? nums[18]! : null,
      parent: null,
    });
  }
  return { rows, errors };
}

/**
 * Name-based guess of a partition's whole disk, for when /sys is not available: "sda1" -> "sda",
 * "nvme0n1p1" -> "nvme0n1", "mmcblk0p1" -> "mmcblk0". The candidate parent must be among `names` (the
 * devices listed in the same diskstats), so "loop0", "dm-0", "md0", "zram0" stay whole disks.
 */
export function partitionParentByName(name: string, names: ReadonlySet<string>): string | null {
  // "<disk ending in a digit>p<N>": nvme0n1p1, mmcblk0p1, loop0p1, md127p1, nbd0p1.
  const p = /^(.*\d)p\d+$/.exec(name);
  if (p && names.has(p[1]!)) return p[1]!;
  // "<disk ending in a letter><N>": sda1, vdb2, xvda1, hdc3.
  const d = /^(.*[a-z])\d+$/.exec(name);
  if (d && names.has(d[1]!)) return d[1]!;
  return null;
}
