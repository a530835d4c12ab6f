// Tail latency on a host without the eBPF toolchain. In a private mount namespace (unshare -m) clang, llc,
// llvm-strip, bpftool, the libbpf and libelf headers and the shared libbpf and libelf are masked with empty
// files and directories; there tailtop is installed
//   1. from a clean copy of the repository (the files git knows, nothing built): npm install, then run;
//   2. from the `npm pack` tarball into an empty prefix: npm install -g ./tailtop-*.tgz --prefix DIR.
// Both must report latency.active true with write rows for a loop device under load, with the static
// prebuilt helper. The tarball holds the prebuilt helper, themes, docs and dist, and nothing from test/.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, requirement } from '../env.js';
import { which } from '../integration/docker-helpers.js';
import { loopUnderLoad, type LoopLoad } from '../integration/loop-load.js';
import { prebuiltName } from '../../src/sources/ebpf/helper-path.js';
import { sourceHash } from '../../src/sources/ebpf/helper-version.js';

function unmet(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (mount namespace, loop device, eBPF)';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'kernel has no BTF';
  for (const c of ['unshare', 'mount', 'git', 'npm', 'losetup', 'tar']) if (!which(c)) return `${c} not installed`;
  if (spawnSync('git', ['-C', REPO, 'rev-parse', '--git-dir']).status !== 0) return `${REPO} is not a git checkout`;
  if (!prebuiltName()) return `no prebuilt helper for ${process.arch}`;
  return null;
}
const why = unmet();
const skip = requirement('install without the eBPF toolchain', why === null, why ?? '') !== null;

interface Latency {
  active: boolean;
  source: string;
  block: { device: string; op: string; count: number; p99Us: number | null }[];
}

// Runs inside `unshare --mount --propagation private`: masks the toolchain, checks it is gone, installs both
// ways and takes a snapshot with each. Paths come in the environment.
const SCRIPT = String.raw`
set -eu
mask_file() { for f in "$@"; do [ -e "$f" ] || continue; mount --bind "$WORK/empty-file" "$(readlink -f "$f")"; echo "masked $f"; done; }
mask_dir() { for d in "$@"; do [ -d "$d" ] || continue; mount --bind "$WORK/empty-dir" "$d"; echo "masked $d/"; done; }
mask_file /usr/bin/clang /usr/bin/llc /usr/bin/llvm-strip /usr/sbin/bpftool /usr/bin/bpftool \
  /usr/include/libelf.h /usr/include/gelf.h /usr/include/nlist.h \
  /usr/lib/$TRIPLET/libbpf.so.1 /usr/lib/$TRIPLET/libelf.so.1 /usr/lib/$TRIPLET/libbpf.a /usr/lib/$TRIPLET/libelf.a
for f in /usr/lib/llvm-*/bin/clang /usr/lib/llvm-*/bin/llc; do mask_file "$f"; done
mask_dir /usr/include/bpf /usr/include/elfutils
for t in clang llc llvm-strip bpftool; do if sh -c "command -v $t" >/dev/null; then echo "still there: $t"; exit 9; fi; done
[ -e /usr/include/bpf/libbpf.h ] && { echo "still there: libbpf.h"; exit 9; }
if [ -x "$REPO/bpf/tailtop-bpf" ]; then
  if "$REPO/bpf/tailtop-bpf" --version >/dev/null 2>&1; then echo "the shared libbpf is still there"; exit 9; fi
  echo "the dynamically linked local build cannot start here"
fi

echo "== 1: npm install in a clean copy of the repository"
cd "$CLEAN"
npm install --no-audit --no-fund > "$WORK/clean-install.log" 2>&1 || { tail -20 "$WORK/clean-install.log"; exit 3; }
grep '^tailtop: eBPF helper' "$WORK/clean-install.log"
node dist/cli.js snapshot --json --no-docker --interval 1500 > "$WORK/clean-snapshot.json"

echo "== 2: npm install -g of the tarball into an empty prefix"
npm install -g "$TGZ" --prefix "$PREFIX" --no-audit --no-fund > "$WORK/global-install.log" 2>&1 || { tail -20 "$WORK/global-install.log"; exit 4; }
PATH="$PREFIX/bin:$PATH" command -v tailtop
PATH="$PREFIX/bin:$PATH" tailtop --version
PATH="$PREFIX/bin:$PATH" tailtop snapshot --json --no-docker --interval 1500 > "$WORK/global-snapshot.json"
PATH="$PREFIX/bin:$PATH" tailtop doctor --json > "$WORK/global-doctor.json" || true
echo "== done"
`;

