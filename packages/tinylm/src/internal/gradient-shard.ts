import type { LossSpec, TrainingSample } from '@ajet/spec';
import { logitsTokenLoss } from '../loss.ts';
import { packSequences, type Transformer } from './transformer.ts';

/**
 * Samples trained together, consecutive in their shard: `shared` > 0 packs them into one forward/backward that
 * computes their first `shared` tokens once (0: one sample, alone). Their gradient goes to slot `slot`.
 */
export interface ShardCluster {
  size: number;
  shared: number;
  slot: number;
}

/** Part of a forwardBackward batch: its samples and their aggregation weights (set over the whole batch). */
export interface GradientShard {
  samples: readonly TrainingSample[];
  weights: readonly number[];
  /** Each sample's place among the batch's trained samples: where its sums go. */
  order: readonly number[];
  /** The samples in runs, in order: each run's gradient goes to its own slot of the batch's slots. */
  clusters: readonly ShardCluster[];
  spec: LossSpec;
  temperature: number;
}

/** What a shard adds to the batch's loss and metrics: sums, so shards combine by adding. */
export interface ShardSums {
  loss: number;
  clipped: number;
  ratio: number;
  kl: number;
  entropy: number;
}

export function addSums(into: ShardSums, other: ShardSums): void {
  into.loss += other.loss;
  into.clipped += other.clipped;
  into.ratio += other.ratio;
  into.kl += other.kl;
  into.entropy += other.entropy;
}

/** The number of trained tokens of a sample (a mask at position 0 predicts nothing). */
export function trainedTokens(sample: TrainingSample): number {
  let count = 0;
  for (let index = 1; index < sample.lossMask.length; index++) count += sample.lossMask[index] as number;
  return count;
}

const emptySums = (): ShardSums => ({ loss: 0, clipped: 0, ratio: 0, kl: 0, entropy: 0 });

/**
 * Runs the forward and backward pass of every cluster of the shard, writing each cluster's gradient into its own
 * slot of `slots` (zeroed, one parameter vector a slot) and returning each sample's sums: the caller adds them up
 * in batch order, so the result does not depend on which thread computed which cluster. The reference weights are
 * read only when the loss has a KL term.
 */
export function accumulateShard(options: {
  model: Transformer;
  params: Float32Array;
  reference: Float32Array;
  slots: Float32Array;
  shard: GradientShard;
}): ShardSums[] {
  const { model, params, reference, slots, shard } = options;
  const size = model.layout.size;
  const sums: ShardSums[] = [];
  let first = 0;
  for (const cluster of shard.clusters) {
    sums.push(
      ...accumulateCluster({
        model,
        params,
        reference,
        grads: slots.subarray(cluster.slot * size, (cluster.slot + 1) * size),
        samples: shard.samples.slice(first, first + cluster.size),
        weights: shard.weights.slice(first, first + cluster.size),
        shared: cluster.shared,
        spec: shard.spec,
        temperature: shard.temperature,
      }),
    );
    first += cluster.size;
  }
  return sums;
}

/**
 * Adds the gradient of samples into `grads`; returns each sample's sums. With `shared` > 0 the samples begin with
 * the same `shared` tokens, none of them a row a loss reads: one packed forward (and reference forward) computes
 * those rows once and gives every sample's logits the same bits as its own forward, and one backward sends the
 * shared rows the gradients of every sample that attends to them.
 */
export function accumulateCluster(options: {
  model: Transformer;
  params: Float32Array;
  reference: Float32Array;
  grads: Float32Array;
  samples: readonly TrainingSample[];
  weights: readonly number[];
  shared: number;
  spec: LossSpec;
  temperature: number;
}): ShardSums[] {
  const { model, params, reference, grads, samples, weights, shared, spec, temperature } = options;
  const vocab = model.config.vocabSize;
  const useReference = spec.type !== 'cross_entropy' && (spec.kl?.beta ?? 0) > 0;
  const probabilities = new Float32Array(vocab);
  const packed =
    shared > 0
      ? packSequences(
          samples.map((sample) => sample.tokenIds),
          shared,
        )
      : undefined;
  // Only the rows that predict a trained token need logits; packed, sample s's position p is row starts[s] + p - shared.
  const logitRows: number[] = [];
  for (const [sampleIndex, sample] of samples.entries()) {
    const offset = packed ? (packed.starts[sampleIndex] as number) - shared : 0;
    for (let position = 1; position < sample.tokenIds.length; position++)
      if (sample.lossMask[position] === 1) {
        if (position - 1 < shared) throw new Error(`a shared row (${position - 1}) is read by a loss`);
        logitRows.push(offset + position - 1);
      }
  }
  if (logitRows.length === 0) return samples.map(emptySums);
  const ids = packed?.ids ?? (samples[0] as TrainingSample).tokenIds;
  if (!packed && samples.length !== 1) throw new Error(`${samples.length} samples packed with no shared prefix`);
  const { logits, cache } = model.forward(params, ids, logitRows, packed?.packing);
  const referenceLogits = useReference ? model.forward(reference, ids, logitRows, packed?.packing).logits : undefined;
  const logitsGrad = new Float32Array(logits.length);
  let rowIndex = 0;
  const result = samples.map((sample, sampleIndex) => {
    const sums = emptySums();
    const weight = weights[sampleIndex] as number;
    const ids = sample.tokenIds;
    for (let position = 1; position < ids.length; position++) {
      if (sample.lossMask[position] !== 1) continue;
      const result = logitsTokenLoss({
        spec,
        logits,
        offset: rowIndex * vocab,
        vocab,
        target: ids[position] as number,
        temperature,
        samplerLogprob: sample.samplerLogprobs[position] ?? 0,
        advantage: sample.advantage,
        referenceLogits,
        weight,
        logitsGrad,
        probabilities,
      });
      rowIndex += 1;
      sums.loss += weight * result.loss;
      if (result.clipped) sums.clipped += 1;
      sums.ratio += result.ratio;
      sums.kl += result.kl;
      let entropy = 0;
      for (let index = 0; index < vocab; index++) {
        const p = probabilities[index] as number;
        if (p > 0) entropy -= p * Math.log(p);
      }
      sums.entropy += entropy;
    }
    return sums;
  });
  model.backward({ params, grads, cache, logitsGrad });
  return result;
}

/** Adds the sums into one, in order, and the first `slotCount` slots into `grads`, in slot order. */
export function sumSlots(options: {
  slots: Float32Array;
  slotCount: number;
  sums: readonly ShardSums[];
  grads: Float32Array;
}): ShardSums {
  const { slots, grads } = options;
  const size = grads.length;
  const total = emptySums();
  for (const sums of options.sums) addSums(total, sums);
  for (let slot = 0; slot < options.slotCount; slot++) {
    const base = slot * size;
    for (let index = 0; index < size; index++)
      grads[index] = (grads[index] as number) + (slots[base + index] as number);
  }
  return total;
}
