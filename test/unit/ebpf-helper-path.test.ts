// Which helper tailtop runs and when it refuses one: candidates by user, and the trust rules on a fake file
// system (owners, modes, groups, symlinks, file capabilities, tailtop's own capabilities).
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  INSTALLED_HELPER,
  REASON_NOT_BUILT,
  REASON_NOT_IN_GROUP,
  findHelper,
  helperCandidates,
  hostAccess,
  prebuiltName,
  trustProblem,
  type FileInfo,
  type HostAccess,
} from '../../src/sources/ebpf/helper-path.js';

interface Node {
  uid: number;
  gid: number;
  mode: number;
  link?: string;
  dir?: boolean;
  caps?: string;
}

const PKG = '/opt/tailtop';
const BUILD = `${PKG}/bpf/tailtop-bpf`;
const PREBUILT = `${PKG}/bpf/prebuilt/tailtop-bpf-x86_64`;

/** A file system of root-owned 0755 directories plus the given nodes; users 0 root, 1000 alice, 1001 bob. */
function fakeHost(nodes: Record<string, Partial<Node>>, me = { uid: 1000, gids: [1000], capEff: 0n }): HostAccess {
  const fs = new Map<string, Node>();
  const dir = (p: string): void => {
    if (!fs.has(p)) fs.set(p, { uid: 0, gid: 0, mode: 0o755, dir: true });
  };
  for (const [p, n] of Object.entries(nodes)) {
    const parts = p.split('/').filter(Boolean);
    dir('/');
    for (let i = 1; i < parts.length; i++) dir(`/${parts.slice(0, i).join('/')}`);
    fs.set(p, { uid: 0, gid: 0, mode: 0o755, ...n });
  }
  const resolve = (p: string, depth = 0): string | null => {
    if (depth > 10) return null;
    let cur = '';
    for (const part of p.split('/').filter(Boolean)) {
      const next = `${cur}/${part}`;
      const n = fs.get(next);
      if (!n) return null;
      cur = n.link ? resolve(n.link.startsWith('/') ? n.link : `${cur}/${n.link}`, depth + 1) ?? '' : next;
      if (cur === '') return null;
    }
    return cur || '/';
  };
  const groups = [
    { name: 'root', gid: 0, members: [] as string[] },
    { name: 'alice', gid: 1000, members: [] },
    { name: 'bob', gid: 1001, members: [] },
    { name: 'users', gid: 100, members: ['alice', 'bob'] },
    { name: 'tailtop', gid: 990, members: ['bob'] },
  ];
  const users: Record<number, [string, number]> = { 0: ['root', 0], 1000: ['alice', 1000], 1001: ['bob', 1001] };
  return {
    euid: me.uid,
    gids: me.gids,
    capEff: me.capEff,
    stat(p): FileInfo | null {
      const r = resolve(p);
      const n = r === null ? undefined : fs.get(r);
      return n ? { uid: n.uid, gid: n.gid, mode: n.mode, isFile: !n.dir, isDirectory: Boolean(n.dir) } : null;
    },
    realpath: (p) => resolve(p),
    executable(p) {
      const r = resolve(p);
      const n = r === null ? undefined : fs.get(r);
      if (!n) return false;
      if (me.uid === 0) return (n.mode & 0o111) !== 0;
      if (n.uid === me.uid) return (n.mode & 0o100) !== 0;
      if (me.gids.includes(n.gid)) return (n.mode & 0o010) !== 0;
      return (n.mode & 0o001) !== 0;
    },
    fileCaps: (p) => fs.get(p)?.caps ?? '',
    userName: (uid) => users[uid]?.[0] ?? null,
    primaryGid: (uid) => users[uid]?.[1] ?? null,
    group: (k) => groups.find((g) => (typeof k === 'number' ? g.gid === k : g.name === k)) ?? null,
  };
}

const ROOT = { uid: 0, gids: [0], capEff: 0n };
const ALICE = { uid: 1000, gids: [1000], capEff: 0n };
const BOB = { uid: 1001, gids: [1001, 990], capEff: 0n };