describe.skipIf(skip)('tail latency without the eBPF toolchain (masked in a mount namespace)', () => {
  const work = mkdtempSync(join(tmpdir(), 'tailtop-install-'));
  const clean = join(work, 'clean');
  const prefix = join(work, 'prefix');
  let tgz = '';
  let load: LoopLoad | null = null;
  let out = '';

  beforeAll(async () => {
    writeFileSync(join(work, 'empty-file'), '');
    mkdirSync(join(work, 'empty-dir'));
    mkdirSync(prefix);
    // A clean copy: the files git knows about (tracked or not ignored), as they are on disk; nothing built.
    const files = execFileSync('git', ['-C', REPO, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '' && existsSync(join(REPO, f)) && statSync(join(REPO, f)).isFile());
    for (const f of files) {
      mkdirSync(dirname(join(clean, f)), { recursive: true });
      copyFileSync(join(REPO, f), join(clean, f));
      chmodSync(join(clean, f), statSync(join(REPO, f)).mode & 0o777);
    }
    // The tarball, from the repository as it is (dist/ was built by the suite's global set-up).
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO, encoding: 'utf8' });
    tgz = join(work, (JSON.parse(packed) as { filename: string }[])[0]!.filename);
    load = await loopUnderLoad(`tailtop-install-${process.pid}`);
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', SCRIPT], {
      encoding: 'utf8',
      timeout: 600_000,
      env: {
        ...process.env,
        WORK: work,
        CLEAN: clean,
        PREFIX: prefix,
        TGZ: tgz,
        REPO,
        TRIPLET: process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu',
        npm_config_update_notifier: 'false',
      },
    });
    out = `${r.stdout}${r.stderr}`;
    console.log(out.trimEnd());
    expect(r.status, out).toBe(0);
  }, 660_000);

  afterAll(async () => {
    await load?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const latency = (file: string): Latency => (JSON.parse(readFileSync(join(work, file), 'utf8')) as { latency: Latency }).latency;

  it('the toolchain was really gone: npm install used the prebuilt helper', () => {
    expect(out).toMatch(/^masked \/usr\/include\/bpf\/$/m);
    expect(out).toMatch(/^masked \/usr\/bin\/clang$/m);
    expect(readFileSync(join(work, 'clean-install.log'), 'utf8')).toMatch(
      new RegExp(`^tailtop: eBPF helper: using the prebuilt bpf/prebuilt/${prebuiltName()} \\(static, source [0-9a-f]{12}\\) \\(no eBPF toolchain: missing clang, llvm, bpftool, libbpf headers`, 'm'),
    );
    expect(existsSync(join(clean, 'bpf', 'tailtop-bpf'))).toBe(false);
  });

  it('from a clean copy of the repository: latency active, write rows for the loop device', () => {
    const lat = latency('clean-snapshot.json');
    expect(lat).toMatchObject({ active: true, source: 'ebpf' });
    const rows = lat.block.filter((b) => b.device === load!.dev && b.op === 'write');
    expect(rows.length, JSON.stringify(lat.block)).toBe(1);
    expect(rows[0]!.count).toBeGreaterThan(10);
    expect(rows[0]!.p99Us).toBeGreaterThan(0);
  });

  it('from the tarball into an empty prefix: tailtop on PATH, latency active, write rows for the loop device', () => {
    expect(out).toContain(`${prefix}/bin/tailtop`);
    const lat = latency('global-snapshot.json');
    expect(lat).toMatchObject({ active: true, source: 'ebpf' });
    const rows = lat.block.filter((b) => b.device === load!.dev && b.op === 'write');
    expect(rows.length, JSON.stringify(lat.block)).toBe(1);
    expect(rows[0]!.count).toBeGreaterThan(10);
    const doctor = JSON.parse(readFileSync(join(work, 'global-doctor.json'), 'utf8')) as { checks: { id: string; status: string; detail: Record<string, unknown> }[] };
    const helper = doctor.checks.find((c) => c.id === 'ebpf.helper')!;
    expect(helper).toMatchObject({ status: 'ok', detail: { origin: 'prebuilt', link: 'static' } });
    expect(helper.detail.sourceSha256).toBe(sourceHash(join(REPO, 'bpf')));
    expect(doctor.checks.find((c) => c.id === 'ebpf.programs')!.status).toBe('ok');
  });

  it('the tarball holds dist, the prebuilt helper, the helper sources, themes and docs, and nothing from test/', () => {
    const list = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n');
    const has = (p: string): boolean => list.includes(`package/${p}`);
    for (const p of ['package.json', 'README.md', 'dist/cli.js', `bpf/prebuilt/${prebuiltName()}`, 'bpf/Makefile', 'bpf/loader.c', 'bpf/tailtop.bpf.c', 'bpf/tailtop.h', 'themes/default.theme', 'docs/doctor.md', 'docs/snapshot.md', 'docs/ebpf-protocol.md', 'assets/report/page.js', 'assets/report/page.css'])
      expect(has(p), p).toBe(true);
    expect(list.filter((p) => /^package\/(test|bench)\//.test(p) || /\.test\.[jt]s$/.test(p))).toEqual([]);
    for (const p of ['bpf/tailtop-bpf', 'bpf/vmlinux.h', 'scripts/dockerd.sh']) expect(has(p), p).toBe(false);
    expect(list.some((p) => p.includes('/.output/'))).toBe(false);
    const installed = join(prefix, 'lib', 'node_modules', 'tailtop');
    expect(statSync(join(installed, 'bpf', 'prebuilt', prebuiltName()!)).mode & 0o111).toBe(0o111);
    expect(readdirSync(installed).sort()).toEqual(['README.md', 'assets', 'bpf', 'dist', 'docs', 'node_modules', 'package.json', 'scripts', 'themes']);
  });
});
