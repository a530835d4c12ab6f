// Theme files: plain `key = value` lines (btop-style), `# comments`, colours as `#rrggbb` (or `default`,
// the terminal's own colour). Validated against the default key set: an unknown key is an error naming it,
// a malformed line is `file:line: message`, and missing keys are filled from the default theme. Every
// failure is a ThemeError (exit 2); keys are own-property lookups; quoted text is safe and bounded; a theme
// file must be a regular UTF-8 text file of at most 64 KiB.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_COLORS, isThemeKey, type Theme } from '../contract.js';
import { quote, ThemeError } from '../errors.js';
import { FileProblem, readSmallTextFile, showPath } from './read-file.js';

/** Largest theme file read. */
export const MAX_THEME_BYTES = 64 * 1024;

/** Non-colour keys a theme file may set. */
const FLAG_KEYS = ['mono'] as const;

export function defaultTheme(): Theme {
  return { name: 'default', colors: { ...DEFAULT_COLORS }, mono: false };
}

/** themes/ of the package (two levels above src/config and dist/config). */
export function defaultThemesDir(): string {
  return fileURLToPath(new URL('../../themes/', import.meta.url));
}

export function listThemes(dir: string = defaultThemesDir()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.theme')).map((n) => n.slice(0, -'.theme'.length)).sort();
}

/**
 * Load a theme by name from `dir` (or by path, when `name` contains a slash or ends in `.theme`).
 * Unknown name -> ThemeError listing the available ones.
 */
export function loadTheme(name: string, opts: { dir?: string } = {}): Theme {
  const dir = opts.dir ?? defaultThemesDir();
  const isPath = name.includes('/') || name.endsWith('.theme');
  if (!isPath && !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new ThemeError(`unknown theme ${quote(name)} (a theme name has letters, digits, '.', '_' and '-'; available: ${available(dir)})`);
  }
  const file = isPath ? name : join(dir, `${name}.theme`);
  let text: string;
  try {
    text = readSmallTextFile(file, MAX_THEME_BYTES, 'theme file');
  } catch (e) {
    if (!(e instanceof FileProblem)) throw e;
    if (e.problem === 'missing' && !isPath) throw new ThemeError(`unknown theme "${name}" (available: ${available(dir)})`);
    throw new ThemeError(e.message);
  }
  return parseTheme(text, isPath ? basename(file).replace(/\.theme$/, '') : name, file);
}

function available(dir: string): string {
  const avail = listThemes(dir);
  return avail.length ? avail.join(', ') : `none in ${showPath(dir)}`;
}

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;

/** Parse theme text; `file` is only used in messages. */
export function parseTheme(text: string, name: string, file = `${name}.theme`): Theme {
  const colors: Theme['colors'] = { ...DEFAULT_COLORS };
  let mono = false;
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  const shown = showPath(file);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const where = `${shown}:${lineNo}`;
    // A comment is a line starting with #, or whitespace + "# " after a value (colours are "#rrggbb").
    const raw = lines[i]!.replace(/\s+#(\s.*)?$/, '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const m = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(raw);
    if (!m) throw new ThemeError(`${where}: expected "key = value", got ${quote(raw)}`);
    const key = m[1]!;
    let value = m[2]!.trim();
    if (/^".*"$/.test(value) || /^'.*'$/.test(value)) value = value.slice(1, -1);
    if (key.length > 64) throw new ThemeError(`${where}: unknown theme key ${quote(key)}`);
    if (value === '') throw new ThemeError(`${where}: ${key}: missing value`);
    if (seen.has(key)) throw new ThemeError(`${where}: ${key}: already set on line ${seen.get(key)}`);
    seen.set(key, lineNo);
    if ((FLAG_KEYS as readonly string[]).includes(key)) {
      if (value !== 'true' && value !== 'false') throw new ThemeError(`${where}: ${key}: expected true or false, got ${quote(value)}`);
      mono = value === 'true';
      continue;
    }
    if (!isThemeKey(key)) {
      throw new ThemeError(`${where}: unknown theme key "${key}" (known: ${[...Object.keys(DEFAULT_COLORS), ...FLAG_KEYS].join(', ')})`);
    }
    if (!COLOR_RE.test(value) && value !== 'default') {
      throw new ThemeError(`${where}: ${key}: expected a colour like #rrggbb (or default), got ${quote(value)}`);
    }
    colors[key] = value.toLowerCase();
  }
  return { name, colors, mono };
}

/**
 * The theme to use: NO_COLOR (set and non-empty) or a terminal with fewer than 8 colours -> 'mono';
 * otherwise the requested one, or 'default'.
 */
export function chooseThemeName(requested: string | null, env: NodeJS.ProcessEnv, colors: number): string {
  if ((env['NO_COLOR'] ?? '') !== '') return 'mono';
  if (!(colors >= 8)) return 'mono';
  return requested ?? 'default';
}
