// `tailtop fleet --prometheus URL [--job NAME] [--refresh MS] [--window RANGE]`: the fleet TUI over a
// Prometheus that scrapes tailtop agents. Exit 0 on quit, 2 for a usage or configuration error (bad URL,
// bad flag, bad config), 1 for a failure, 128 + the signal's number for a signal; the terminal is restored
// on every path (ui/term/session.ts, as for the monitor).
import { ConfigError } from '../config/config.js';
import { configFromFlags, intFlag, parseCommandFlags, stringFlag, type CommandIo, type FlagOptions } from '../config/flags.js';
import { oneSafeLine, UsageError } from '../errors.js';
import { chooseThemeName, loadTheme } from '../config/themes.js';
import { terminalColors } from '../ui/colors.js';
import { bindings, fleetBindings } from '../ui/keys.js';
import { FleetSource, PromClient, UrlError, checkPrometheusUrl } from './source.js';

export const FLEET_USAGE = `Usage:
  tailtop fleet --prometheus URL [options]   hosts running the agent, as Prometheus sees them

Options:
  --prometheus URL     Prometheus base URL, e.g. http://prometheus:9090 (required)
  --job NAME           scrape job of the tailtop agents (default: tailtop)
  --refresh MS         how often to ask Prometheus, 1000..60000 ms (default 5000)
  --window RANGE       range for rates and percentiles, e.g. 30s, 1m, 5m (default 1m)
  --config FILE        config file (theme and keys)
  --theme NAME         colour theme`;

const FLEET_FLAGS: FlagOptions = {
  prometheus: { type: 'string' },
  job: { type: 'string' },
  refresh: { type: 'string' },
  window: { type: 'string' },
  config: { type: 'string' },
  theme: { type: 'string' },
};

export async function runFleetCommand(argv: string[], io: CommandIo): Promise<number> {
  const values = parseCommandFlags(argv, FLEET_FLAGS, FLEET_USAGE, io);
  if (typeof values === 'number') return values;
  const usage = (m: string): number => {
    io.err(`tailtop: ${oneSafeLine(m)}\n`);
    return 2;
  };
  const prometheus = stringFlag(values, 'prometheus');
  if (prometheus === undefined) return usage('fleet needs --prometheus URL (e.g. http://127.0.0.1:9090)');
  let base: string;
  try {
    base = checkPrometheusUrl(prometheus);
  } catch (e) {
    if (e instanceof UrlError) return usage(e.message);
    throw e;
  }
  const job = stringFlag(values, 'job') ?? 'tailtop';
  if (job === '') return usage('--job must not be empty');
  let refreshMs: number;
  try {
    refreshMs = intFlag(values, 'refresh', 1000, 60_000) ?? 5000;
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  }
  const window = stringFlag(values, 'window') ?? '1m';
  if (!/^\d+(ms|s|m|h)$/.test(window)) return usage(`--window must be a Prometheus range such as 30s or 1m, got '${window}'`);
  let theme;
  let keys;
  try {
    const cfg = configFromFlags(values);
    theme = loadTheme(chooseThemeName(stringFlag(values, 'theme') ?? cfg.theme, process.env, terminalColors()));
    keys = fleetBindings(bindings(cfg.keys));
  } catch (e) {
    if (e instanceof ConfigError || (e instanceof Error && /^unknown theme/i.test(e.message))) return usage(e.message);
    throw e;
  }
  if (!process.stdout.isTTY) return usage('the fleet view needs a terminal on stdout');

  const { createFleetTui } = await import('./tui.js');
  const { runFullScreen } = await import('../ui/term/session.js');
  const source = new FleetSource({ client: new PromClient(base), job, window, refreshMs });
  return await runFullScreen(
    (session) => {
      session.onStop(() => source.stop());
      const tui = createFleetTui({
        state: () => source.state,
        prometheus: base,
        job,
        theme,
        bindings: keys,
        refreshMs,
        onOpen: (instance) => source.open(instance),
        onRefreshChange: (ms) => source.setRefresh(ms),
        onQuit: () => session.finish(0),
      });
      source.onUpdate(() => tui.update());
      source.start();
      return tui;
    },
    { err: io.err },
  );
}
