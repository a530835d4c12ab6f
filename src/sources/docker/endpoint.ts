// Which Docker-compatible API to talk to. Order: the --docker-host option, then DOCKER_HOST, then the
// first existing socket of /var/run/docker.sock, /run/podman/podman.sock, $XDG_RUNTIME_DIR/podman/podman.sock.
// `chooseEndpoint` is pure (existence is a parameter); `findEndpoint` adds the file-system check.
import { statSync } from 'node:fs';
import { isIP } from 'node:net';

export interface Endpoint {
  /** As given or found, normalised: unix:///path, tcp://host:port, https://host:port, ssh://user@host. */
  url: string;
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https' | 'ssh';
  username?: string;
  /** A unix socket on this host: the container cgroup files are (normally) readable here. */
  local: boolean;
  /** Where it came from. */
  from: 'option' | 'env' | 'default';
}

const DEFAULT_SOCKETS = ['/var/run/docker.sock', '/run/podman/podman.sock'] as const;

export interface ChooseInput {
  /** The --docker-host option. */
  option?: string | undefined;
  /** process.env (DOCKER_HOST, DOCKER_TLS_VERIFY, XDG_RUNTIME_DIR are read). */
  env?: Record<string, string | undefined>;
  /** Does this path exist and is it a socket? */
  exists?: (path: string) => boolean;
}

export type ChooseResult = { endpoint: Endpoint; error: null } | { endpoint: null; error: string | null };

/** Parses one DOCKER_HOST-style URL. Returns a one-line error for input it cannot use. */
export function parseDockerHost(raw: string, from: Endpoint['from'], env: Record<string, string | undefined> = {}): ChooseResult {
  const text = raw.trim();
  if (text === '') return { endpoint: null, error: `docker: empty host (${from === 'option' ? '--docker-host' : 'DOCKER_HOST'})` };
  if (text.startsWith('unix://') || text.startsWith('/')) {
    const socketPath = text.startsWith('/') ? text : text.slice('unix://'.length);
    if (socketPath === '' || !socketPath.startsWith('/')) {
      return { endpoint: null, error: `docker: bad unix socket address ${JSON.stringify(text)}` };
    }
    return { endpoint: { url: `unix://${socketPath}`, socketPath, local: true, from }, error: null };
  }
  if (text.startsWith('npipe://')) {
    return { endpoint: null, error: `docker: named pipes are not supported (${JSON.stringify(text)})` };
  }
  const withScheme = text.includes('://') ? text : `tcp://${text}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return { endpoint: null, error: `docker: cannot parse host ${JSON.stringify(text)}` };
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (u.hostname === '') return { endpoint: null, error: `docker: no host name in ${JSON.stringify(text)}` };
  let protocol: 'http' | 'https' | 'ssh';
  let defaultPort: number;
  if (scheme === 'ssh') {
    protocol = 'ssh';
    defaultPort = 22;
  } else if (scheme === 'https') {
    protocol = 'https';
    defaultPort = 2376;
  } else if (scheme === 'tcp' || scheme === 'http') {
    const tls = env.DOCKER_TLS_VERIFY === '1' || u.port === '2376';
    protocol = tls ? 'https' : 'http';
    defaultPort = tls ? 2376 : 2375;
  } else {
    return { endpoint: null, error: `docker: unsupported scheme ${JSON.stringify(scheme)} in ${JSON.stringify(text)}` };
  }
  const port = u.port === '' ? defaultPort : Number(u.port);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const ep: Endpoint = {
    url: `${scheme}://${u.username ? `${u.username}@` : ''}${u.hostname}:${port}`,
    host,
    port,
    protocol,
    local: false,
    from,
  };
  if (u.username) {
    try {
      ep.username = decodeURIComponent(u.username);
    } catch {
      return { endpoint: null, error: `docker: bad user name in ${from === 'option' ? '--docker-host' : 'DOCKER_HOST'} "${raw}"` };
    }
  }
  if (!validHostName(u.hostname)) return { endpoint: null, error: `docker: bad host name ${JSON.stringify(u.hostname)} in ${JSON.stringify(text)}` };
  return { endpoint: ep, error: null };
}

/**
 * A DNS name (letters, digits, '-' and '_' in dot-separated labels), an IPv4 address or a bracketed IPv6
 * address. Anything else (`%%%`) is refused here rather than handed to the HTTP client, which would try
 * some default host instead.
 */
function validHostName(h: string): boolean {
  if (h.startsWith('[') && h.endsWith(']')) return isIP(h.slice(1, -1)) === 6;
  if (h.length > 253) return false;
  return h.split('.').every((label) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label));
}

/** The default sockets in the order they are tried. */
export function candidateSockets(env: Record<string, string | undefined>): string[] {
  const out: string[] = [...DEFAULT_SOCKETS];
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && xdg.startsWith('/')) out.push(`${xdg.replace(/\/+$/, '')}/podman/podman.sock`);
  return out;
}

/**
 * Pure choice. An explicit option or DOCKER_HOST wins even when nothing answers there (the caller then
 * reconnects); with neither, the first existing default socket; none at all = `{ endpoint: null, error: null }`.
 */
export function chooseEndpoint(input: ChooseInput): ChooseResult {
  const env = input.env ?? {};
  if (input.option !== undefined && input.option !== '') return parseDockerHost(input.option, 'option', env);
  const fromEnv = env.DOCKER_HOST;
  if (fromEnv !== undefined && fromEnv !== '') return parseDockerHost(fromEnv, 'env', env);
  const exists = input.exists ?? (() => false);
  for (const path of candidateSockets(env)) {
    if (exists(path)) return { endpoint: { url: `unix://${path}`, socketPath: path, local: true, from: 'default' }, error: null };
  }
  return { endpoint: null, error: null };
}

/** True when `path` exists and is a socket. Never throws. */
export function socketExists(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** chooseEndpoint with the real environment and file system. */
export function findEndpoint(option?: string, env: Record<string, string | undefined> = process.env): ChooseResult {
  return chooseEndpoint({ option, env, exists: socketExists });
}
