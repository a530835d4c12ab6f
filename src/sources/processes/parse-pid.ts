// Pure parsers for /proc/<pid>/{stat,status,cmdline}. Nothing here throws on bad input.
//   stat:    "1234 (my (odd) comm) S 1 1234 ... utime stime ... num_threads 0 starttime vsize rss ..."
//            comm may hold spaces and parentheses: the fields start after the LAST ')'.
//   status:  "Uid:\t0\t0\t0\t0", "Threads:\t4", "VmRSS:\t  1234 kB", "VmSize:", "VmSwap:", "PPid:"
//   cmdline: arguments separated (and usually terminated) by NUL; empty for kernel threads.

export interface PidStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  utimeTicks: number;
  stimeTicks: number;
  threads: number;
  startTicks: number;
  vsizeBytes: number;
  /** Resident pages. */
  rssPages: number;
  /**
   * Where the process's code and stack start (fields 26 and 28): new on every exec (a new address space,
   * laid out afresh), so a change means an exec even when the name stays. Constant (1) when the kernel
   * hides them (another user's process, read without privilege); null when absent.
   */
  execMark: number | null;
}

const UINT = /^\d+$/;
const INT = /^-?\d+$/;

function num(tok: string | undefined, re = UINT): number | null {
  if (tok === undefined || !re.test(tok)) return null;
  const n = Number(tok);
  return Number.isFinite(n) ? n : null;
}

/** Fields 3..28 of stat are all a process needs (the 24 after them are not split out). */
const FIELDS_WANTED = 28 - 2;

/**
 * The whitespace-separated fields of `text` from `from`: the kernel separates them by single spaces, and
 * then the first FIELDS_WANTED are cut out directly (a full line has 52). Anything else (a short line, other
 * whitespace, runs of spaces in a damaged file) is split the general way.
 */
function fieldsAfter(text: string, from: number): string[] {
  if (text.charCodeAt(from) === 32) {
    const out: string[] = [];
    let i = from + 1;
    for (;;) {
      const j = text.indexOf(' ', i);
      if (j <= i) break; // the end, or two spaces in a row
      const tok = text.slice(i, j);
      if (/\s/.test(tok)) break;
      out.push(tok);
      if (out.length === FIELDS_WANTED) return out;
      i = j + 1;
    }
  }
  return text.slice(from).trim().split(/\s+/);
}

/** Longest run of digits parsed by arithmetic (exact below 2^53); longer ones go through Number(). */
const EXACT_DIGITS = 15;

/**
 * The number in text[from, to) when it is digits only (with a leading '-' when `signed`), else NaN.
 */
