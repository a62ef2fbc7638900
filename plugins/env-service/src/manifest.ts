import type { PluginManifest } from '@ajet/spec';

/** `task_reader.type: env_service` and `task_judge.judge_protocol: env_service`. */
export const manifest: PluginManifest = [
  {
    kind: 'task_reader',
    name: 'env_service',
    summary: 'the tasks of an AgentJet env_service server (env_url, env_type)',
    load: async () => (await import('./env-service-reader.ts')).EnvServiceReader,
  },
  {
    kind: 'judge',
    name: 'env_service',
    summary: "asks the episode's env_service instance for the reward (evaluate), then releases it",
    load: async () => (await import('./env-service-judge.ts')).EnvServiceJudge,
  },
];
