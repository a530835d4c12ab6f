// Text from outside (container names, labels, command lines, daemon and helper messages, config files,
// flags) is untrusted: before it reaches a terminal it loses whole escape sequences, C0 and C1 controls,
// format characters (bidi overrides such as U+202E, zero-width spaces and joiners, soft hyphens, tags),
// variation selectors (they change a character's width differently in each terminal) and lone surrogates.
// Tabs and line breaks become spaces. What is left is printable text whose cell width text/width.ts knows.

// ESC sequences: CSI, OSC (to BEL or ST), DCS/SOS/PM/APC strings, and two-character escapes.
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_k][^\x1b]*(?:\x1b\\)?|[ -/]*[0-~])/g;
// C0 (but tab and newlines, turned into spaces below), DEL, C1, format characters (Cf: bidi controls,
// zero-width characters, soft hyphen, BOM, tags), variation selectors, lone surrogates.
const UNSAFE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\p{Cf}\u{fe00}-\u{fe0f}\u{e0100}-\u{e01ef}]|\p{Cs}/gu;
const SPACES = /[\t\n\r\u2028\u2029]/g;
// More than four combining marks on one character only make it unreadable (and the line huge).
const PILED = /(\p{M}{4})\p{M}+/gu;
/** Quick test: only printable ASCII (nothing to strip). */
const PLAIN = /^[\x20-\x7e]*$/;

/** `text` without anything that could act on a terminal or confuse its width (see the header). */
export function stripUnsafe(text: string): string {
  if (PLAIN.test(text)) return text;
  return text.replace(ESCAPES, '').replace(SPACES, ' ').replace(UNSAFE, '').replace(PILED, '$1');
}

