// Container names, labels and process command lines are untrusted: an ESC sequence in a container name
// must not reach the terminal, and a bidi override or zero-width character must not reorder or hide text.
// Strip them (text/safe.ts), and blessed's own tag braces, before anything is drawn.
import { stripUnsafe } from '../text/safe.js';

export function sanitize(text: string, maxLength = 4096): string {
  const s = stripUnsafe(text.length > maxLength * 4 ? text.slice(0, maxLength * 4) : text);
  const noTags = s.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')'));
  if (noTags.length <= maxLength) return noTags;
  // Cut without splitting a surrogate pair.
  const code = noTags.charCodeAt(maxLength - 1);
  return noTags.slice(0, code >= 0xd800 && code <= 0xdbff ? maxLength - 1 : maxLength);
}
