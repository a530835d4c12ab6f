// The committed prebuilt helpers are what the sources build: rebuilt here from bpf/ with `make -C bpf prebuilt`
// (into a temporary directory), the rebuilt and the committed binaries must report the source hash of the
// sources in bpf/ as computed by tailtop (helper-version.ts) and by the Makefile. A change to bpf/ without
// `make -C bpf prebuilt` and a commit of bpf/prebuilt/ fails here. Both are static executables (no
// interpreter, so no shared libbpf/libelf/libc at run time). aarch64 is run under qemu-user for --version.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, requirement } from '../env.js';
import { which } from './docker-helpers.js';
import { parseVersion, sourceHash } from '../../src/sources/ebpf/helper-version.js';
import { PROTOCOL_VERSION } from '../../src/sources/ebpf/protocol.js';

const BPF = join(REPO, 'bpf');
const ARCHES = ['x86_64', 'aarch64'] as const;
const QEMU = 'qemu-aarch64-static';

function unmet(): string | null {
  if (process.arch !== 'x64') return 'the prebuilt helpers are built on x86_64';
  for (const c of ['make', 'clang', 'llvm-strip', 'bpftool', 'x86_64-linux-gnu-gcc', 'aarch64-linux-gnu-gcc', QEMU])
    if (!which(c)) return `${c} not installed (see .ci/run)`;
  for (const a of ['/usr/lib/x86_64-linux-gnu/libbpf.a', '/usr/lib/aarch64-linux-gnu/libbpf.a', '/usr/lib/aarch64-linux-gnu/libelf.a'])
    if (!existsSync(a)) return `${a} missing (libbpf-dev, libelf-dev for amd64 and arm64; see .ci/run)`;
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'kernel has no BTF (vmlinux.h is generated from it)';
  return null;
}
const why = unmet();
const skip = requirement('prebuilt helper rebuild', why === null, why ?? '') !== null;

/** True when the ELF file has a PT_INTERP program header (a dynamically linked executable). */
function hasInterpreter(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    expect(h.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(h[4]).toBe(2); // 64-bit
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (ph.readUInt32LE(i * phentsize) === 3) return true;
    return false;
  } finally {
    closeSync(fd);
  }
}

function versionOf(bin: string, arch: string): ReturnType<typeof parseVersion> {
  const r = arch === 'aarch64' ? spawnSync(QEMU, [bin, '--version'], { encoding: 'utf8' }) : spawnSync(bin, ['--version'], { encoding: 'utf8' });
  expect(r.status, `${bin} --version: ${r.stderr}`).toBe(0);
  return parseVersion(r.stdout);
}

describe.skipIf(skip)('prebuilt helpers', () => {
  const out = mkdtempSync(join(tmpdir(), 'tailtop-prebuilt-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const src = sourceHash(BPF)!;

  it("tailtop's source hash is the Makefile's", () => {
    expect(src).toMatch(/^[0-9a-f]{64}$/);
    expect(execFileSync('make', ['-s', '-C', BPF, 'hash'], { encoding: 'utf8' }).trim()).toBe(src);
  });

  it('rebuilt from bpf/, each reports the source hash and is static', () => {
    execFileSync('make', ['-s', '-C', BPF, 'prebuilt', `PREBUILT_DIR=${out}`], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    for (const arch of ARCHES) {
      const bin = join(out, `tailtop-bpf-${arch}`);
      expect(versionOf(bin, arch)).toMatchObject({ sourceSha256: src, link: 'static', arch, protocol: PROTOCOL_VERSION });
      expect(hasInterpreter(bin)).toBe(false);
    }
  }, 300_000);

  it('the committed helpers were built from the current sources (else: make -C bpf prebuilt, and commit bpf/prebuilt/)', () => {
    for (const arch of ARCHES) {
      const bin = join(BPF, 'prebuilt', `tailtop-bpf-${arch}`);
      const v = versionOf(bin, arch);
      expect(v?.sourceSha256, `${bin} was built from other sources than bpf/ now: run make -C bpf prebuilt and commit it`).toBe(src);
      expect(v).toMatchObject({ link: 'static', arch, protocol: PROTOCOL_VERSION });
      expect(hasInterpreter(bin), `${bin} is dynamically linked`).toBe(false);
    }
    // A dynamically linked local build, for contrast, has an interpreter: the check above can fail.
    if (existsSync(join(BPF, 'tailtop-bpf'))) expect(hasInterpreter(join(BPF, 'tailtop-bpf'))).toBe(true);
  });
});
