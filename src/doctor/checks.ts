// The checks of `tailtop doctor`. Each looks at the real system once and returns one CheckResult with the
// fix for anything short of ok. The eBPF check runs the helper the monitor would run, through the same
// supervisor, and reports which programs attached.
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { WriteStream } from 'node:tty';
import { defaultConfigPath, loadConfig, type Config } from '../config/config.js';
import { loadTheme } from '../config/themes.js';
import { detectCgroupLayout } from '../sources/cgroup/detect.js';
import { findEndpoint, type Endpoint } from '../sources/docker/endpoint.js';
import {
  HELPER_GROUP,
  INSTALLED_HELPER,
  PACKAGE_ROOT,
  checkHelper,
  findHelper,
  hostAccess,
  readFileCaps,
  type HelperChoice,
} from '../sources/ebpf/helper-path.js';
import { readVersion, shortHash, sourceHash } from '../sources/ebpf/helper-version.js';
import { PROTOCOL_VERSION } from '../sources/ebpf/protocol.js';
import { EbpfSupervisor } from '../sources/ebpf/supervisor.js';
import type { CheckResult } from './report.js';

const BTF = '/sys/kernel/btf/vmlinux';
const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;
/** The programs the helper attaches (docs/ebpf-protocol.md). */
const PROGRAMS = ['block_rq_insert', 'block_rq_issue', 'block_rq_complete', 'sched_wakeup', 'sched_wakeup_new', 'sched_switch'];

type Check = Omit<CheckResult, 'id' | 'title'>;
const ok = (summary: string, detail: Record<string, unknown> = {}): Check => ({ status: 'ok', summary, fix: null, detail });
const warn = (summary: string, fix: string | null, detail: Record<string, unknown> = {}): Check => ({ status: 'warn', summary, fix, detail });
const fail = (summary: string, fix: string | null, detail: Record<string, unknown> = {}): Check => ({ status: 'fail', summary, fix, detail });

export interface DoctorOptions {
  /** --config FILE (else the default path, where a missing file is fine). */
  configPath: string | null;
  /** --docker-host. */
  dockerHost: string | null;
  env: NodeJS.ProcessEnv;
}

function userName(env: NodeJS.ProcessEnv): string {
  const me = hostAccess();
  return (me.euid === 0 ? env.SUDO_USER : null) || me.userName(me.euid) || env.USER || 'USER';
}

export function kernelCheck(rel = release()): Check {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  const v = m ? Number(m[1]) * 1000 + Number(m[2]) : 0;
  const detail = { release: rel };
  if (v >= 5012) return ok(`Linux ${rel}`, detail);
  const fix = 'a kernel 5.12+ for eBPF latency (everything else works without it)';
  if (v >= 5008) return warn(`Linux ${rel}: eBPF latency needs 5.12+ (the BPF compare-and-swap behind exact maxima): it stays off`, fix, detail);
  return warn(`Linux ${rel}: eBPF latency needs 5.12+ (and 5.8+ for CAP_BPF/CAP_PERFMON): it stays off`, fix, detail);
}

export function btfCheck(exists: (p: string) => boolean): Check {
  if (exists(BTF)) return ok(`${BTF} present (CO-RE: no kernel headers needed)`, { path: BTF });
  return fail(`no kernel BTF (${BTF}): eBPF tail latency is off`, 'a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian 11+, Ubuntu 20.10+, Fedora, RHEL 8.2+)', { path: BTF });
}

