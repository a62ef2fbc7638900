import type { LossSpec, TrainingSample } from '@ajet/spec';
import { GradientPool } from './gradient-pool.ts';
import { accumulateShard, type GradientShard, type ShardSums, sumSlots } from './gradient-shard.ts';
import type { Transformer } from './transformer.ts';

/** A Float32Array with the same values in shared memory, for worker threads to read. */
function shared(values: Float32Array): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
}

/**
 * Splits a batch into one shard a thread, each sample to the shard with the fewest tokens so far, longest
 * first: the threads finish together and the split depends only on the batch. Samples with no trained token
 * (count 0) are left out; each shard keeps its samples in batch order, and empty shards are dropped. A sample's
 * slot is its place among the trained samples.
 */
export function planShards(options: {
  samples: readonly TrainingSample[];
  counts: readonly number[];
  weights: readonly number[];
  threads: number;
  settings: Pick<GradientShard, 'spec' | 'temperature'>;
}): GradientShard[] {
  const { samples, counts, weights, threads, settings } = options;
  const trained = samples.map((_, index) => index).filter((index) => (counts[index] as number) > 0);
  const slotOf = new Map(trained.map((index, slot) => [index, slot]));
  const length = (index: number) => samples[index]?.tokenIds.length ?? 0;
  trained.sort((a, b) => length(b) - length(a) || a - b);
  const load = new Array<number>(threads).fill(0);
  const members: number[][] = Array.from({ length: threads }, () => []);
  for (const index of trained) {
    const least = load.indexOf(Math.min(...load));
    load[least] = (load[least] as number) + length(index);
    members[least]?.push(index);
  }
  return members
    .filter((indices) => indices.length > 0)
    .map((indices) => {
      indices.sort((a, b) => a - b);
      return {
        ...settings,
        samples: indices.map((index) => samples[index] as TrainingSample),
        weights: indices.map((index) => weights[index] as number),
        slots: indices.map((index) => slotOf.get(index) as number),
      };
    });
}

/**
 * Where forwardBackward's gradients are computed: on the calling thread, plus `threads - 1` worker threads when
 * more than one is asked for. Then the weights and the reference live in shared memory, and `params` is the
 * array to read and write (the optimizer updates it in place; the workers read it).
 */
export class GradientThreads {
  readonly params: Float32Array;
  /** The weights the run started from: the KL penalty's reference. */
  readonly reference: Float32Array;
  readonly grads: Float32Array;
  private readonly model: Transformer;
  private readonly pool: GradientPool | undefined;

  constructor(options: { model: Transformer; params: Float32Array; grads?: Float32Array; threads: number }) {
    const { model, params, threads } = options;
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`trainThreads ${threads}: expected a whole number of at least 1`);
    const parallel = threads > 1;
    this.model = model;
    this.params = parallel && !(params.buffer instanceof SharedArrayBuffer) ? shared(params) : params;
    this.reference = parallel ? shared(params) : new Float32Array(params);
    this.grads = options.grads ?? new Float32Array(model.layout.size);
    this.pool = parallel
      ? new GradientPool({ config: model.config, params: this.params, reference: this.reference, threads: threads - 1 })
      : undefined;
  }

  /**
   * Adds the gradients of the batch's trained samples into `grads`; returns the loss and metric sums. Each sample's
   * gradient is computed apart and the sums are taken in batch order, so any thread count gives the same bits.
   */
  async accumulate(options: {
    samples: readonly TrainingSample[];
    counts: readonly number[];
    weights: readonly number[];
    spec: LossSpec;
    temperature: number;
  }): Promise<ShardSums> {
    const { spec } = options;
    const shards = planShards({
      samples: options.samples,
      counts: options.counts,
      weights: options.weights,
      threads: 1 + (this.pool?.size ?? 0),
      settings: { spec, temperature: options.temperature },
    });
    const trained = shards.reduce((total, shard) => total + shard.samples.length, 0);
    const bytes = trained * this.model.layout.size * 4;
    const slots = new Float32Array(this.pool ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const [own, ...others] = shards;
    const running = this.pool && others.length > 0 ? this.pool.run(others, slots) : Promise.resolve([]);
    // The calling thread computes the first shard while the pool computes the others.
    const bySlot: (ShardSums | undefined)[] = new Array(trained);
    const place = (shard: GradientShard, sums: readonly ShardSums[]) => {
      for (const [index, slot] of shard.slots.entries()) bySlot[slot] = sums[index];
    };
    try {
      if (own)
        place(
          own,
          accumulateShard({ model: this.model, params: this.params, reference: this.reference, slots, shard: own }),
        );
    } catch (error) {
      // Let the threads finish before the error goes up, so none of them fails unheard.
      await running.catch(() => undefined);
      throw error;
    }
    for (const [index, sums] of (await running).entries()) place(others[index] as GradientShard, sums);
    return sumSlots({ slots, sums: bySlot, grads: this.grads });
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