describe('candidates', () => {
  it('root tries its package helpers first, a user the installed one first', () => {
    expect(helperCandidates(0, PKG, 'x64').map((c) => c.path)).toEqual([BUILD, PREBUILT, INSTALLED_HELPER]);
    expect(helperCandidates(1000, PKG, 'x64').map((c) => c.origin)).toEqual(['installed', 'build', 'prebuilt']);
    expect(helperCandidates(1000, PKG, 'arm64')[2]!.path).toBe(`${PKG}/bpf/prebuilt/tailtop-bpf-aarch64`);
    expect(prebuiltName('riscv64')).toBeNull();
  });

  it('falls back to the prebuilt helper when nothing was built', () => {
    const sys = fakeHost({ [PREBUILT]: {} }, ROOT);
    expect(findHelper({ sys, env: {}, pkgRoot: PKG, arch: 'x64' })).toMatchObject({ ok: true, path: PREBUILT, origin: 'prebuilt' });
  });

  it('prefers a local build to the prebuilt one', () => {
    const sys = fakeHost({ [BUILD]: {}, [PREBUILT]: {} }, ROOT);
    expect(findHelper({ sys, env: {}, pkgRoot: PKG, arch: 'x64' })).toMatchObject({ ok: true, origin: 'build' });
  });

  it('says not built when there is no helper at all, and names an arch without a prebuilt one', () => {
    const sys = fakeHost({}, ROOT);
    expect(findHelper({ sys, env: {}, pkgRoot: PKG, arch: 'x64' })).toMatchObject({ ok: false, kind: 'not-found', reason: REASON_NOT_BUILT });
    expect(findHelper({ sys, env: {}, pkgRoot: PKG, arch: 'riscv64' }).ok).toBe(false);
  });

  it('TAILTOP_BPF_HELPER must be absolute, and is the only candidate when set', () => {
    const sys = fakeHost({ [PREBUILT]: {} }, ROOT);
    expect(findHelper({ sys, env: { TAILTOP_BPF_HELPER: 'bpf/tailtop-bpf' }, pkgRoot: PKG })).toMatchObject({
      ok: false,
      kind: 'bad-env',
      reason: "eBPF: TAILTOP_BPF_HELPER must be an absolute path, got 'bpf/tailtop-bpf'",
    });
    expect(findHelper({ sys, env: { TAILTOP_BPF_HELPER: '/srv/h' }, pkgRoot: PKG, arch: 'x64' })).toMatchObject({
      ok: false,
      reason: 'eBPF: helper not found: /srv/h (TAILTOP_BPF_HELPER)',
    });
    expect(findHelper({ sys, env: { TAILTOP_BPF_HELPER: '/opt/tailtop/bpf/../bpf/prebuilt/tailtop-bpf-x86_64' }, pkgRoot: PKG })).toMatchObject({
      ok: true,
      path: PREBUILT,
      origin: 'env',
    });
  });
});

describe('trust, running as root', () => {
  it("refuses a helper owned by another user, and one in another user's directory", () => {
    const own = fakeHost({ [BUILD]: { uid: 1000 } }, ROOT);
    expect(trustProblem(BUILD, own)).toBe(`${BUILD} is owned by alice (uid 1000), not root`);
    const home = fakeHost({ '/home/alice': { uid: 1000, dir: true }, '/home/alice/tailtop-bpf': {} }, ROOT);
    expect(trustProblem('/home/alice/tailtop-bpf', home)).toBe('/home/alice is owned by alice (uid 1000), not root');
  });

  it('refuses anything writable by everyone or by a group other than root, but allows root-owned sticky directories', () => {
    expect(trustProblem(BUILD, fakeHost({ [BUILD]: { mode: 0o757 } }, ROOT))).toBe(`${BUILD} is writable by everyone`);
    expect(trustProblem(BUILD, fakeHost({ [`${PKG}/bpf`]: { dir: true, mode: 0o775, gid: 100 }, [BUILD]: {} }, ROOT))).toBe(
      `${PKG}/bpf is writable by group users`,
    );
    expect(trustProblem(BUILD, fakeHost({ [`${PKG}/bpf`]: { dir: true, mode: 0o775, gid: 0 }, [BUILD]: {} }, ROOT))).toBeNull();
    expect(trustProblem('/tmp/x/h', fakeHost({ '/tmp': { dir: true, mode: 0o1777 }, '/tmp/x': { dir: true, mode: 0o700 }, '/tmp/x/h': {} }, ROOT))).toBeNull();
    expect(trustProblem('/tmp/h', fakeHost({ '/tmp': { dir: true, mode: 0o777 }, '/tmp/h': {} }, ROOT))).toBe('/tmp is writable by everyone');
  });

  it('checks the directories of the path as given and as resolved (a symlink in a user directory is refused)', () => {
    const nodes = { '/home/alice': { uid: 1000, dir: true }, '/home/alice/h': { link: BUILD }, [BUILD]: {} };
    expect(trustProblem('/home/alice/h', fakeHost(nodes, ROOT))).toBe('/home/alice is owned by alice (uid 1000), not root');
    const toUser = { '/usr/local/bin/h': { link: '/home/alice/b' }, '/home/alice': { uid: 1000, dir: true }, '/home/alice/b': {} };
    expect(trustProblem('/usr/local/bin/h', fakeHost(toUser, ROOT))).toBe('/home/alice is owned by alice (uid 1000), not root');
  });

  it("with the package's helpers refused it falls back to the installed one, else gives the refusal", () => {
    const nodes = { [PKG]: { uid: 1000, dir: true }, [PREBUILT]: { uid: 1000 } };
    const refused = findHelper({ sys: fakeHost(nodes, ROOT), env: {}, pkgRoot: PKG, arch: 'x64' });
    expect(refused).toMatchObject({ ok: false, kind: 'refused' });
    expect(refused.ok ? '' : refused.reason).toBe(`eBPF: refusing helper ${PREBUILT}: ${PKG} is owned by alice (uid 1000), not root`);
    const withInstalled = fakeHost({ ...nodes, [INSTALLED_HELPER]: { gid: 990, mode: 0o750 } }, ROOT);
    expect(findHelper({ sys: withInstalled, env: {}, pkgRoot: PKG, arch: 'x64' })).toMatchObject({ ok: true, origin: 'installed' });
  });
});

