import { describe, expect, it } from 'vitest';
import { isRunImage } from '../global-setup.js';
import { runImage } from '../env.js';

describe("a run's teardown and other runs' loop images", () => {
  it("claims only images named with its own run id", () => {
    const mine = runImage('/dev/shm', 'windows');
    expect(isRunImage(process.env.TAILTOP_TEST_RUN ?? 'norun', mine)).toBe(true);
    expect(isRunImage('otherrun', mine)).toBe(false);
    expect(isRunImage('abc', '/var/tmp/tailtop-abc-lost-inflight-42.img')).toBe(true);
    expect(isRunImage('abc', '/var/tmp/tailtop-abcd-lost-inflight-42.img')).toBe(false);
    expect(isRunImage('abc', '/dev/shm/tailtop-windows-42.img')).toBe(false); // the old, run-less names
    expect(isRunImage('abc', '/dev/shm/tailtop-abc-x.img.bak')).toBe(false);
  });
});
