import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { MetricsRecord, MetricsSink } from '@ajet/spec';
import { z } from 'zod';
import { SwanlabClient, type SwanlabPoint } from './swanlab/swanlab-client.ts';
import { scalarTags } from './tensorboard-sink.ts';

/** SwanLab's cloud API root, as in its SDK; a self-hosted server has its own (`http://host:8000/api`). */
export const SWANLAB_CLOUD_API = 'https://api.swanlab.cn/api';

export interface SwanlabSinkOptions {
  /** The key, read from `apiKeyEnv` by the caller; the constructor throws when it is missing. */
  apiKey: string | undefined;
  /** Named in the error when the key is missing. */
  apiKeyEnv: string;
  baseUrl: string;
  project: string;
  /** A team's workspace; the key's own user when unset. */
  workspace?: string;
  experimentName: string;
  description?: string;
  /** Keeps the SwanLab experiment id, so a resumed run (`--resume`) appends to the same experiment. */
  stateFile: string;
  timeoutMs?: number;
  /** How long `close` waits for the last upload. */
  closeTimeoutMs?: number;
  /** Points kept for retry while the server is unreachable; the oldest go first past this. */
  maxPendingPoints?: number;
  fetch?: typeof fetch;
}

const stateSchema = z.object({ experimentId: z.string(), project: z.string(), workspace: z.string() });

/**
 * Experimental: uploads scalars to SwanLab over the HTTP API its SDK uses. `write` only queues; uploads run in
 * the background so a slow or absent server never holds up training. A failed upload keeps its points for the
 * next try and makes the next `write` throw once (the run's guard turns that into one warning).
 */
export class SwanlabSink implements MetricsSink {
  private readonly options: SwanlabSinkOptions;
  private client: SwanlabClient | undefined;
  private pending: SwanlabPoint[] = [];
  private uploading: Promise<void> | undefined;
  private failure: Error | undefined;
  private dropped = 0;

  constructor(options: SwanlabSinkOptions) {
    if (!options.apiKey) {
      throw new Error(`no API key: set $${options.apiKeyEnv} (trainer_common.swanlab.api_key_env names the variable)`);
    }
    this.options = options;
  }

  private async connected(): Promise<SwanlabClient> {
    if (this.client) return this.client;
    const { options } = this;
    const client = new SwanlabClient({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey ?? '',
      timeoutMs: options.timeoutMs ?? 15_000,
      fetch: options.fetch,
    });
    let resumeId: string | undefined;
    if (existsSync(options.stateFile)) {
      let json: unknown;
      try {
        json = JSON.parse(await readFile(options.stateFile, 'utf8'));
      } catch {
        // A damaged state file: start a new SwanLab experiment rather than fail.
      }
      const saved = stateSchema.safeParse(json);
      if (saved.success && saved.data.project === options.project) resumeId = saved.data.experimentId;
    }
    await client.start({
      project: options.project,
      workspace: options.workspace,
      experimentName: options.experimentName,
      description: options.description,
      resumeId,
    });
    const { id, project, workspace } = client.experiment;
    await writeFile(options.stateFile, `${JSON.stringify({ experimentId: id, project, workspace })}\n`);
    this.client = client;
    return client;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await (await this.connected()).upload(batch);
      } catch (error) {
        this.pending = [...batch, ...this.pending];
        const limit = this.options.maxPendingPoints ?? 100_000;
        if (this.pending.length > limit) {
          this.dropped += this.pending.length - limit;
          this.pending = this.pending.slice(-limit);
        }
        this.failure = error as Error;
        return;
      }
    }
  }

  private kick(): Promise<void> {
    this.uploading ??= this.drain().finally(() => {
      this.uploading = undefined;
    });
    return this.uploading;
  }

  async write(record: MetricsRecord): Promise<void> {
    for (const { tag, value } of scalarTags(record)) {
      // JSON has no NaN or Infinity; SwanLab's SDK drops them too.
      if (Number.isFinite(value)) this.pending.push({ key: tag, step: record.step, value, time: record.time });
    }
    const failure = this.failure;
    this.failure = undefined;
    void this.kick();
    if (failure)
      throw new Error(`SwanLab upload failed (points kept for retry): ${failure.message}`, { cause: failure });
  }

  async close(): Promise<void> {
    const deadline = this.options.closeTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), deadline);
    });
    const finishing = (async () => {
      if (this.uploading) await this.uploading;
      await this.kick();
      if (this.pending.length === 0 && this.client) await this.client.finish('FINISHED');
    })();
    const outcome = await Promise.race([finishing, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout')
      throw new Error(`SwanLab: ${this.pending.length} points not uploaded within ${deadline} ms`);
    if (this.pending.length > 0 || this.dropped > 0) {
      throw new Error(
        `SwanLab: ${this.pending.length + this.dropped} points not uploaded${this.failure ? ` (${this.failure.message})` : ''}`,
      );
    }
  }
}
