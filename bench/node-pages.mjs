#!/usr/bin/env node
// Which pages of node's own binary a running process has resident, by ELF section, with ICU's data split by
// item (the table of contents of the `icudt*_dat` package) and, with --syms, .text by symbol namespace.
// Reads /proc/PID/maps and /proc/PID/pagemap (needs root) and the binary's section and symbol tables
// (readelf, nm). A bare `node` has about 30 MiB of its binary resident; what a program touches beyond that
// (TurboFan's code, ICU's collation tables, node's own JS modules in .rodata) shows here.
//   node bench/node-pages.mjs PID [--syms]
import { closeSync, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const pid = process.argv[2];
if (!/^\d+$/.test(pid ?? '')) throw new Error('usage: node bench/node-pages.mjs PID [--syms]');
const SYMS = process.argv.includes('--syms');
const BIN = readlinkSync(`/proc/${pid}/exe`);
const run = (cmd, a) => execFileSync(cmd, a, { encoding: 'utf8', maxBuffer: 1 << 30 });

const secs = [];
for (const l of run('readelf', ['-S', '-W', BIN]).split('\n')) {
  const m = /\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(l);
  if (m && parseInt(m[2], 16)) secs.push({ name: m[1], addr: parseInt(m[2], 16), off: parseInt(m[3], 16), size: parseInt(m[4], 16) });
}
const symLines = run('nm', ['-C', '-n', '--defined-only', BIN]).split('\n');
const icuLine = symLines.map((l) => /^([0-9a-f]+) [rR] (icudt\d+_dat)$/.exec(l)).find(Boolean);
const icuSize = icuLine ? Number(/\s([0-9a-fx]+) OBJECT/.exec(run('readelf', ['-s', '-W', BIN]).split('\n').find((l) => l.includes(icuLine[2])) ?? '')?.[1] ?? '0') : 0;
const ICU = icuLine ? { addr: parseInt(icuLine[1], 16), size: icuSize } : null;

const bsearch = (arr, v) => {
  let lo = 0;
  let hi = arr.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (arr[mid][0] <= v) lo = mid;
    else hi = mid - 1;
  }
  return arr[lo];
};

// ICU's common data: a header, then a count and (name offset, data offset) pairs relative to the table.
const icuItems = [];
if (ICU) {
  const rod = secs.find((x) => x.name === '.rodata');
  const fd = openSync(BIN, 'r');
  const fo = ICU.addr - rod.addr + rod.off;
  const hdr = Buffer.alloc(4);
  readSync(fd, hdr, 0, 4, fo);
  const headerSize = hdr.readUInt16LE(0);
  readSync(fd, hdr, 0, 4, fo + headerSize);
  const n = hdr.readUInt32LE(0);
  const toc = Buffer.alloc(8 * n);
  readSync(fd, toc, 0, 8 * n, fo + headerSize + 4);
  const names = Buffer.alloc(Math.min(1 << 20, ICU.size));
  readSync(fd, names, 0, names.length, fo + headerSize);
  for (let i = 0; i < n; i++) {
    const no = toc.readUInt32LE(8 * i);
    const name = names.toString('latin1', no, names.indexOf(0, no));
    icuItems.push([ICU.addr + headerSize + toc.readUInt32LE(8 * i + 4), name.replace(/^icudt\d+l[-/]?/, '').replace(/^([^/]+)\/.*$/, '$1/*')]);
  }
  closeSync(fd);
}

const textSyms = SYMS ? symLines.map((l) => /^([0-9a-f]+) [tTwW] (.*)$/.exec(l)).filter(Boolean).map((m) => [parseInt(m[1], 16), m[2]]) : [];
const group = (name) => {
  const n = name.replace(/^(non-virtual thunk to |virtual thunk to )/, '');
  if (n.startsWith('Builtins_')) return 'v8 builtins (embedded)';
  const m = /^(v8::internal::(compiler|maglev|wasm|baseline|interpreter|Heap|Parser|Runtime|Factory)|v8::internal|v8::base|v8|node::crypto|node|icu_\d+|uv|ossl|EVP|SSL|simdutf|ada)/.exec(n);
  return m ? m[1] : n.slice(0, 24);
};

const bySec = new Map();
const byIcu = new Map();
const byText = new Map();
const add = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
const fd = openSync(`/proc/${pid}/pagemap`, 'r');
const buf = Buffer.alloc(8 * 4096);
let total = 0;
for (const l of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
  if (!l.endsWith(BIN)) continue;
  const [range, , offText] = l.split(/\s+/);
  const [a, b] = range.split('-').map((x) => parseInt(x, 16));
  const off = parseInt(offText, 16);
  for (let p = a; p < b; p += 4096 * 4096) {
    const n = Math.min(4096, (b - p) / 4096);
    readSync(fd, buf, 0, n * 8, (p / 4096) * 8);
    for (let i = 0; i < n; i++) {
      if (!(buf.readUInt32LE(i * 8 + 4) & 0x80000000)) continue; // bit 63: present
      total++;
      const fo = p + i * 4096 - a + off;
      const s = secs.find((x) => x.name !== '.bss' && fo >= x.off && fo < x.off + x.size);
      const vaddr = s ? s.addr + (fo - s.off) : -1;
      let name = s ? s.name : 'other';
      if (ICU && name === '.rodata' && vaddr >= ICU.addr && vaddr < ICU.addr + ICU.size) {
        name = 'ICU data';
        add(byIcu, bsearch(icuItems, vaddr)[1]);
      }
      add(bySec, name);
      if (SYMS && name === '.text') add(byText, group(bsearch(textSyms, vaddr)[1]));
    }
  }
}
closeSync(fd);
const mib = (n) => ((n * 4096) / 1048576).toFixed(1);
const list = (m, k = 15) => [...m].sort((x, y) => y[1] - x[1]).slice(0, k).filter(([, v]) => v >= 13).map(([name, v]) => `${name} ${mib(v)}`).join(', ');
console.log(`${BIN} resident ${mib(total)} MiB: ${list(bySec)}`);
if (ICU) console.log(`  ICU data by item: ${list(byIcu) || 'none'}`);
if (SYMS) console.log(`  .text by symbol namespace: ${list(byText, 20)}`);
