// Does blessed-contrib's braille line chart serve the long history graphs better than our own drawing?
// Both draw the same 3,600-point series (an hour at 1 s) into a 150x12 box of an in-memory 160x50 screen,
// once per frame, with a new point each frame (as a live or replayed history graph would). Reports per
// frame: CPU time of setting the content and rendering, bytes written to the terminal, and the cost of
// loading the module (time, RSS). Figures are printed, never asserted (BENCHMARKS.md).
//   npm install --no-save blessed-contrib@4.11.0 && npm run build && node bench/contrib.mjs [--frames 300]
import { PassThrough, Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const FRAMES = Number(args[args.indexOf('--frames') + 1] || 300);
const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(root, 'package.json'));
// blessed-contrib is no longer a dependency (this measurement is why): install it without saving to rerun.
try {
  require.resolve('blessed-contrib');
} catch {
  console.log('contrib: blessed-contrib is not installed (npm install --no-save blessed-contrib@4.11.0 to rerun this comparison)');
  process.exit(0);
}
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);

// Loading cost, each in a fresh process: node alone, blessed, blessed + blessed-contrib.
function loadCost(mods) {
  const code = `const t=process.hrtime.bigint();${mods.map((m) => `require(${JSON.stringify(m)});`).join('')}const ms=Number(process.hrtime.bigint()-t)/1e6;console.log(JSON.stringify({ms,rss:process.memoryUsage().rss}))`;
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(JSON.parse(spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8' }).stdout));
  runs.sort((a, b) => a.ms - b.ms);
  return runs[2];
}
const base = loadCost([]);
const bl = loadCost(['blessed']);
const bc = loadCost(['blessed', 'blessed-contrib']);
console.log(`load: blessed ${bl.ms.toFixed(0)} ms +${((bl.rss - base.rss) / 2 ** 20).toFixed(1)} MiB RSS; + blessed-contrib ${(bc.ms - bl.ms).toFixed(0)} ms more, +${((bc.rss - bl.rss) / 2 ** 20).toFixed(1)} MiB RSS more (median of 5)`);

await dist('ui/term/cell-width.js');
const { createScreen } = await dist('ui/term/screen.js');
const { tallSparkline } = await dist('ui/panels/draw.js');
const blessed = require('blessed');
const contrib = require('blessed-contrib');

function screenOf() {
  let written = 0;
  const output = new Writable({ write: (c, _e, cb) => ((written += c.length), cb()) });
  Object.assign(output, { isTTY: true, columns: 160, rows: 50 });
  const input = new PassThrough();
  Object.assign(input, { isTTY: true, setRawMode: () => input });
  const screen = createScreen({ input, output, terminal: 'xterm-256color', cols: 160, rows: 50 });
  return { screen, bytes: () => written };
}

const N = 3600;
const series = new Float64Array(N + FRAMES);
let s = 7;
for (let i = 0; i < series.length; i++) {
  s = (s * 1103515245 + 12345) % 2147483648;
  series[i] = 40 + 30 * Math.sin(i / 200) + (s / 2147483648) * 20;
}

async function measure(name, setup) {
  const { screen, bytes } = screenOf();
  const draw = setup(screen);
  for (let f = 0; f < 30; f++) draw(series.subarray(f, f + N)); // warm-up
  const b0 = bytes();
  const c0 = process.cpuUsage();
  for (let f = 0; f < FRAMES; f++) {
    draw(series.subarray(30 + f, 30 + f + N));
    screen.render();
    await new Promise((r) => setImmediate(r)); // blessed writes the frame out on the next tick
  }
  const c = process.cpuUsage(c0);
  const perFrame = (c.user + c.system) / 1000 / FRAMES;
  console.log(`${name}: ${perFrame.toFixed(2)} ms CPU/frame, ${((bytes() - b0) / FRAMES / 1024).toFixed(1)} KiB/frame to the terminal`);
  screen.destroy();
}

// Ours: 150 columns of eighth blocks, 12 rows; the hour folded to one column per 24 s (max of each bucket).
await measure('ours (tallSparkline, max per column)', (screen) => {
  const box = blessed.box({ parent: screen, top: 0, left: 0, width: 152, height: 14, border: { type: 'line' }, tags: false });
  const cols = 150;
  const folded = new Float64Array(cols);
  return (v) => {
    const per = v.length / cols;
    for (let c = 0; c < cols; c++) {
      let m = -Infinity;
      for (let i = Math.floor(c * per); i < Math.floor((c + 1) * per); i++) if (v[i] > m) m = v[i];
      folded[c] = m;
    }
    box.setContent(tallSparkline(folded, cols, 12, 100).join('\n'));
  };
});

// blessed-contrib: a braille line (2x4 dots per cell), the same hour at 300 x-points (its x labels off).
await measure('blessed-contrib line (braille)', (screen) => {
  const line = contrib.line({ top: 0, left: 0, width: 152, height: 14, border: { type: 'line' }, showLegend: false, minY: 0, maxY: 100, wholeNumbersOnly: true, xLabelPadding: 0, xPadding: 0 });
  screen.append(line);
  const pts = 300;
  const x = Array.from({ length: pts }, (_, i) => String(i));
  return (v) => {
    const per = v.length / pts;
    const y = new Array(pts);
    for (let p = 0; p < pts; p++) y[p] = v[Math.floor(p * per)];
    line.setData([{ x, y, style: { line: 'yellow' } }]);
  };
});
process.exit(0);
