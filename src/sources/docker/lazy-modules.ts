// dockerode loads, at start-up, modules that a monitor almost never uses and that cost resident memory in every
// tailtop: docker-modem's ssh agent (ssh2, about 12 MiB, for ssh:// endpoints only) and dockerode's BuildKit
// session (@grpc/grpc-js, @grpc/proto-loader and protobufjs parsing .proto files, about 10 MiB, for image
// builds only). Each of those modules exports one function; this puts a stand-in for it into the require cache
// that loads the real one on first call. Imported before dockerode; if a layout ever differs, it does nothing
// for that module and the real one loads as before.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Module = require('node:module') as typeof import('node:module');

type Fn = (...args: unknown[]) => unknown;

/** Caches a lazy stand-in for `request`, resolved by `from` (a require of the package that loads it). */
function lazyFunctionModule(from: NodeJS.Require, request: string): void {
  try {
    const path = from.resolve(request);
    if (require.cache[path]) return;
    let real: Fn | null = null;
    const lazy = (...args: unknown[]): unknown => {
      if (!real) {
        delete require.cache[path];
        real = from(request) as Fn;
      }
      return real(...args);
    };
    const stub = new Module(path);
    stub.filename = path;
    stub.loaded = true;
    stub.exports = lazy;
    require.cache[path] = stub;
  } catch {
    // not where expected: leave loading to the package.
  }
}

try {
  const dockerodeRequire = createRequire(require.resolve('dockerode'));
  lazyFunctionModule(createRequire(dockerodeRequire.resolve('docker-modem')), './ssh');
  lazyFunctionModule(dockerodeRequire, './session');
} catch {
  // dockerode not where expected: leave loading to it.
}