export function permissionCheck(env: NodeJS.ProcessEnv): Check {
  const sys = hostAccess();
  const user = userName(env);
  const has = (bit: bigint): boolean => ((sys.capEff >> bit) & 1n) === 1n;
  if (sys.euid === 0) {
    if ((has(CAP_BPF) && has(CAP_PERFMON)) || has(CAP_SYS_ADMIN)) return ok('running as root', { euid: 0, capEff: sys.capEff.toString(16) });
    return fail('root, but without CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN (a container?)', 'give the capabilities (docker run --cap-add BPF --cap-add PERFMON ...), or run on the host', { euid: 0, capEff: sys.capEff.toString(16) });
  }
  if (has(CAP_BPF) && has(CAP_PERFMON)) return ok('tailtop itself has CAP_BPF and CAP_PERFMON', { euid: sys.euid, capEff: sys.capEff.toString(16) });
  const installed = checkHelper({ path: INSTALLED_HELPER, origin: 'installed' }, sys);
  const detail = { euid: sys.euid, user, installed: INSTALLED_HELPER, group: HELPER_GROUP, inGroup: false };
  if (!installed.ok) {
    if (installed.kind === 'not-found')
      return fail('not root, and no helper installed with capabilities', `sudo tailtop setup, then: sudo usermod -aG ${HELPER_GROUP} ${user} (and log in again)`, detail);
    if (installed.kind === 'not-permitted')
      return fail(installed.reason.replace(/^eBPF: /, ''), `sudo usermod -aG ${HELPER_GROUP} ${user}, then log in again (or: newgrp ${HELPER_GROUP})`, detail);
    return fail(installed.reason.replace(/^eBPF: /, ''), 'sudo tailtop setup (reinstalls it)', detail);
  }
  const caps = readFileCaps(INSTALLED_HELPER);
  const full = caps !== null && /cap_bpf/.test(caps) && /cap_perfmon/.test(caps) && /[=+][a-z]*e/.test(caps);
  if (!full) return fail(`${INSTALLED_HELPER} lacks its capabilities (${caps === null ? 'getcap not installed' : caps || 'none'})`, 'sudo tailtop setup', { ...detail, inGroup: true, caps });
  return ok(`in group ${HELPER_GROUP}; ${INSTALLED_HELPER} has ${caps}`, { ...detail, inGroup: true, caps });
}

function helperFix(choice: HelperChoice & { ok: false }, user: string): string {
  if (choice.kind === 'bad-env') return 'give TAILTOP_BPF_HELPER an absolute path, or unset it';
  if (choice.kind === 'not-permitted') return `sudo usermod -aG ${HELPER_GROUP} ${user}, then log in again`;
  if (choice.kind === 'refused') return choice.origin === 'env' ? 'point TAILTOP_BPF_HELPER at a file only root can change' : 'sudo tailtop setup (installs a root-owned copy)';
  return choice.origin === 'env' ? 'fix or unset TAILTOP_BPF_HELPER' : 'reinstall tailtop (the package ships bpf/prebuilt/), or build one: make -C bpf';
}

export function helperCheck(env: NodeJS.ProcessEnv): Check {
  const choice = findHelper({ env });
  if (!choice.ok) return fail(choice.reason.replace(/^eBPF: /, ''), helperFix(choice, userName(env)), { path: choice.path ?? null, origin: choice.origin ?? null });
  const v = readVersion(choice.path);
  const detail: Record<string, unknown> = { path: choice.path, origin: choice.origin };
  if ('error' in v) return fail(`${choice.path}: ${v.error}`, choice.origin === 'installed' ? 'sudo tailtop setup' : 'make -C bpf', detail);
  const sources = sourceHash(join(PACKAGE_ROOT, 'bpf'));
  Object.assign(detail, { protocol: v.protocol, sourceSha256: v.sourceSha256, packageSourceSha256: sources, link: v.link, arch: v.arch, libbpf: v.libbpf });
  const what = `${choice.path} (${choice.origin}, ${v.link}, libbpf ${v.libbpf}), protocol ${v.protocol}, source ${shortHash(v.sourceSha256)}`;
  if (v.protocol !== PROTOCOL_VERSION)
    return fail(`${what}: speaks protocol ${v.protocol}, tailtop ${PROTOCOL_VERSION}`, choice.origin === 'installed' ? 'sudo tailtop setup (installs this version\'s helper)' : 'make -C bpf', detail);
  if (sources !== null && v.sourceSha256 !== sources) {
    const fix = { installed: 'sudo tailtop setup (installs this version\'s helper)', build: 'make -C bpf', prebuilt: 'make -C bpf prebuilt', env: null, option: null }[choice.origin];
    return warn(`${what}: built from other sources than this tailtop's bpf/ (${shortHash(sources)})`, fix, detail);
  }
  return ok(`${what}${sources !== null ? ' = this package\'s bpf/' : ''}`, detail);
}

