// The blessed widgets tailtop draws with (a screen and boxes, and the terminfo reader), loaded without blessed's index: the index
// loads all 34 of blessed's widgets (images, video, a terminal emulator, a file manager, forms...) and its
// PNG reader, which the monitor never uses (about 1.5 MiB more RSS to load them: BENCHMARKS.md "session 8").
// The screen and the box are blessed's own modules, as the index would give them; types come from
// @types/blessed.
import { createRequire } from 'node:module';
import type blessed from 'blessed';

const requireHere = createRequire(import.meta.url);
const Screen = requireHere('blessed/lib/widgets/screen.js') as (o: blessed.Widgets.IScreenOptions) => blessed.Widgets.Screen;
const Box = requireHere('blessed/lib/widgets/box.js') as (o: blessed.Widgets.BoxOptions) => blessed.Widgets.BoxElement;
const Tput = requireHere('blessed/lib/tput.js') as (o: { terminal: string; extended: boolean }) => { strings: Record<string, unknown> };

export const widgets = {
  screen: (o: blessed.Widgets.IScreenOptions): blessed.Widgets.Screen => Screen(o),
  box: (o: blessed.Widgets.BoxOptions): blessed.Widgets.BoxElement => Box(o),
  /** A terminfo reader (blessed.tput). */
  tput: (o: { terminal: string; extended: boolean }): { strings: Record<string, unknown> } => Tput(o),
  /** The Screen class itself (its static signal handlers). */
  Screen: Screen as unknown as Record<string, unknown>,
};
