import { join } from 'node:path';
import type { PluginManifest, SinkFactory } from '@ajet/spec';
import { z } from 'zod';

/** `trainer_common.swanlab` as the config hands it over (camelCase; validated strictly by the config schema). */
const swanlabSettings = z.object({
  project: z.string().nullish(),
  workspace: z.string().nullish(),
  baseUrl: z.string().nullish(),
  apiKeyEnv: z.string().default('SWANLAB_API_KEY'),
});

/** The sinks `trainer_common.logger` can name; each `load()` returns a `SinkFactory`. */
export const manifest: PluginManifest = [
  {
    kind: 'metrics_sink',
    name: 'tensorboard',
    summary: 'TensorBoard event files in <experiment>/tensorboard/',
    load: async (): Promise<SinkFactory> => {
      const { TensorboardSink } = await import('./tensorboard-sink.ts');
      return ({ experimentDir }) => new TensorboardSink({ folder: join(experimentDir, 'tensorboard') });
    },
  },
  {
    kind: 'metrics_sink',
    name: 'swanlab',
    summary: 'SwanLab (experimental; settings in trainer_common.swanlab)',
    load: async (): Promise<SinkFactory> => {
      const { SWANLAB_CLOUD_API, SwanlabSink } = await import('./swanlab-sink.ts');
      return ({ experimentDir, projectName, experimentName, description, settings: raw }) => {
        const settings = swanlabSettings.parse(raw);
        return new SwanlabSink({
          apiKey: process.env[settings.apiKeyEnv],
          apiKeyEnv: settings.apiKeyEnv,
          baseUrl: settings.baseUrl ?? process.env.SWANLAB_API_HOST ?? SWANLAB_CLOUD_API,
          project: settings.project ?? projectName,
          workspace: settings.workspace ?? undefined,
          experimentName,
          description,
          stateFile: join(experimentDir, 'swanlab.json'),
        });
      };
    },
  },
];
