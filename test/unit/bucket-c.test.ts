// The helper's C bucket function (bpf/tailtop.h, tt_bucket_of: the one the BPF programs use) compiled with
// the host compiler, against the TypeScript bucketIndex: the same bucket for every 2^p ± 3 up to 2^63, and
// for the top of the range. Unsigned 64-bit values go to C as decimal text.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, requirement } from '../env.js';
import { bucketIndex, bucketLower, bucketUpper, LAST_BUCKET } from '../../src/model/histogram.js';

function compiler(): string | null {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang']) {
    if (!cc) continue;
    try {
      execFileSync(cc, ['--version'], { stdio: 'pipe' });
      return cc;
    } catch {
      // try the next one
    }
  }
  return null;
}

const cc = compiler();
const skip = requirement('a C compiler', cc !== null, 'no cc, gcc or clang on PATH') !== null;
const dir = mkdtempSync(join(tmpdir(), 'tailtop-bucket-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROGRAM = `
#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>
#include "tailtop.h"
int main(void) {
  char line[64];
  while (fgets(line, sizeof line, stdin)) printf("%u\\n", tt_bucket_of(strtoull(line, NULL, 10)));
  return 0;
}
`;

/** Every 2^p - 3 .. 2^p + 3 for p = 0..63 (those >= 0), 0..20, and the largest u64. */
function edges(): bigint[] {
  const out = new Set<bigint>();
  for (let v = 0n; v <= 20n; v++) out.add(v);
  for (let p = 0n; p <= 63n; p++) for (let d = -3n; d <= 3n; d++) if ((1n << p) + d >= 0n) out.add((1n << p) + d);
  out.add((1n << 64n) - 1n);
  return [...out].sort((a, b) => (a < b ? -1 : 1));
}

describe.skipIf(skip)('bucket function: C (bpf/tailtop.h) = TypeScript (model/histogram.ts)', () => {
  it('agrees on every 2^p ± 3 up to 2^63 and on the largest value', () => {
    const src = join(dir, 'bucket.c');
    const bin = join(dir, 'bucket');
    writeFileSync(src, PROGRAM);
    execFileSync(cc!, ['-O2', '-Wall', '-Werror', '-I', join(REPO, 'bpf'), src, '-o', bin], { stdio: 'pipe' });
    const values = edges();
    const c = execFileSync(bin, { input: values.map(String).join('\n') + '\n' }).toString().trim().split('\n').map(Number);
    expect(c).toHaveLength(values.length);
    const mismatches = values.filter((v, i) => bucketIndex(Number(v)) !== c[i]).map((v, i) => `${v}: C ${c[i]} TS ${bucketIndex(Number(v))}`);
    expect(mismatches).toEqual([]);
    // and the buckets are what the docs say: v lies in [lower, upper) of its bucket, the last one open
    values.forEach((v, i) => {
      const b = c[i]!;
      expect(BigInt(bucketLower(b)) <= v).toBe(true);
      if (b < LAST_BUCKET) expect(v < BigInt(bucketUpper(b))).toBe(true);
    });
    // the last bucket starts at 15 << 38 ns, about 68.7 minutes
    expect(bucketLower(LAST_BUCKET)).toBe(15 * 2 ** 38);
    expect(bucketLower(LAST_BUCKET) / 60e9).toBeCloseTo(68.7, 1);
  });
});
