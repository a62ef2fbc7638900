export type { AjetModelOptions } from './ajet-language-model.ts';
export { ajet } from './ajet-language-model.ts';
