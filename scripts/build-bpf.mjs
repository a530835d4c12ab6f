#!/usr/bin/env node
// Builds the eBPF helper (bpf/tailtop-bpf) when the toolchain and a BTF kernel are present.
// Run by `npm install` (prepare) and `npm run build:bpf`. Never fails the install: when something is
// missing it prints one line saying what and how to get it, and exits 0. tailtop then runs without
// eBPF tail latency ("—").
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bpfDir = join(root, 'bpf');

function onPath(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
  return r.status === 0;
}

function main() {
  if (process.platform !== 'linux') {
    console.log('tailtop: eBPF helper not built (Linux only); tail latency will be unavailable.');
    return;
  }
  if (process.env.TAILTOP_SKIP_BPF === '1') {
    console.log('tailtop: eBPF helper build skipped (TAILTOP_SKIP_BPF=1).');
    return;
  }
  const missing = [];
  const pkgs = new Set();
  if (!onPath('clang')) { missing.push('clang'); pkgs.add('clang'); pkgs.add('llvm'); }
  if (!onPath('bpftool')) { missing.push('bpftool'); pkgs.add('bpftool'); }
  if (!onPath('make')) { missing.push('make'); pkgs.add('make'); }
  if (!onPath('cc')) { missing.push('a C compiler (cc)'); pkgs.add('gcc'); }
  if (!existsSync('/usr/include/bpf/libbpf.h')) { missing.push('libbpf headers (/usr/include/bpf/libbpf.h)'); pkgs.add('libbpf-dev'); }
  if (!existsSync('/usr/include/libelf.h') && !existsSync('/usr/include/libelf/libelf.h')) {
    missing.push('libelf headers'); pkgs.add('libelf-dev');
  }
  if (!existsSync('/usr/include/zlib.h')) { missing.push('zlib headers'); pkgs.add('zlib1g-dev'); }
  const noBtf = !existsSync('/sys/kernel/btf/vmlinux');
  if (noBtf) missing.push('kernel BTF (/sys/kernel/btf/vmlinux; needs a kernel built with CONFIG_DEBUG_INFO_BTF=y)');
  if (missing.length > 0) {
    const how = pkgs.size > 0
      ? ` Install with: apt-get install clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev.` : '';
    console.log(`tailtop: eBPF helper not built, missing: ${missing.join(', ')}.${how}${noBtf && pkgs.size === 0 ? ' Upgrade to a BTF-enabled kernel.' : ''} Then run: npm run build:bpf. tailtop works without it (no tail latency).`);
    return;
  }
  const r = spawnSync('make', ['-C', bpfDir], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.log(`tailtop: eBPF helper build failed (make -C bpf exited ${r.status ?? r.signal}); tailtop works without it. Fix the error above and run: npm run build:bpf.`);
    return;
  }
  console.log('tailtop: eBPF helper built: bpf/tailtop-bpf (run as root, or once: sudo make -C bpf setcap).');
}

try {
  main();
} catch (err) {
  console.log(`tailtop: eBPF helper not built: ${err instanceof Error ? err.message : String(err)}`);
}
process.exitCode = 0;
