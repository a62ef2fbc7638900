import type { LossSpec, TrainingSample } from '@ajet/spec';
import { GradientPool } from './gradient-pool.ts';
import { accumulateShard, type GradientShard, type ShardSums, sumSlots } from './gradient-shard.ts';
import { clusterSamples, type SampleCluster } from './prefix-clusters.ts';
import type { Transformer } from './transformer.ts';

/** A Float32Array with the same values in shared memory, for worker threads to read. */
function shared(values: Float32Array): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
}

/**
 * Splits a batch into one shard a thread. The trained samples (count > 0) first form clusters (`clusterSamples`:
 * consecutive samples sharing a prompt, computed once; with `sharePrefixes` false, each sample alone), each with its
 * own gradient slot, in batch order. Then each cluster, the most rows first, goes to the shard with the fewest rows
 * so far: the threads finish together, and the split depends only on the batch. Each shard keeps its clusters in
 * batch order; empty shards are dropped.
 */
export function planShards(options: {
  samples: readonly TrainingSample[];
  counts: readonly number[];
  weights: readonly number[];
  threads: number;
  settings: Pick<GradientShard, 'spec' | 'temperature'>;
  sharePrefixes?: boolean;
}): GradientShard[] {
  const { samples, counts, weights, threads, settings } = options;
  const trained = samples.map((_, index) => index).filter((index) => (counts[index] as number) > 0);
  const trainedSamples = trained.map((index) => samples[index] as TrainingSample);
  const clusters =
    options.sharePrefixes === false
      ? trainedSamples.map((_, first) => ({ first, size: 1, shared: 0 }))
      : clusterSamples(trainedSamples);
  const rows = clusters.map(({ first, size, shared }) => {
    let total = shared;
    for (let member = first; member < first + size; member++)
      total += (trainedSamples[member] as TrainingSample).tokenIds.length - shared;
    return total;
  });
  const bySize = clusters.map((_, slot) => slot).sort((a, b) => (rows[b] as number) - (rows[a] as number) || a - b);
  const load = new Array<number>(threads).fill(0);
  const members: number[][] = Array.from({ length: threads }, () => []);
  for (const slot of bySize) {
    const least = load.indexOf(Math.min(...load));
    load[least] = (load[least] as number) + (rows[slot] as number);
    members[least]?.push(slot);
  }
  return members
    .filter((slots) => slots.length > 0)
    .map((slots) => {
      slots.sort((a, b) => a - b);
      const order = slots.flatMap((slot) => {
        const { first, size } = clusters[slot] as SampleCluster;
        return Array.from({ length: size }, (_, member) => first + member);
      });
      return {
        ...settings,
        samples: order.map((place) => trainedSamples[place] as TrainingSample),
        weights: order.map((place) => weights[trained[place] as number] as number),
        order,
        clusters: slots.map((slot) => {
          const { size, shared } = clusters[slot] as SampleCluster;
          return { size, shared, slot };
        }),
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
  private readonly sharePrefixes: boolean;

  constructor(options: {
    model: Transformer;
    params: Float32Array;
    grads?: Float32Array;
    threads: number;
    /** Compute a prompt that consecutive samples share once (default true); false: each sample alone. */
    sharePrefixes?: boolean;
  }) {
    const { model, params, threads } = options;
    this.sharePrefixes = options.sharePrefixes ?? true;
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
   * Adds the gradients of the batch's trained samples into `grads`; returns the loss and metric sums. Each cluster's
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
      sharePrefixes: this.sharePrefixes,
    });
    const trained = shards.reduce((total, shard) => total + shard.samples.length, 0);
    const slotCount = shards.reduce((total, shard) => total + shard.clusters.length, 0);
    const bytes = slotCount * this.model.layout.size * 4;
    const slots = new Float32Array(this.pool ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const [own, ...others] = shards;
    const running = this.pool && others.length > 0 ? this.pool.run(others, slots) : Promise.resolve([]);
    // The calling thread computes the first shard while the pool computes the others.
    const bySample: ShardSums[] = new Array(trained);
    const place = (shard: GradientShard, sums: readonly ShardSums[]) => {
      for (const [index, place] of shard.order.entries()) bySample[place] = sums[index] as ShardSums;
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
    return sumSlots({ slots, slotCount, sums: bySample, grads: this.grads });
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