describe('trust, running as a user', () => {
  it('runs its own build (no capabilities) but not one with file capabilities, and not one owned by another user', () => {
    const home = { '/home/alice': { uid: 1000, dir: true, mode: 0o700 } };
    expect(trustProblem('/home/alice/h', fakeHost({ ...home, '/home/alice/h': { uid: 1000 } }, ALICE))).toBeNull();
    expect(trustProblem('/home/alice/h', fakeHost({ ...home, '/home/alice/h': { uid: 1000, caps: 'cap_bpf,cap_perfmon=ep' } }, ALICE))).toBe(
      'it has file capabilities (cap_bpf,cap_perfmon=ep) but /home/alice is yours to replace; install it with: sudo tailtop setup',
    );
    expect(trustProblem('/home/alice/h', fakeHost({ ...home, '/home/alice/h': { uid: 1001 } }, ALICE))).toBe(
      '/home/alice/h is owned by bob (uid 1001), not root or you',
    );
  });

  it("accepts writes by the user's own private group, not by a shared one", () => {
    const home = { '/home/alice': { uid: 1000, gid: 1000, dir: true, mode: 0o775 } };
    expect(trustProblem('/home/alice/h', fakeHost({ ...home, '/home/alice/h': { uid: 1000, gid: 1000, mode: 0o775 } }, ALICE))).toBeNull();
    expect(trustProblem('/home/alice/h', fakeHost({ ...home, '/home/alice/h': { uid: 1000, gid: 100, mode: 0o775 } }, ALICE))).toBe(
      '/home/alice/h is writable by group users',
    );
  });

  it('with capabilities of its own, tailtop runs only a root-owned helper', () => {
    const sys = fakeHost({ '/home/alice': { uid: 1000, dir: true }, '/home/alice/h': { uid: 1000 } }, { ...ALICE, capEff: 0xc000000000n });
    expect(trustProblem('/home/alice/h', sys)).toBe(
      '/home/alice is yours and tailtop runs with capabilities: only a root-owned helper may be run (sudo tailtop setup)',
    );
  });

  it('uses the installed helper first; outside group tailtop it says so and does not fall back', () => {
    const nodes = { [INSTALLED_HELPER]: { gid: 990, mode: 0o750 }, [BUILD]: { uid: 1000 } };
    expect(findHelper({ sys: fakeHost(nodes, BOB), env: {}, pkgRoot: PKG, arch: 'x64' })).toMatchObject({ ok: true, origin: 'installed' });
    expect(findHelper({ sys: fakeHost(nodes, ALICE), env: {}, pkgRoot: PKG, arch: 'x64' })).toMatchObject({
      ok: false,
      kind: 'not-permitted',
      reason: REASON_NOT_IN_GROUP,
    });
    expect(REASON_NOT_IN_GROUP).toBe('eBPF: not permitted (not in group tailtop)');
  });

  it('a user added to the group after logging in is told to log in again', () => {
    const nodes = { [INSTALLED_HELPER]: { gid: 990, mode: 0o750 } };
    const r = findHelper({ sys: fakeHost(nodes, { uid: 1001, gids: [1001], capEff: 0n }), env: {}, pkgRoot: PKG, arch: 'x64' });
    expect(r).toMatchObject({ ok: false, reason: 'eBPF: not permitted (in group tailtop since this login began: log in again, or run: newgrp tailtop)' });
  });
});

describe('the real host', () => {
  it('resolves symlinks and reads owners and modes of real files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-trust-'));
    const f = join(dir, 'h');
    writeFileSync(f, '#!/bin/sh\n', { mode: 0o755 });
    symlinkSync(f, join(dir, 'link'));
    const sys = hostAccess();
    expect(sys.realpath(join(dir, 'link'))).toBe(f);
    expect(sys.stat(f)).toMatchObject({ uid: process.geteuid!(), isFile: true, mode: 0o755 });
    expect(sys.executable(f)).toBe(true);
    expect(trustProblem(join(dir, 'link'), sys)).toBeNull();
    expect(sys.fileCaps(f)).toBe('');
  });
});
