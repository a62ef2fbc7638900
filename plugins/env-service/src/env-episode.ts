import type { ChatMessage, WorkflowTask } from '@ajet/spec';
import { z } from 'zod';
import { EnvServiceClient, EnvServiceError, type EnvStep } from './env-service-client.ts';

/** Where an env_service task or instance lives, as the reader and `EnvEpisode.outputMetadata()` write it. */
export const envServiceRefSchema = z.object({
  env_url: z.string(),
  env_type: z.string(),
  task_id: z.string().optional(),
  instance_id: z.string().optional(),
});

/**
 * One episode's environment instance, for a workflow: `messages` is the initial state (the query), `step` applies
 * the agent's action. Return `outputMetadata()` in the workflow's output so the `env_service` judge evaluates and
 * releases the instance.
 */
export class EnvEpisode {
  readonly client: EnvServiceClient;
  readonly instanceId: string;
  readonly messages: ChatMessage[];
  private readonly taskId: string;

  private constructor(options: {
    client: EnvServiceClient;
    instanceId: string;
    messages: ChatMessage[];
    taskId: string;
  }) {
    this.client = options.client;
    this.instanceId = options.instanceId;
    this.messages = options.messages;
    this.taskId = options.taskId;
  }

  /** Creates the instance for a task the `env_service` reader listed. */
  static async open(
    task: WorkflowTask,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<EnvEpisode> {
    const ref = envServiceRefSchema.safeParse(task.task.metadata.environment);
    if (!ref.success) {
      throw new EnvServiceError(
        `task ${task.taskTag} has no metadata.environment (env_url, env_type): read it with the env_service task reader`,
      );
    }
    const client = new EnvServiceClient({
      url: ref.data.env_url,
      envType: ref.data.env_type,
      timeoutMs: options.timeoutMs,
    });
    const taskId = ref.data.task_id ?? task.task.taskId;
    const created = await client.create(taskId, options.signal);
    return new EnvEpisode({ client, instanceId: created.instanceId, messages: created.messages, taskId });
  }

  step(action: ChatMessage, signal?: AbortSignal): Promise<EnvStep> {
    return this.client.step(this.instanceId, action, signal);
  }

  release(): Promise<void> {
    return this.client.release(this.instanceId);
  }

  /** Put it in `WorkflowOutput.metadata`: the `env_service` judge finds the instance there. */
  outputMetadata(): { environment: z.output<typeof envServiceRefSchema> } {
    return {
      environment: {
        env_url: this.client.url,
        env_type: this.client.envType,
        task_id: this.taskId,
        instance_id: this.instanceId,
      },
    };
  }
}
