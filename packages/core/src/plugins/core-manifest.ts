import type { PluginManifest, SinkFactory } from '@ajet/spec';

/** The built-ins core itself provides; the CLI adds them to the registry with every package's manifest. */
export const manifest: PluginManifest = [
  {
    kind: 'metrics_sink',
    name: 'jsonl',
    summary: 'metrics.jsonl in the experiment folder (logview reads it)',
    load: async (): Promise<SinkFactory> => {
      const { JsonlMetricsSink } = await import('../runtime/experiment-files.ts');
      return ({ experimentDir }) => new JsonlMetricsSink(experimentDir);
    },
  },
];
