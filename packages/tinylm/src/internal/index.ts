// `@ajet/tinylm/internal`: the transformer itself, for this repository's scripts, benchmarks and tests (pretraining
// starts from fresh weights). No stability promise; packages import `@ajet/tinylm` only.
export type { ParameterLayout } from './transformer.ts';
export { initializeParameters, parameterLayout, Transformer } from './transformer.ts';