/** Runs the helper as the monitor would (same choice, same supervisor) until hello, then stops it. */
export async function programsCheck(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Check> {
  const sup = new EbpfSupervisor({ env, intervalMs: 1000, helloTimeoutMs: timeoutMs, backoff: { initialMs: 3_600_000 } });
  try {
    await sup.start();
    const ready = await sup.waitReady(timeoutMs + 2000);
    const st = sup.status();
    if (!ready || !st.hello) {
      const reason = st.reason.replace(/^eBPF: /, '');
      return fail(`no program attached: ${reason}`, /permit/.test(reason) ? 'see the eBPF permission line' : 'see the lines above; TAILTOP_BPF_DEBUG=1 shows libbpf\'s log', { attached: {}, failed: {}, reason: st.reason });
    }
    const { programs, failed, cgroup } = st.hello;
    const detail = { attached: programs, failed, cgroup, pid: st.pid ?? null };
    const modes = [...new Set(Object.values(programs))].join('/');
    const missing = PROGRAMS.filter((p) => !(p in programs));
    if (missing.length === 0) return ok(`${PROGRAMS.length} of ${PROGRAMS.length} attached (${modes}); cgroup ids: block ${cgroup.block}, run queue ${cgroup.runq}`, detail);
    const why = missing.map((p) => `${p}${failed[p] ? ` (${failed[p]})` : ''}`).join(', ');
    const status = missing.length === PROGRAMS.length ? fail : warn;
    return status(`${PROGRAMS.length - missing.length} of ${PROGRAMS.length} attached; not: ${why}`, 'a kernel with these tracepoints (block, sched) and BTF', detail);
  } finally {
    await sup.stop();
  }
}

export async function cgroupCheck(): Promise<Check> {
  const { layout, errors } = await detectCgroupLayout('/');
  const v1 = [...layout.v1.entries()].map(([c, m]) => ({ controller: c, mountPoint: m.mountPoint }));
  const detail = { mode: layout.mode, unified: layout.unified?.mountPoint ?? null, v1, errors };
  const ctl = [...layout.v1.keys()].filter((k) => !k.startsWith('name=')).sort().join(', ');
  switch (layout.mode) {
    case 'v2':
      return ok(`v2 (unified) at ${layout.unified!.mountPoint}`, detail);
    case 'hybrid':
      return ok(`hybrid: v1 (${ctl}) and cgroup2 at ${layout.unified!.mountPoint}`, detail);
    case 'v1':
      return ok(`v1 (${ctl}); no per-container pressure (PSI) on pure v1`, detail);
    default:
      return warn(`no cgroup hierarchy mounted${errors[0] ? ` (${errors[0]})` : ''}: container figures come from the Docker API`, 'mount cgroup2 at /sys/fs/cgroup', detail);
  }
}

interface Answer {
  status: number;
  body: string;
}

function get(ep: Endpoint, path: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      ep.socketPath ? { socketPath: ep.socketPath, path, timeout: timeoutMs } : { host: ep.host, port: ep.port, path, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (body.length < 65_536) body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

export async function containersCheck(o: DoctorOptions, cfg: Config | null): Promise<Check> {
  const option = o.dockerHost ?? cfg?.dockerHost ?? undefined;
  const found = findEndpoint(option, o.env);
  if (found.error) return fail(found.error, 'fix --docker-host, docker_host in the config, or DOCKER_HOST', {});
  const ep = found.endpoint;
  if (!ep) return warn('no Docker or Podman socket found: the containers view will be empty', 'start Docker or Podman, or give --docker-host', { endpoint: null });
  const detail: Record<string, unknown> = { endpoint: ep.url, from: ep.from };
  if (ep.protocol === 'https' || ep.protocol === 'ssh')
    return warn(`${ep.url}: not checked (${ep.protocol} endpoints need their credentials)`, null, detail);
  try {
    const ping = await get(ep, '/_ping', 3000);
    if (ping.status !== 200) return fail(`${ep.url} answered ${ping.status} to /_ping`, 'check the daemon', detail);
    const v = await get(ep, '/version', 3000);
    const info = JSON.parse(v.body) as { Version?: string; ApiVersion?: string; Components?: { Name?: string }[] };
    const name = info.Components?.some((c) => /podman/i.test(c.Name ?? '')) ? 'Podman' : 'Docker';
    Object.assign(detail, { runtime: name.toLowerCase(), version: info.Version ?? null, apiVersion: info.ApiVersion ?? null });
    return ok(`${name} ${info.Version ?? '?'} (API ${info.ApiVersion ?? '?'}) at ${ep.url}`, detail);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    detail.error = e.code ?? e.message;
    if (e.code === 'EACCES')
      return fail(`permission denied on ${ep.socketPath ?? ep.url}`, `sudo usermod -aG docker ${userName(o.env)}, then log in again (or use rootless Podman's socket)`, detail);
    if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT')
      return fail(`nothing answers at ${ep.url} (${e.code})`, 'start the daemon (systemctl start docker), or fix DOCKER_HOST', detail);
    return fail(`${ep.url}: ${e.message}`, 'check the daemon', detail);
  }
}

export function terminalCheck(env: NodeJS.ProcessEnv, isTty: boolean): Check {
  const term = env.TERM ?? '';
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  const utf8 = /utf-?8/i.test(locale);
  const noColor = (env.NO_COLOR ?? '') !== '';
  const depth = WriteStream.prototype.getColorDepth.call(null, env);
  const colors = noColor ? 0 : /truecolor|24bit/i.test(env.COLORTERM ?? '') ? 16_777_216 : 2 ** depth;
  const detail = { term: term || null, locale: locale || null, utf8, colors, noColor, stdoutIsTty: isTty };
  const colorText = noColor ? 'no colour (NO_COLOR)' : colors >= 16_777_216 ? '24-bit colour' : `${colors} colours`;
  const what = `TERM=${term || '(unset)'}, ${colorText}, ${utf8 ? 'UTF-8' : `locale ${locale || 'C'} (not UTF-8)`}`;
  if (term === '' || term === 'dumb')
    return warn(`${what}: the monitor needs a terminal that can move the cursor`, 'run it in a terminal (TERM=xterm-256color, screen, tmux...); `tailtop snapshot --json` works anywhere', detail);
  if (!utf8) return warn(`${what}: line drawing and bars need a UTF-8 locale`, 'export LANG=C.UTF-8 (or any *.UTF-8 locale)', detail);
  return ok(what, detail);
}

export function configCheck(path: string | null, env: NodeJS.ProcessEnv): { check: Check & { blocks?: boolean }; cfg: Config | null } {
  const file = path ?? defaultConfigPath(env);
  let cfg: Config;
  try {
    cfg = loadConfig(file, { required: path !== null });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return { check: { ...fail(msg, `fix the file (README: Configuration), or move it aside: tailtop starts with the defaults`, { path: file }), blocks: true }, cfg: null };
  }
  try {
    if (cfg.theme) loadTheme(cfg.theme);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return { check: { ...fail(`${file}: theme: ${msg}`, 'name a theme from themes/, or remove the theme key', { path: file }), blocks: true }, cfg: null };
  }
  const exists = existsSync(file);
  return { check: ok(exists ? `${file}: valid` : `no config file (${file}): defaults`, { path: file, exists }), cfg };
}
