// Table filters: a substring (case-insensitive), or with a leading `~` a regular expression in RE2 syntax,
// matched by re2js (a port of RE2: time linear in the text, whatever the pattern; loaded on first use by
// text/re2.ts). JavaScript's own RegExp backtracks: `~(A+)+B` against a command line of forty A's would
// take 2^40 steps and freeze the screen, and any local user can plant such a command line. RE2 has no
// backreferences or look-around: such a pattern is an "invalid regex". Results are remembered per text
// (rows repeat from frame to frame).
import type { RE2JS } from 're2js';
import { oneSafeLine } from '../errors.js';
import { re2 } from '../text/re2.js';

export interface CompiledFilter {
  test: ((s: string) => boolean) | null;
  error: string | null;
}

/** Longest pattern accepted (characters after the `~`). */
export const MAX_PATTERN_LENGTH = 256;
/** Texts whose result is remembered at most (then the memory starts over). */
const MEMO_LIMIT = 50_000;

/** Compile a filter: substring (case-insensitive), or a regex when it starts with `~`. */
export function compileFilter(text: string): CompiledFilter {
  const t = text.trim();
  if (t === '') return { test: null, error: null };
  if (t.startsWith('~')) {
    const pattern = t.slice(1);
    if (pattern.length > MAX_PATTERN_LENGTH) return { test: null, error: `invalid regex: longer than ${MAX_PATTERN_LENGTH} characters` };
    let re: RE2JS;
    try {
      const RE2 = re2();
      re = RE2.compile(pattern, RE2.CASE_INSENSITIVE);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      return { test: null, error: `invalid regex: ${oneSafeLine(msg.replace(/^error parsing regexp: /, ''), 120)}` };
    }
    const memo = new Map<string, boolean>();
    return {
      test: (s) => {
        let r = memo.get(s);
        if (r === undefined) {
          r = re.matcher(s).find();
          if (memo.size >= MEMO_LIMIT) memo.clear();
          memo.set(s, r);
        }
        return r;
      },
      error: null,
    };
  }
  const needle = t.toLowerCase();
  return { test: (s) => s.toLowerCase().includes(needle), error: null };
}
