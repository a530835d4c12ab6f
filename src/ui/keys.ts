// Every key binding is one record: command id -> default keys -> help line. The handlers (ui/app.ts and
// the views) and the `?` help overlay are both driven from this table, and the config can override the
// keys of any command. Adding a command without a binding or a help line does not type-check.

import { ConfigError, quote } from '../errors.js';

export const COMMANDS = {
  quit: { keys: ['q', 'C-c'], help: 'Quit' },
  help: { keys: ['?'], help: 'Show or hide this help' },
  pause: { keys: ['space'], help: 'Freeze the display (collection goes on)' },
  faster: { keys: ['+', '='], help: 'Shorter refresh interval' },
  slower: { keys: ['-', '_'], help: 'Longer refresh interval' },
  focusNext: { keys: ['tab'], help: 'Move focus to the next panel' },
  focusPrev: { keys: ['S-tab'], help: 'Move focus to the previous panel' },
  up: { keys: ['up', 'k'], help: 'Move selection up' },
  down: { keys: ['down', 'j'], help: 'Move selection down' },
  pageUp: { keys: ['pageup'], help: 'Page up' },
  pageDown: { keys: ['pagedown'], help: 'Page down' },
  open: { keys: ['enter'], help: 'Open the selected container, process or disk' },
  back: { keys: ['escape'], help: 'Back to the previous view' },
  containers: { keys: ['c'], help: 'Containers view' },
  processes: { keys: ['p'], help: 'Processes view (whole host)' },
  latency: { keys: ['l'], help: 'Tail-latency view (eBPF)' },
  overview: { keys: ['o'], help: 'Host overview' },
  alerts: { keys: ['a'], help: 'Alerts: firing and pending now, and their history' },
  sortNext: { keys: ['s'], help: 'Sort by the next column' },
  sortReverse: { keys: ['S'], help: 'Reverse the sort order' },
  filter: { keys: ['/'], help: 'Filter rows (substring; a leading ~ for a regex)' },
  window: { keys: ['w'], help: 'Cycle the percentile window: 1s / 10s / 1m / 5m (with a store also 15m / 1h / 6h / 24h)' },
  stepBack: { keys: ['left', ','], help: 'Replay/history: one interval back' },
  stepForward: { keys: ['right', '.'], help: 'Replay/history: one interval forward' },
  minuteBack: { keys: ['['], help: 'Replay/history: one minute back' },
  minuteForward: { keys: [']'], help: 'Replay/history: one minute forward' },
  hourBack: { keys: ['{'], help: 'Replay/history: one hour back' },
  hourForward: { keys: ['}'], help: 'Replay/history: one hour forward' },
  jump: { keys: ['g'], help: 'Replay/history: jump to a typed time (ISO 8601, HH:MM[:SS], -2h, epoch s)' },
  play: { keys: ['P'], help: 'Replay/history: play / pause' },
  speed: { keys: ['x'], help: 'Replay/history: playback speed 1x / 10x / 60x' },
  live: { keys: ['end'], help: 'History: back to the live display' },
} as const satisfies Record<string, { keys: readonly string[]; help: string }>;

export type CommandId = keyof typeof COMMANDS;

export interface Binding {
  command: CommandId;
  keys: string[];
  help: string;
}

/** The effective key table: defaults with config overrides applied. Unknown command names are errors. */
export function bindings(overrides: Partial<Record<string, string[]>> = {}): Binding[] {
  for (const name of Object.keys(overrides)) {
    if (!Object.hasOwn(COMMANDS, name)) throw new ConfigError(`keys.${quote(name)}: unknown command (known: ${Object.keys(COMMANDS).join(', ')})`);
  }
  return (Object.keys(COMMANDS) as CommandId[]).map((command) => ({
    command,
    keys: [...((Object.hasOwn(overrides, command) ? overrides[command] : undefined) ?? COMMANDS[command].keys)],
    help: COMMANDS[command].help,
  }));
}

/** The commands of `tailtop fleet`, with the fleet's own help line where it differs (same keys, same config). */
const FLEET_COMMANDS: Partial<Record<CommandId, string>> = {
  quit: COMMANDS.quit.help,
  help: COMMANDS.help.help,
  faster: 'Query Prometheus more often',
  slower: 'Query Prometheus less often',
  up: COMMANDS.up.help,
  down: COMMANDS.down.help,
  pageUp: COMMANDS.pageUp.help,
  pageDown: COMMANDS.pageDown.help,
  open: "Open the selected host's containers",
  back: 'Back to the hosts',
  sortNext: COMMANDS.sortNext.help,
  sortReverse: COMMANDS.sortReverse.help,
  filter: COMMANDS.filter.help,
};

/** The fleet's part of an effective key table, with its help lines. */
export function fleetBindings(table: Binding[]): Binding[] {
  return table.filter((b) => b.command in FLEET_COMMANDS).map((b) => ({ ...b, help: FLEET_COMMANDS[b.command]! }));
}
