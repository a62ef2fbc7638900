export { manifest } from './manifest.ts';
export type { ReactAgentSettings } from './react-agent.ts';
export { ReactAgent } from './react-agent.ts';
