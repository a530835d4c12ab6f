// docker-modem (under dockerode) loads ssh2 at start-up for ssh:// endpoints, which costs about 12 MiB of
// resident memory in every tailtop, although almost nobody monitors over ssh://. This puts a stand-in for
// docker-modem's ssh agent module into the require cache that loads the real one on first use. Imported
// before dockerode; if docker-modem's layout ever differs, it does nothing and the real module loads.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

try {
  const dockerodeRequire = createRequire(require.resolve('dockerode'));
  const modemRequire = createRequire(dockerodeRequire.resolve('docker-modem'));
  const sshPath = modemRequire.resolve('./ssh');
  if (!require.cache[sshPath]) {
    let real: ((opt: unknown) => unknown) | null = null;
    const lazy = (opt: unknown): unknown => {
      if (!real) {
        delete require.cache[sshPath];
        real = modemRequire('./ssh') as (opt: unknown) => unknown;
      }
      return real(opt);
    };
    const Module = require('node:module') as typeof import('node:module');
    const stub = new Module(sshPath);
    stub.filename = sshPath;
    stub.loaded = true;
    stub.exports = lazy;
    require.cache[sshPath] = stub;
  }
} catch {
  // docker-modem not where expected: leave loading to it.
}
