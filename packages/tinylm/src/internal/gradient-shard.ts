import type { LossSpec, TrainingSample } from '@ajet/spec';
import { logitsTokenLoss } from '../loss.ts';
import type { Transformer } from './transformer.ts';

/** Part of a forwardBackward batch: its samples and their aggregation weights (set over the whole batch). */
export interface GradientShard {
  samples: readonly TrainingSample[];
  weights: readonly number[];
  /** Each sample's slot: where in the batch's slots its own gradient goes. */
  slots: readonly number[];
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
 * Runs the forward and backward pass of every sample of the shard, writing each sample's gradient into its own
 * slot of `slots` (zeroed, one parameter vector a slot) and returning its sums: the caller adds them up in batch
 * order, so the result does not depend on which thread computed which sample. The reference weights are read only
 * when the loss has a KL term.
 */
export function accumulateShard(options: {
  model: Transformer;
  params: Float32Array;
  reference: Float32Array;
  slots: Float32Array;
  shard: GradientShard;
}): ShardSums[] {
  const { model, params, reference, slots } = options;
  const { samples, weights, spec, temperature } = options.shard;
  const vocab = model.config.vocabSize;
  const size = model.layout.size;
  const useReference = spec.type !== 'cross_entropy' && (spec.kl?.beta ?? 0) > 0;
  const probabilities = new Float32Array(vocab);
  return samples.map((sample, sampleIndex) => {
    const sums = emptySums();
    const weight = weights[sampleIndex] as number;
    const slot = options.shard.slots[sampleIndex] as number;
    const grads = slots.subarray(slot * size, (slot + 1) * size);
    const ids = sample.tokenIds;
    // Only the rows that predict a trained token need logits.
    const rows: number[] = [];
    for (let position = 1; position < ids.length; position++)
      if (sample.lossMask[position] === 1) rows.push(position - 1);
    if (rows.length === 0) return sums;
    const { logits, cache } = model.forward(params, ids, rows);
    const referenceLogits = useReference ? model.forward(reference, ids, rows).logits : undefined;
    const logitsGrad = new Float32Array(logits.length);
    for (const [rowIndex, row] of rows.entries()) {
      const position = row + 1;
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
    model.backward({ params, grads, cache, logitsGrad });
    return sums;
  });
}

/** Adds the slots into `grads` and the sums into one, both in slot order. */
export function sumSlots(options: {
  slots: Float32Array;
  sums: readonly (ShardSums | undefined)[];
  grads: Float32Array;
}): ShardSums {
  const { slots, grads } = options;
  const size = grads.length;
  const total = emptySums();
  for (const [slot, sums] of options.sums.entries()) {
    if (!sums) continue;
    addSums(total, sums);
    const base = slot * size;
    for (let index = 0; index < size; index++)
      grads[index] = (grads[index] as number) + (slots[base + index] as number);
  }
  return total;
}
