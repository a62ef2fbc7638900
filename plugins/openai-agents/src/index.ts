export type { AjetAgentsModelOptions } from './ajet-agents-model.ts';
export { ajetAgentsModel, ajetAgentsModelProvider } from './ajet-agents-model.ts';
