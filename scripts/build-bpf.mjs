#!/usr/bin/env node
// Builds the eBPF helper (bpf/tailtop-bpf) when the toolchain is present; otherwise says that tailtop will
// use the prebuilt static helper shipped in bpf/prebuilt/ (no toolchain or shared libbpf needed at run time).
// Run by `npm install` (prepare) and `npm run build:bpf`. Never fails the install: it prints one line
// saying what it did, and exits 0. tailtop works without any helper (no tail latency).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bpfDir = join(root, 'bpf');
const PREBUILT = { x64: 'tailtop-bpf-x86_64', arm64: 'tailtop-bpf-aarch64' }[process.arch];

function onPath(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
  return r.status === 0;
}

/** What the local build lacks (empty when it can be built). */
function missingToolchain() {
  const missing = [];
  if (!onPath('clang')) missing.push('clang');
  if (!onPath('llvm-strip')) missing.push('llvm');
  if (!onPath('bpftool')) missing.push('bpftool');
  if (!onPath('make')) missing.push('make');
  if (!onPath('cc')) missing.push('a C compiler (cc)');
  if (!existsSync('/usr/include/bpf/libbpf.h')) missing.push('libbpf headers');
  if (!existsSync('/usr/include/libelf.h') && !existsSync('/usr/include/libelf/libelf.h')) missing.push('libelf headers');
  if (!existsSync('/usr/include/zlib.h')) missing.push('zlib headers');
  return missing;
}

/** One line about the prebuilt helper for this machine, or null when there is none usable. */
async function prebuiltLine() {
  if (!PREBUILT) return null;
  const path = join(bpfDir, 'prebuilt', PREBUILT);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return null;
  }
  const v = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 5000 });
  const hash = /source-sha256=([0-9a-f]{64})/.exec(v.stdout ?? '')?.[1];
  if (v.status !== 0 || !hash) return null;
  let match = '';
  try {
    const { sourceHash } = await import(pathToFileURL(join(root, 'dist', 'sources', 'ebpf', 'helper-version.js')).href);
    const src = sourceHash(bpfDir);
    if (src && src !== hash) match = ` — built from other sources than bpf/ (${src.slice(0, 12)}); rebuild it: make -C bpf prebuilt`;
  } catch {
    // dist/ not built: no comparison
  }
  return `bpf/prebuilt/${PREBUILT} (static, source ${hash.slice(0, 12)})${match}`;
}

async function main() {
  if (process.platform !== 'linux') {
    console.log('tailtop: eBPF helper not built (Linux only); tail latency will be unavailable.');
    return;
  }
  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    console.log('tailtop: eBPF helper not built: the kernel has no BTF (/sys/kernel/btf/vmlinux; CONFIG_DEBUG_INFO_BTF=y), which tail latency needs. tailtop works without it.');
    return;
  }
  const skip = process.env.TAILTOP_SKIP_BPF === '1';
  const missing = skip ? [] : missingToolchain();
  if (!skip && missing.length === 0) {
    const r = spawnSync('make', ['-C', bpfDir], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status === 0) {
      console.log('tailtop: eBPF helper built: bpf/tailtop-bpf (run as root, or once: sudo tailtop setup).');
      return;
    }
    const pre = await prebuiltLine();
    console.log(`tailtop: eBPF helper build failed (make -C bpf exited ${r.status ?? r.signal}); ${pre ? `using the prebuilt helper ${pre}` : 'tailtop works without it (no tail latency)'}.`);
    return;
  }
  const pre = await prebuiltLine();
  const why = skip ? 'TAILTOP_SKIP_BPF=1' : `no eBPF toolchain: missing ${missing.join(', ')}`;
  if (pre) {
    console.log(`tailtop: eBPF helper: using the prebuilt ${pre} (${why}). Run as root, or once: sudo tailtop setup.`);
    return;
  }
  console.log(
    `tailtop: eBPF helper not built (${why}) and no prebuilt helper for ${process.arch}. Install with: apt-get install clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make gcc, then run: npm run build:bpf. tailtop works without it (no tail latency).`,
  );
}

try {
  await main();
} catch (err) {
  console.log(`tailtop: eBPF helper not built: ${err instanceof Error ? err.message : String(err)}`);
}
process.exitCode = 0;
