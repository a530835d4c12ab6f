import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { candidateSockets, chooseEndpoint, parseDockerHost, socketExists } from '../../src/sources/docker/endpoint.js';

const none = () => false;

describe('chooseEndpoint', () => {
  it('prefers the option over DOCKER_HOST over default sockets', () => {
    const all = () => true;
    const r1 = chooseEndpoint({ option: 'unix:///opt/a.sock', env: { DOCKER_HOST: 'unix:///opt/b.sock' }, exists: all });
    expect(r1.endpoint).toMatchObject({ socketPath: '/opt/a.sock', local: true, from: 'option' });
    const r2 = chooseEndpoint({ env: { DOCKER_HOST: 'unix:///opt/b.sock' }, exists: all });
    expect(r2.endpoint).toMatchObject({ socketPath: '/opt/b.sock', local: true, from: 'env' });
    const r3 = chooseEndpoint({ env: {}, exists: all });
    expect(r3.endpoint).toMatchObject({ socketPath: '/var/run/docker.sock', url: 'unix:///var/run/docker.sock', from: 'default' });
  });

  it('falls through the default sockets in order', () => {
    const only = (p: string) => (q: string) => q === p;
    expect(chooseEndpoint({ env: {}, exists: only('/run/podman/podman.sock') }).endpoint?.socketPath).toBe('/run/podman/podman.sock');
    expect(
      chooseEndpoint({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, exists: only('/run/user/1000/podman/podman.sock') }).endpoint
        ?.socketPath,
    ).toBe('/run/user/1000/podman/podman.sock');
    expect(candidateSockets({ XDG_RUNTIME_DIR: '/run/user/7/' })).toEqual([
      '/var/run/docker.sock',
      '/run/podman/podman.sock',
      '/run/user/7/podman/podman.sock',
    ]);
    expect(candidateSockets({ XDG_RUNTIME_DIR: 'relative' })).toHaveLength(2);
  });

  it('no socket anywhere is "none", not an error', () => {
    expect(chooseEndpoint({ env: {}, exists: none })).toEqual({ endpoint: null, error: null });
    expect(chooseEndpoint({ env: { DOCKER_HOST: '' }, option: '', exists: none })).toEqual({ endpoint: null, error: null });
  });

  it('an explicit endpoint is used even if nothing exists there', () => {
    const r = chooseEndpoint({ env: { DOCKER_HOST: 'unix:///nope.sock' }, exists: none });
    expect(r.endpoint?.socketPath).toBe('/nope.sock');
  });
});

describe('parseDockerHost', () => {
  it('tcp, http and bare host:port are remote http', () => {
    expect(parseDockerHost('tcp://10.0.0.5:2375', 'env').endpoint).toMatchObject({
      host: '10.0.0.5',
      port: 2375,
      protocol: 'http',
      local: false,
      url: 'tcp://10.0.0.5:2375',
    });
    expect(parseDockerHost('example.org:4243', 'env').endpoint).toMatchObject({ host: 'example.org', port: 4243, protocol: 'http' });
    expect(parseDockerHost('tcp://h', 'env').endpoint).toMatchObject({ port: 2375, protocol: 'http' });
  });

  it('TLS by DOCKER_TLS_VERIFY, port 2376 or https', () => {
    expect(parseDockerHost('tcp://h:2376', 'env').endpoint?.protocol).toBe('https');
    expect(parseDockerHost('tcp://h:1234', 'env', { DOCKER_TLS_VERIFY: '1' }).endpoint?.protocol).toBe('https');
    expect(parseDockerHost('https://h', 'env').endpoint).toMatchObject({ protocol: 'https', port: 2376 });
  });

  it('ssh keeps the user; IPv6 brackets are removed from host', () => {
    expect(parseDockerHost('ssh://me@box', 'option').endpoint).toMatchObject({ protocol: 'ssh', username: 'me', host: 'box', port: 22 });
    expect(parseDockerHost('tcp://[::1]:2375', 'env').endpoint).toMatchObject({ host: '::1', port: 2375 });
  });

  it('a bare absolute path is a unix socket', () => {
    expect(parseDockerHost('/tmp/x.sock', 'option').endpoint).toMatchObject({ socketPath: '/tmp/x.sock', local: true });
  });

  it('bad input becomes a one-line error, never a throw', () => {
    for (const bad of ['unix://', 'unix://relative', 'npipe:////./pipe/docker', 'ftp://h', 'tcp://', '   ']) {
      const r = parseDockerHost(bad, 'env');
      expect(r.endpoint).toBeNull();
      expect(r.error).toMatch(/^docker: /);
      expect(r.error).not.toContain('\n');
    }
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parseDockerHost(s, 'env');
        expect(r.endpoint === null ? typeof r.error : 'ok').not.toBe('object');
      }),
    );
  });
});

describe('socketExists', () => {
  it('is false for missing paths and for regular files', () => {
    expect(socketExists('/definitely/not/here.sock')).toBe(false);
    expect(socketExists('/etc/hostname')).toBe(false);
  });
});

describe('parseDockerHost with a malformed user name', () => {
  it('gives a one-line error naming where it came from, never a throw', () => {
    expect(parseDockerHost('%@$', 'env')).toEqual({ endpoint: null, error: 'docker: bad user name in DOCKER_HOST "%@$"' });
    expect(parseDockerHost('tcp://%zz@host:2375', 'option').error).toBe('docker: bad user name in --docker-host "tcp://%zz@host:2375"');
  });
});

describe('parseDockerHost with a host name that is not one', () => {
  it('refuses it instead of letting the HTTP client pick a default host', () => {
    expect(parseDockerHost('%%%', 'option').error).toBe('docker: bad host name "%%%" in "%%%"');
    expect(parseDockerHost('tcp://a%20b:2375', 'option').error).toMatch(/bad host name/);
    expect(parseDockerHost('tcp://-bad-:2375', 'env').error).toMatch(/bad host name/);
    expect(parseDockerHost('tcp://docker_host.local:2375', 'env').endpoint?.host).toBe('docker_host.local');
    expect(parseDockerHost('tcp://[::1]:2375', 'env').endpoint?.host).toBe('::1');
    expect(parseDockerHost('tcp://10.0.0.2', 'env').endpoint?.port).toBe(2375);
  });
});