function digitsAt(text: string, from: number, to: number, signed: boolean): number {
  let i = from;
  const neg = signed && text.charCodeAt(i) === 45;
  if (neg) i++;
  if (i >= to) return NaN;
  if (to - i > EXACT_DIGITS) {
    for (let j = i; j < to; j++) {
      const c = text.charCodeAt(j);
      if (c < 48 || c > 57) return NaN;
    }
    const n = Number(text.slice(i, to));
    return Number.isFinite(n) ? (neg ? -n : n) : NaN;
  }
  let n = 0;
  for (; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return neg ? -n : n;
}

/**
 * The kernel's own layout, read in place (no token strings): "PID (COMM) S f4 f5 ... f28 ..." with single
 * spaces and fields 4 to 28 numbers. Null for anything else (parsePidStatSplit decides then, with the same
 * result wherever this one gives one: a property test holds them to it). Called
 * for every process every tick, so it allocates only the comm and state strings and the result.
 */
function parsePidStatExact(text: string): PidStat | null {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(') ');
  if (open <= 0 || close < open || close !== text.lastIndexOf(')')) return null;
  const pid = digitsAt(text, 0, open, false);
  // state: one character between single spaces
  if (Number.isNaN(pid) || text.charCodeAt(close + 3) !== 32) return null;
  const state = text[close + 2]!;
  if (state === ' ') return null;
  let ppid = NaN, utime = NaN, stime = NaN, threads = NaN, start = NaN, vsize = NaN, rss = NaN, code = NaN, stack = NaN;
  let i = close + 4; // field 4 starts here
  for (let f = 4; f <= 28; f++) {
    let j = text.indexOf(' ', i);
    if (j < 0) {
      if (f < 28) return null;
      j = text.length;
      while (j > i && text.charCodeAt(j - 1) === 10) j--; // the line's end
    }
    if (j === i) return null; // two spaces in a row
    switch (f) {
      case 4: ppid = digitsAt(text, i, j, true); break;
      case 14: utime = digitsAt(text, i, j, false); break;
      case 15: stime = digitsAt(text, i, j, false); break;
      case 20: threads = digitsAt(text, i, j, true); break;
      case 22: start = digitsAt(text, i, j, false); break;
      case 23: vsize = digitsAt(text, i, j, false); break;
      case 24: rss = digitsAt(text, i, j, true); break;
      case 26: code = digitsAt(text, i, j, false); break;
      case 28: stack = digitsAt(text, i, j, false); break;
      default:
        if (Number.isNaN(digitsAt(text, i, j, true))) return null; // every field up to 28 is a number
    }
    i = j + 1;
  }
  if (Number.isNaN(ppid + utime + stime + threads + start + vsize + rss + code + stack)) return null;
  return {
    pid,
    comm: text.slice(text.indexOf('(') + 1, close),
    state,
    ppid,
    utimeTicks: utime,
    stimeTicks: stime,
    threads,
    startTicks: start,
    vsizeBytes: vsize,
    rssPages: Math.max(0, rss),
    execMark: code + stack,
  };
}

export function parsePidStat(text: string, file = '/proc/<pid>/stat'): { value: PidStat | null; error: string | null } {
  const exact = parsePidStatExact(text);
  return exact ? { value: exact, error: null } : parsePidStatSplit(text, file);
}

/**
 * The general parse of a stat line (any whitespace, damaged lines), with the field named on an error.
 * parsePidStat tries the kernel's exact layout first and comes here for anything else.
 */
export function parsePidStatSplit(text: string, file = '/proc/<pid>/stat'): { value: PidStat | null; error: string | null } {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return { value: null, error: `${file}: no "(comm)" field` };
  const pid = num(text.slice(0, open).trim());
  if (pid === null) return { value: null, error: `${file}: pid is not a number` };
  const comm = text.slice(open + 1, close);
  // Fields 3.. (state is field 3, so index i here is field i + 3).
  const t = fieldsAfter(text, close + 1);
  if (t.length < 22) return { value: null, error: `${file}: expected at least 24 fields, got ${t.length + 2}` };
  const state = t[0]!;
  const field = (n: number, name: string, re = UINT): number | string => {
    const v = num(t[n - 3], re);
    return v === null ? `${file}: ${name} (field ${n}) is not a number` : v;
  };
  const vals = [
    field(4, 'ppid', INT),
    field(14, 'utime'),
    field(15, 'stime'),
    field(20, 'num_threads', INT),
    field(22, 'starttime'),
    field(23, 'vsize'),
    field(24, 'rss', INT),
  ];
  const bad = vals.find((v) => typeof v === 'string');
  if (bad !== undefined) return { value: null, error: bad as string };
  const [ppid, utime, stime, threads, start, vsize, rss] = vals as number[];
  const code = num(t[26 - 3]);
  const stack = num(t[28 - 3]);
  return {
    value: {
      pid,
      comm,
      state,
      ppid: ppid!,
      utimeTicks: utime!,
      stimeTicks: stime!,
      threads: threads!,
      startTicks: start!,
      vsizeBytes: vsize!,
      rssPages: Math.max(0, rss!),
      execMark: code === null || stack === null ? null : code + stack,
    },
    error: null,
  };
}

export interface PidStatus {
  /** Effective uid (second Uid: column), as ps and top show. */
  uid: number | null;
  ppid: number | null;
  threads: number | null;
  rssBytes: number | null;
  vmsBytes: number | null;
  swapBytes: number | null;
}

function kb(rest: string): number | null {
  const m = /^(\d+)\s*kB$/.exec(rest.trim());
  return m ? Number(m[1]) * 1024 : null;
}

/** The text after "Key:" on its line, or null when the key is absent. Scans only for the wanted keys. */
function valueOf(text: string, key: string): string | null {
  let i = text.startsWith(`${key}:`) ? 0 : text.indexOf(`\n${key}:`);
  if (i < 0) return null;
  if (i > 0 || text[0] === '\n') i += 1;
  const from = i + key.length + 1;
  let to = text.indexOf('\n', from);
  if (to < 0) to = text.length;
  return text.slice(from, to);
}

/** status: the fields that are present (kernel threads have no Vm* lines: null). */
export function parsePidStatus(text: string, file = '/proc/<pid>/status'): { value: PidStatus; errors: string[] } {
  const value: PidStatus = { uid: null, ppid: null, threads: null, rssBytes: null, vmsBytes: null, swapBytes: null };
  const errors: string[] = [];
  const uid = valueOf(text, 'Uid');
  if (uid !== null) {
    const ids = uid.trim().split(/\s+/);
    value.uid = num(ids[1] ?? ids[0]);
    if (value.uid === null) errors.push(`${file}: Uid is not a number`);
  }
  for (const [key, set] of [
    ['PPid', (v: number | null) => (value.ppid = v)],
    ['Threads', (v: number | null) => (value.threads = v)],
  ] as const) {
    const t = valueOf(text, key);
    if (t === null) continue;
    const v = num(t.trim());
    if (v === null) errors.push(`${file}: ${key} is not a number`);
    set(v);
  }
  for (const [key, set] of [
    ['VmSize', (v: number | null) => (value.vmsBytes = v)],
    ['VmRSS', (v: number | null) => (value.rssBytes = v)],
    ['VmSwap', (v: number | null) => (value.swapBytes = v)],
  ] as const) {
    const t = valueOf(text, key);
    if (t === null) continue;
    const v = kb(t);
    if (v === null) errors.push(`${file}: ${key} is not "N kB"`);
    set(v);
  }
  return { value, errors };
}

/** cmdline: NUL-separated arguments joined by spaces; "" when empty (a kernel thread or a zombie). */
export function parseCmdline(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  if (end === 0) return '';
  // Only the separators become spaces: other control characters stay as they are, so that the UI's
  // sanitize() can remove whole escape sequences (it runs on everything drawn).
  return text.slice(0, end).replace(/\u0000/g, ' ');
}

/** What to show as the command: the cmdline, or "[comm]" when it is empty (kernel threads). */
export function commandOf(cmdline: string, comm: string): string {
  return cmdline === '' ? `[${comm}]` : cmdline;
}
