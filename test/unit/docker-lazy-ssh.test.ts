import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

describe('lazy ssh2 for docker-modem', () => {
  it('dockerode loads without ssh2, and an ssh:// agent still loads it on first use', async () => {
    await import('../../src/sources/docker/api.js');
    const loaded = () => Object.keys(require.cache).some((k) => /node_modules[\\/]ssh2[\\/]/.test(k));
    expect(loaded()).toBe(false);
    const modemRequire = createRequire(createRequire(require.resolve('dockerode')).resolve('docker-modem'));
    const sshAgent = modemRequire('./ssh') as (opt: unknown) => { createConnection: unknown };
    const agent = sshAgent({ host: '127.0.0.1', port: 1, username: 'nobody' });
    expect(typeof agent.createConnection).toBe('function');
    expect(loaded()).toBe(true);
  });
});
