import { join } from 'node:path';
import type { SinkFactory } from '@ajet/core';
import { SWANLAB_CLOUD_API, SwanlabSink } from './swanlab-sink.ts';
import { TensorboardSink } from './tensorboard-sink.ts';

/** The sinks `trainer_common.logger` can name beside the built-in console and jsonl; pass to `runJob({ sinks })`. */
export const metricsSinks: Readonly<Record<string, SinkFactory>> = {
  tensorboard: ({ experimentDir }) => new TensorboardSink({ folder: join(experimentDir, 'tensorboard') }),
  swanlab: ({ experimentDir, config }) => {
    const settings = config.trainerCommon.swanlab;
    return new SwanlabSink({
      apiKey: process.env[settings.apiKeyEnv],
      apiKeyEnv: settings.apiKeyEnv,
      baseUrl: settings.baseUrl ?? process.env.SWANLAB_API_HOST ?? SWANLAB_CLOUD_API,
      project: settings.project ?? config.projectName,
      workspace: settings.workspace ?? undefined,
      experimentName: config.experimentName,
      description: `ajet ${config.rollout.userWorkflow} on ${config.model.path}`,
      stateFile: join(experimentDir, 'swanlab.json'),
    });
  },
};
