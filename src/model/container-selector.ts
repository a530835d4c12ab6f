// `--containers SELECTOR` (repeatable): which containers a report (or any other consumer) keeps. Pure.
//
//   name          the container's name exactly (a leading "/" as Docker reports it is ignored), or an id
//                 prefix of at least 4 hex digits (as `docker ps` shows 12)
//   ~regex        a regular expression searched in the name (case-insensitive, like the TUI's ~ filter)
//   label=value   a label with exactly that value (`com.docker.compose.project=shop` for a compose project);
//                 `label=` matches the label with an empty value
//
// A container is kept when it matches any selector; no selector keeps every container. Names cannot hold
// "=" (Docker allows [a-zA-Z0-9][a-zA-Z0-9_.-]), so a selector with "=" is always a label.

export type ContainerSelector =
  | { kind: 'name'; text: string; name: string }
  | { kind: 'regex'; text: string; test: (s: string) => boolean }
  | { kind: 'label'; text: string; key: string; value: string };

/** What a selector looks at. Labels are untrusted: only own properties count. */
export interface SelectableContainer {
  id: string;
  name: string;
  labels: Readonly<Record<string, string>>;
}

export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

/**
 * A regex compiler. The built-in RegExp backtracks: a pattern like `(a+)+b` can take exponential time on a
 * long name. The pattern is the user's own, but names are not; pass a linear-time matcher where one exists.
 */
export type RegexCompiler = (source: string) => (s: string) => boolean;

const builtinRegex: RegexCompiler = (source) => {
  const re = new RegExp(source, 'i');
  return (s) => re.test(s);
};

const quote = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 79)}…` : s);

/** Parse one selector; throws SelectorError with a one-line message naming the flag and the selector. */
export function parseSelector(text: string, compile: RegexCompiler = builtinRegex): ContainerSelector {
  const t = text.trim();
  if (t === '') throw new SelectorError('--containers: empty selector (use a name, ~regex or label=value)');
  if (t.startsWith('~')) {
    const source = t.slice(1);
    if (source === '') throw new SelectorError(`--containers ${quote(text)}: empty regex after ~`);
    try {
      return { kind: 'regex', text: t, test: compile(source) };
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).replace(/^Invalid regular expression: /, '');
      throw new SelectorError(`--containers ${quote(text)}: invalid regex: ${msg.split('\n')[0]}`);
    }
  }
  const eq = t.indexOf('=');
  if (eq >= 0) {
    const key = t.slice(0, eq).trim();
    if (key === '') throw new SelectorError(`--containers ${quote(text)}: a label selector needs a label name before "="`);
    return { kind: 'label', text: t, key, value: t.slice(eq + 1) };
  }
  return { kind: 'name', text: t, name: t.replace(/^\//, '') };
}

/** Parse every `--containers` value (the flag repeated). */
export function parseSelectors(texts: readonly string[], compile?: RegexCompiler): ContainerSelector[] {
  return texts.map((t) => parseSelector(t, compile));
}

const ID_PREFIX = /^[0-9a-f]{4,64}$/i;

export function matchesSelector(c: SelectableContainer, s: ContainerSelector): boolean {
  const name = c.name.replace(/^\//, '');
  switch (s.kind) {
    case 'name':
      return name === s.name || (ID_PREFIX.test(s.name) && c.id.toLowerCase().startsWith(s.name.toLowerCase()));
    case 'regex':
      return s.test(name);
    case 'label':
      return Object.prototype.hasOwnProperty.call(c.labels, s.key) && c.labels[s.key] === s.value;
  }
}

/** The containers matching any selector, in their order; every container when there is no selector. */
export function selectContainers<T extends SelectableContainer>(containers: readonly T[], selectors: readonly ContainerSelector[]): T[] {
  if (selectors.length === 0) return containers.slice();
  return containers.filter((c) => selectors.some((s) => matchesSelector(c, s)));
}
