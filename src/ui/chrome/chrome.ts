// The monitor's frame around the views: the header line, the main area (the view stack's boxes go in it),
// the status line, the `?` overlay, and the "terminal too small" notice that replaces all of them. Widgets
// are created once and reused; the lines come from header.ts and status.ts.
import type blessed from 'blessed';
import { widgets } from '../term/widgets.js';
import type { Theme } from '../theme.js';
import { themeColor } from '../markup.js';
import { cellText, type CellText } from '../term/cell-text.js';
import { container } from '../term/blessed-patches.js';
import { MIN_COLS, MIN_ROWS, tooSmall } from '../layout.js';
import { fit } from '../format.js';
import { HelpOverlay } from './help.js';

export class Chrome {
  readonly main: blessed.Widgets.BoxElement;
  readonly help: HelpOverlay;
  private readonly header: blessed.Widgets.BoxElement;
  private readonly status: blessed.Widgets.BoxElement;
  private readonly small: blessed.Widgets.BoxElement;
  private readonly headerText: CellText;
  private readonly statusText: CellText;

  constructor(private readonly screen: blessed.Widgets.Screen, theme: Theme) {
    const bg = themeColor(theme, 'main_bg');
    const base = { fg: themeColor(theme, 'main_fg'), bg: bg === 'default' ? undefined : bg };
    this.header = widgets.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false, style: { ...base } } as blessed.Widgets.BoxOptions);
    this.main = widgets.box({ parent: screen, top: 1, left: 0, width: '100%', height: '100%-2', style: { ...base } });
    // `main` only holds the view boxes, which always cover it whole: it need not paint its own cells every
    // frame (that repaint marked every line dirty and made blessed re-diff the whole screen).
    container(this.main);
    this.status = widgets.box({ parent: screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false, style: { fg: themeColor(theme, 'status_fg'), bg: base.bg } } as blessed.Widgets.BoxOptions);
    this.headerText = cellText(this.header);
    this.statusText = cellText(this.status);
    this.help = new HelpOverlay(screen, theme, { ...base, bg: base.bg ?? (theme.mono ? undefined : 'black') });
    this.small = widgets.box({ parent: screen, top: 0, left: 0, width: '100%', height: '100%', tags: false, wrap: true, hidden: true });
  }

  get cols(): number {
    return Number(this.screen.width) || 0;
  }

  get rows(): number {
    return Number(this.screen.height) || 0;
  }

  /** Below the smallest size: only the notice is shown (true). Otherwise the frame is shown again (false). */
  fitsNot(): boolean {
    const cols = this.cols;
    const rows = this.rows;
    if (tooSmall(cols, rows)) {
      this.header.hide();
      this.main.hide();
      this.status.hide();
      this.help.hide();
      const msg = `terminal too small (need ${MIN_COLS}x${MIN_ROWS})`;
      const parts = msg.length <= cols ? [msg] : ['terminal too small', `(need ${MIN_COLS}x${MIN_ROWS})`];
      const center = (s: string): string => fit(' '.repeat(Math.max(0, Math.floor((cols - s.length) / 2))) + s, cols);
      this.small.setContent(['', ...parts.map(center)].join('\n'));
      this.small.show();
      return true;
    }
    this.small.hide();
    this.header.show();
    this.main.show();
    this.status.show();
    return false;
  }

  setHeader(line: string): void {
    this.headerText.set([line]);
  }

  setStatus(line: string): void {
    this.statusText.set([line]);
  }
}
