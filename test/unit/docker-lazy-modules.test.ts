import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const loaded = (pkg: RegExp): boolean => Object.keys(require.cache).some((k) => pkg.test(k));

describe('lazy modules under dockerode', () => {
  it('dockerode loads without ssh2, and an ssh:// agent still loads it on first use', async () => {
    await import('../../src/sources/docker/api-dockerode.js');
    const ssh2 = /node_modules[\\/]ssh2[\\/]/;
    expect(loaded(ssh2)).toBe(false);
    const modemRequire = createRequire(createRequire(require.resolve('dockerode')).resolve('docker-modem'));
    const sshAgent = modemRequire('./ssh') as (opt: unknown) => { createConnection: unknown };
    const agent = sshAgent({ host: '127.0.0.1', port: 1, username: 'nobody' });
    expect(typeof agent.createConnection).toBe('function');
    expect(loaded(ssh2)).toBe(true);
  });

  it('dockerode loads without the BuildKit session (gRPC, protobufjs), which loads on first use', async () => {
    await import('../../src/sources/docker/api-dockerode.js');
    const grpc = /node_modules[\\/](@grpc|protobufjs)[\\/]/;
    expect(loaded(grpc)).toBe(false);
    const withSession = createRequire(require.resolve('dockerode'))('./session') as (docker: unknown, auth: unknown, handler: (err: unknown) => void) => void;
    const err = await new Promise((resolve) => {
      withSession({ modem: { dial: (_o: unknown, cb: (e: Error) => void) => cb(new Error('no daemon')) } }, {}, resolve);
    });
    expect((err as Error).message).toBe('no daemon');
    expect(loaded(grpc)).toBe(true);
  });
});
