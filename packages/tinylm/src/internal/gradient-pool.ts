import { Worker } from 'node:worker_threads';
import { BackboneError } from '@ajet/spec';
import type { TransformerConfig } from '../model-folder.ts';
import type { GradientShard, ShardSums } from './gradient-shard.ts';

const WORKER_URL = new URL('./gradient-worker.mjs', import.meta.url);

/**
 * Worker threads that compute the gradients of some shards of a batch while the calling thread computes one:
 * data parallelism over the CPU's cores. Each cluster's gradient goes to its own slot of a shared buffer, which the
 * caller sums in batch order, so a batch gives the same gradients at any speed and thread count.
 */
export class GradientPool {
  private readonly workers: { worker: Worker }[];
  private failure: Error | undefined;

  constructor(options: { config: TransformerConfig; params: Float32Array; reference: Float32Array; threads: number }) {
    const { params, reference } = options;
    if (!(params.buffer instanceof SharedArrayBuffer) || !(reference.buffer instanceof SharedArrayBuffer))
      throw new Error('GradientPool needs the weights in shared memory');
    this.workers = Array.from({ length: options.threads }, () => {
      const worker = new Worker(WORKER_URL, {
        workerData: { config: options.config, params: params.buffer, reference: reference.buffer },
      });
      // An idle pool does not keep the process alive.
      worker.unref();
      worker.on('error', (error) => {
        this.failure = error;
      });
      return { worker };
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts one shard on each thread, writing into `slots` (shared); settles with each shard's per-sample sums. */
  run(shards: readonly GradientShard[], slots: Float32Array): Promise<ShardSums[][]> {
    if (!(slots.buffer instanceof SharedArrayBuffer)) throw new Error('GradientPool needs the slots in shared memory');
    return Promise.all(
      shards.map((shard, index) => {
        const entry = this.workers[index];
        if (!entry) throw new Error(`shard ${index} has no thread (${this.workers.length} threads)`);
        return new Promise<ShardSums[]>((resolve, reject) => {
          const onExit = (code: number) =>
            reject(
              new BackboneError(`a tinylm gradient thread exited (code ${code}): ${this.failure?.message ?? ''}`, {
                code: 'TINYLM_THREAD_FAILED',
                hint: 'Set debug.train_threads: 1 to train on the calling thread only.',
              }),
            );
          entry.worker.once('exit', onExit);
          entry.worker.once('message', (reply: { sums?: ShardSums[]; error?: string }) => {
            entry.worker.off('exit', onExit);
            if (reply.sums) resolve(reply.sums);
            else
              reject(
                new BackboneError(`a tinylm gradient thread failed: ${reply.error}`, { code: 'TINYLM_THREAD_FAILED' }),
              );
          });
          entry.worker.postMessage({ shard, slots: slots.buffer });
        });
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}
