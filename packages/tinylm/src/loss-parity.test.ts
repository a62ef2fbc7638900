import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LossSpec } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { aggregationWeights, logitsTokenLoss } from './loss.ts';

/** Written by backend/ajet_backend/loss_fixture.py from the Python backend's torch losses and autograd. */
const FIXTURE = fileURLToPath(new URL('../../../backend/tests/fixtures/loss_parity.json', import.meta.url));

const grid = z.array(z.array(z.array(z.number())));
const kl = z.object({ beta: z.number(), estimator: z.literal('k3') }).optional();
const aggregation = z.enum(['token-mean', 'seq-mean']);
const lossSpec = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cross_entropy'), aggregation }),
  z.object({
    type: z.literal('ppo'),
    clipLow: z.number(),
    clipHigh: z.number(),
    dualClip: z.number().optional(),
    kl,
    aggregation,
  }),
  z.object({ type: z.literal('importance_sampling'), kl, aggregation }),
]);
const fixtureSchema = z.object({
  tolerance: z.number(),
  logits: grid,
  referenceLogits: grid,
  tokenIds: z.array(z.array(z.number().int())),
  lossMask: z.array(z.array(z.union([z.literal(0), z.literal(1)]))),
  samplerLogprobs: z.array(z.array(z.number())),
  advantages: z.array(z.number()),
  cases: z.array(z.object({ loss: lossSpec, expectedLoss: z.number(), expectedGradLogits: grid })),
});

const fixture = fixtureSchema.parse(JSON.parse(readFileSync(FIXTURE, 'utf8')));

/** The call's loss and d loss / d logits through the functions TinyLmBackbone.forwardBackward uses. */
function tinylmLoss(spec: LossSpec): { loss: number; gradLogits: number[][][] } {
  const vocab = fixture.logits[0]?.[0]?.length ?? 0;
  const probabilities = new Float32Array(vocab);
  // logits[b][t] already predicts tokenIds[b][t], so every masked-in position counts.
  const counts = fixture.lossMask.map((mask) => mask.reduce<number>((sum, value) => sum + value, 0));
  const weights = aggregationWeights({ aggregation: spec.aggregation, counts });
  let loss = 0;
  const gradLogits = fixture.logits.map((rows, batch) => {
    const logits = Float32Array.from(rows.flat());
    const referenceLogits = Float32Array.from(fixture.referenceLogits[batch]?.flat() ?? []);
    const logitsGrad = new Float32Array(logits.length);
    const mask = fixture.lossMask[batch] ?? [];
    mask.forEach((value, position) => {
      if (value !== 1) return;
      const weight = weights[batch] as number;
      const result = logitsTokenLoss({
        spec,
        logits,
        offset: position * vocab,
        vocab,
        target: fixture.tokenIds[batch]?.[position] as number,
        temperature: 1,
        samplerLogprob: fixture.samplerLogprobs[batch]?.[position] as number,
        advantage: fixture.advantages[batch] as number,
        referenceLogits,
        weight,
        logitsGrad,
        probabilities,
      });
      loss += weight * result.loss;
    });
    return rows.map((_, position) => Array.from(logitsGrad.subarray(position * vocab, (position + 1) * vocab)));
  });
  return { loss, gradLogits };
}

describe('loss parity with the Python backend (backend/tests/fixtures/loss_parity.json)', () => {
  it('covers every loss type, both aggregations, dual clip and KL', () => {
    const specs = fixture.cases.map((entry) => entry.loss);
    expect(new Set(specs.map((spec) => spec.type))).toEqual(new Set(['cross_entropy', 'ppo', 'importance_sampling']));
    expect(new Set(specs.map((spec) => spec.aggregation))).toEqual(new Set(['token-mean', 'seq-mean']));
    expect(specs.some((spec) => spec.type === 'ppo' && spec.dualClip !== undefined)).toBe(true);
    expect(specs.some((spec) => spec.type !== 'cross_entropy' && spec.kl !== undefined)).toBe(true);
  });

  it.each(fixture.cases.map((entry) => [JSON.stringify(entry.loss), entry] as const))(
    '%s: same loss and d loss / d logits within the fixture tolerance',
    (_name, entry) => {
      const { loss, gradLogits } = tinylmLoss(entry.loss);
      expect(Math.abs(loss - entry.expectedLoss)).toBeLessThanOrEqual(fixture.tolerance);
      let worst = 0;
      let nonZero = 0;
      for (const [batch, rows] of entry.expectedGradLogits.entries()) {
        for (const [position, row] of rows.entries()) {
          for (const [index, expected] of row.entries()) {
            const actual = gradLogits[batch]?.[position]?.[index] ?? Number.NaN;
            worst = Math.max(worst, Math.abs(actual - expected));
            if (expected !== 0) nonZero += 1;
          }
        }
      }
      expect(worst).toBeLessThanOrEqual(fixture.tolerance);
      expect(nonZero).toBeGreaterThan(0);
    },
  );
});
