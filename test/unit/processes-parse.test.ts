import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { commandOf, parseCmdline, parsePidStat, parsePidStatSplit, parsePidStatus } from '../../src/sources/processes/parse-pid.js';
import { containerIdFromPidCgroup, parsePasswd } from '../../src/sources/processes/read-processes.js';

const REAL_STAT = '1 (process_api) S 0 0 0 0 -1 4194560 112157 5244915 69 712 163 1043 25080 7263 20 0 12 0 30 49012736 4783 18446744073709551615 1 1 0 0 0 0 0 4096 1088 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';

describe('parsePidStat', () => {
  it('reads the fields after comm', () => {
    const { value, error } = parsePidStat(REAL_STAT);
    expect(error).toBeNull();
    expect(value).toEqual({
      pid: 1, comm: 'process_api', state: 'S', ppid: 0, utimeTicks: 163, stimeTicks: 1043, threads: 12,
      startTicks: 30, vsizeBytes: 49012736, rssPages: 4783,
      execMark: 1, // start_code 1, start_stack 0: what the kernel shows when it hides them
    });
  });

  it('comm with spaces and parentheses: parsed from the last ")"', () => {
    const t = REAL_STAT.replace('(process_api)', '(a) b) (c d)');
    const { value } = parsePidStat(t);
    expect(value?.comm).toBe('a) b) (c d');
    expect(value?.utimeTicks).toBe(163);
    expect(value?.threads).toBe(12);
  });

  it('garbage and truncated lines: null with the file and field named', () => {
    expect(parsePidStat('garbage', 'f').error).toBe('f: no "(comm)" field');
    expect(parsePidStat('x (a) S 1', 'f').error).toBe('f: pid is not a number');
    expect(parsePidStat('7 (a) S 1 2 3', 'f').error).toMatch(/^f: expected at least 24 fields/);
    expect(parsePidStat(REAL_STAT.replace(' 163 ', ' x '), 'f').error).toBe('f: utime (field 14) is not a number');
    fc.assert(fc.property(fc.string(), (s) => void parsePidStat(s)));
  });

  // parsePidStat reads the kernel's exact layout in place and leaves anything else to the general split:
  // wherever both can answer they must give the same value or the same error.
  // mostly numbers (most generated lines are whole), now and then a damaged field
  const fields = fc.array(
    fc.oneof(
      { arbitrary: fc.nat(), weight: 200 },
      { arbitrary: fc.integer({ min: -5, max: 5 }), weight: 20 },
      { arbitrary: fc.constantFrom(18446744073709551615n, 2n ** 53n + 1n, 123456789012345678n).map(String), weight: 10 },
      { arbitrary: fc.constantFrom('x', '', '1\t2', '-', '07', '1.5'), weight: 1 },
    ),
    { minLength: 20, maxLength: 52 },
  );
  const comm = fc.oneof(fc.string({ maxLength: 16 }), fc.constantFrom('a) b) (c d', 'x)', '(', ') ', 'kworker/0:1'));
  it('the in-place read and the general split agree on generated and damaged lines', () => {
    let whole = 0;
    fc.assert(
      fc.property(fc.nat(), comm, fc.constantFrom('S', 'R', 'D', ' ', 'SS', ''), fields, fc.constantFrom('\n', '', ' \n', '\r\n'), fc.constantFrom('', ' '), (pid, c, state, fs, end, lead) => {
        const line = `${lead}${pid} (${c}) ${state} ${fs.join(' ')}${end}`;
        const r = parsePidStat(line, 'f');
        expect(r).toEqual(parsePidStatSplit(line, 'f'));
        if (r.value) whole++;
      }),
      { numRuns: 3000 },
    );
    expect(whole).toBeGreaterThan(300); // the in-place read was tried on whole lines, not only on damaged ones
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(parsePidStat(s, 'f')).toEqual(parsePidStatSplit(s, 'f'));
      }),
    );
    for (let i = 0; i < REAL_STAT.length; i++) {
      const cut = REAL_STAT.slice(0, i);
      expect(parsePidStat(cut, 'f')).toEqual(parsePidStatSplit(cut, 'f'));
      const hole = REAL_STAT.slice(0, i) + ' ' + REAL_STAT.slice(i);
      expect(parsePidStat(hole, 'f')).toEqual(parsePidStatSplit(hole, 'f'));
    }
  });

  it("agrees with the general split on every live process's stat", () => {
    let n = 0;
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      expect(parsePidStat(text)).toEqual(parsePidStatSplit(text));
      expect(parsePidStat(text).value).not.toBeNull();
      n++;
    }
    expect(n).toBeGreaterThan(0);
  });
});

describe('parsePidStatus', () => {
  it('effective uid, ppid, threads, Vm* in bytes', () => {
    const t = 'Name:\tcat\nPPid:\t7022\nUid:\t1000\t1001\t1000\t1000\nVmSize:\t    3060 kB\nVmRSS:\t    1620 kB\nVmSwap:\t       8 kB\nThreads:\t3\n';
    expect(parsePidStatus(t)).toEqual({
      value: { uid: 1001, ppid: 7022, threads: 3, rssBytes: 1620 * 1024, vmsBytes: 3060 * 1024, swapBytes: 8 * 1024 },
      errors: [],
    });
  });
  it('kernel threads have no Vm lines: null', () => {
    expect(parsePidStatus('PPid:\t0\nUid:\t0\t0\t0\t0\nThreads:\t1\n').value.rssBytes).toBeNull();
  });
  it('bad fields are named', () => {
    const r = parsePidStatus('Uid:\tzzz\nVmRSS:\tlots\n', 's');
    expect(r.errors).toEqual(['s: Uid is not a number', 's: VmRSS is not "N kB"']);
    fc.assert(fc.property(fc.string(), (s) => void parsePidStatus(s)));
  });
});

describe('cmdline', () => {
  it('NUL-separated arguments; empty for kernel threads -> [comm]', () => {
    expect(parseCmdline('nginx: master\0-g\0daemon off;\0')).toBe('nginx: master -g daemon off;');
    expect(parseCmdline('a\0\0')).toBe('a');
    expect(parseCmdline('')).toBe('');
    expect(parseCmdline('evil\u001b[2J\0x')).toBe('evil\u001b[2J x'); // escape sequences are left whole for sanitize()
    expect(commandOf('', 'kthreadd')).toBe('[kthreadd]');
    expect(commandOf('a b', 'x')).toBe('a b');
  });
});

describe('passwd and container attribution', () => {
  it('parsePasswd: first entry per uid wins, bad lines skipped', () => {
    const m = parsePasswd('root:x:0:0::/root:/bin/sh\nbroken\nalice:x:1000:1000::/:/bin/sh\ndup:x:0:0::/:/bin/sh\n#c:x:5:5\n');
    expect(m.get(0)).toBe('root');
    expect(m.get(1000)).toBe('alice');
    expect(m.size).toBe(2);
  });
  it('containerIdFromPidCgroup: v2 line, then v1 lines', () => {
    const id = 'b'.repeat(64);
    expect(containerIdFromPidCgroup(`0::/system.slice/docker-${id}.scope\n`)).toBe(id);
    expect(containerIdFromPidCgroup(`4:memory:/docker/${id}\n0::/\n`)).toBe(id);
    expect(containerIdFromPidCgroup('0::/user.slice\n')).toBeNull();
    expect(containerIdFromPidCgroup('garbage')).toBeNull();
  });
});
