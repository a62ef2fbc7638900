import type { Judge, JudgeResult, Trajectory, WorkflowOutput, WorkflowTask } from '@ajet/spec';
import { z } from 'zod';
import { envServiceRefSchema } from './env-episode.ts';
import { EnvServiceClient, EnvServiceError } from './env-service-client.ts';

const settingsSchema = z.strictObject({
  /** A score above this is a success. */
  success_threshold: z.number().default(0),
  timeout_s: z.number().positive().default(300),
});

export type EnvServiceJudgeSettings = z.output<typeof settingsSchema>;

/**
 * `env_service`: asks the environment for the reward (`evaluate` on the episode's instance, named by
 * `metadata.environment` in the workflow's output), then releases the instance, whatever the answer.
 */
export class EnvServiceJudge implements Judge {
  static settings = settingsSchema;
  private readonly settings: EnvServiceJudgeSettings;

  constructor(settings: EnvServiceJudgeSettings) {
    this.settings = settings;
  }

  async computeReward(task: WorkflowTask, output: WorkflowOutput, _trajectory: Trajectory): Promise<JudgeResult> {
    const ref = envServiceRefSchema.safeParse(output.metadata.environment);
    if (!ref.success || !ref.data.instance_id) {
      throw new EnvServiceError(
        `episode ${task.taskTag}: the workflow's output has no metadata.environment.instance_id; return EnvEpisode.outputMetadata() in it`,
      );
    }
    const client = new EnvServiceClient({
      url: ref.data.env_url,
      envType: ref.data.env_type,
      timeoutMs: this.settings.timeout_s * 1000,
    });
    try {
      const score = await client.evaluate(ref.data.instance_id);
      return { rawReward: score, isSuccess: score > this.settings.success_threshold, details: { env_score: score } };
    } finally {
      await client.release(ref.data.instance_id).catch(() => {});
    }
  }
}
