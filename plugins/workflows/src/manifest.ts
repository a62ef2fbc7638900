import type { PluginManifest } from '@ajet/spec';

/** The workflows `rollout.user_workflow` names by a bare name. */
export const manifest: PluginManifest = [
  {
    kind: 'workflow',
    name: 'react_agent',
    summary: 'a ReAct loop: the model calls tools until it answers or runs out of steps',
    load: async () => (await import('./react-agent.ts')).ReactAgent,
  },
];
