// Property tests explore new random inputs on every local run; under CI they use a fixed seed (or
// FC_SEED) so that a submission's result does not depend on the draw. A failure prints its seed to replay.
import fc from 'fast-check';

const seed = process.env.FC_SEED ?? (process.env.CI === 'true' ? '20261122' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
