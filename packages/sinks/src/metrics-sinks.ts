import { join } from 'node:path';
import type { SinkFactory } from '@ajet/spec';
import { z } from 'zod';
import { SWANLAB_CLOUD_API, SwanlabSink } from './swanlab-sink.ts';
import { TensorboardSink } from './tensorboard-sink.ts';

/** `trainer_common.swanlab` as the config hands it over (camelCase; validated strictly by the config schema). */
const swanlabSettings = z.object({
  project: z.string().nullish(),
  workspace: z.string().nullish(),
  baseUrl: z.string().nullish(),
  apiKeyEnv: z.string().default('SWANLAB_API_KEY'),
});

/** The sinks `trainer_common.logger` can name beside the built-in console and jsonl; pass to `runJob({ sinks })`. */
export const metricsSinks: Readonly<Record<string, SinkFactory>> = {
  tensorboard: ({ experimentDir }) => new TensorboardSink({ folder: join(experimentDir, 'tensorboard') }),
  swanlab: ({ experimentDir, projectName, experimentName, description, settings: raw }) => {
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
  },
};
