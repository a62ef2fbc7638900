import type { Split, Task, TaskReader } from '@ajet/spec';
import { z } from 'zod';
import { EnvServiceClient } from './env-service-client.ts';

const settingsSchema = z.strictObject({
  env_url: z.string().url(),
  env_type: z.string().min(1),
  /** The server's name for each ajet split. */
  splits: z.strictObject({ train: z.string().default('train'), validation: z.string().default('val') }).default({
    train: 'train',
    validation: 'val',
  }),
  timeout_s: z.number().positive().default(300),
  /** `task_reader.on_bad_row`, passed to every reader: task ids have no bad rows. */
  on_bad_row: z.enum(['skip', 'fail']).optional(),
});

export type EnvServiceReaderSettings = z.output<typeof settingsSchema>;

/**
 * `env_service`: the tasks of an AgentJet-protocol environment server (`get_env_profile`). A task's query comes from
 * the instance the workflow creates (`EnvEpisode.open`), so `mainQuery` is empty and `metadata.environment` says
 * where the task lives.
 */
export class EnvServiceReader implements TaskReader {
  static settings = settingsSchema;
  private readonly settings: EnvServiceReaderSettings;

  constructor(settings: EnvServiceReaderSettings) {
    this.settings = settings;
  }

  async *readTasks(split: Split): AsyncIterable<Task> {
    const { env_url: url, env_type: envType, timeout_s: timeoutS } = this.settings;
    const client = new EnvServiceClient({ url, envType, timeoutMs: timeoutS * 1000 });
    const serverSplit = split === 'train' ? this.settings.splits.train : this.settings.splits.validation;
    for (const taskId of await client.taskIds(serverSplit)) {
      yield { taskId, mainQuery: '', metadata: { environment: { env_url: url, env_type: envType, task_id: taskId } } };
    }
  }
}
