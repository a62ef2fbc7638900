import { Worker } from 'node:worker_threads';
import { BackboneError } from '@ajet/spec';
import type { TransformerConfig } from '../model-folder.ts';
import type { GradientShard, ShardSums } from './gradient-shard.ts';

const WORKER_URL = new URL('./gradient-worker.mjs', import.meta.url);

/**
 * Worker threads that compute the gradients of some shards of a batch while the calling thread computes one:
 * data parallelism over the CPU's cores. Each thread owns a gradient buffer; `addInto` sums them into the
 * caller's in thread order, so a batch gives the same gradients at any speed.
 */
export class GradientPool {
  private readonly workers: { worker: Worker; grads: Float32Array }[];
  private failure: Error | undefined;

  constructor(options: { config: TransformerConfig; params: Float32Array; reference: Float32Array; threads: number }) {
    const { params, reference } = options;
    if (!(params.buffer instanceof SharedArrayBuffer) || !(reference.buffer instanceof SharedArrayBuffer))
      throw new Error('GradientPool needs the weights in shared memory');
    this.workers = Array.from({ length: options.threads }, () => {
      const grads = new SharedArrayBuffer(params.length * 4);
      const worker = new Worker(WORKER_URL, {
        workerData: { config: options.config, params: params.buffer, reference: reference.buffer, grads },
      });
      // An idle pool does not keep the process alive.
      worker.unref();
      worker.on('error', (error) => {
        this.failure = error;
      });
      return { worker, grads: new Float32Array(grads) };
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts one shard on each thread; the promise settles when all are done. */
  run(shards: readonly GradientShard[]): Promise<ShardSums[]> {
    return Promise.all(
      shards.map((shard, index) => {
        const entry = this.workers[index];
        if (!entry) throw new Error(`shard ${index} has no thread (${this.workers.length} threads)`);
        return new Promise<ShardSums>((resolve, reject) => {
          const onExit = (code: number) =>
            reject(
              new BackboneError(`a tinylm gradient thread exited (code ${code}): ${this.failure?.message ?? ''}`, {
                code: 'TINYLM_THREAD_FAILED',
                hint: 'Set debug.train_threads: 1 to train on the calling thread only.',
              }),
            );
          entry.worker.once('exit', onExit);
          entry.worker.once('message', (reply: { sums?: ShardSums; error?: string }) => {
            entry.worker.off('exit', onExit);
            if (reply.sums) resolve(reply.sums);
            else
              reject(
                new BackboneError(`a tinylm gradient thread failed: ${reply.error}`, { code: 'TINYLM_THREAD_FAILED' }),
              );
          });
          entry.worker.postMessage(shard);
        });
      }),
    );
  }

  /** Adds every thread's gradients into `grads`, in thread order, and zeroes the threads' buffers. */
  addInto(grads: Float32Array): void {
    for (const { grads: own } of this.workers) {
      for (let index = 0; index < grads.length; index++)
        grads[index] = (grads[index] as number) + (own[index] as number);
      own.fill(0);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}
