import { BackboneError } from '@ajet/spec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tinyBackbone } from './__fixtures__/tiny-backbone.ts';
import { logSoftmaxAt } from './internal/kernels.ts';
import { PrefixCache } from './internal/prefix-cache.ts';
import { pickToken, sampleCompletion, sampleFrom } from './sampler.ts';

const noDraw = () => {
  throw new Error('drew a random number');
};

/** A probability vector (float32, sum 1) from positive weights. */
function normalized(weights: readonly number[]): Float32Array {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return Float32Array.from(weights, (weight) => weight / total);
}

describe('sampleFrom', () => {
  it('without a cut, maps the draw onto the cumulative probabilities', () => {
    const probabilities = Float32Array.from([0.1, 0.2, 0.7]);
    const picks = [0, 0.05, 0.0999, 0.1001, 0.29, 0.31, 0.9999].map((draw) =>
      sampleFrom({ probabilities, topP: 1, draw }),
    );
    expect(picks).toEqual([0, 0, 0, 1, 1, 2, 2]);
  });

  it('with top_p, draws only from the most probable tokens whose mass reaches top_p, renormalized', () => {
    const probabilities = Float32Array.from([0.05, 0.3, 0.15, 0.5]);
    // Nucleus at 0.7: tokens 3 (0.5) and 1 (0.3); token 3 takes draws below 0.5 / 0.8.
    expect(sampleFrom({ probabilities, topP: 0.7, draw: 0 })).toBe(3);
    expect(sampleFrom({ probabilities, topP: 0.7, draw: 0.62 })).toBe(3);
    expect(sampleFrom({ probabilities, topP: 0.7, draw: 0.63 })).toBe(1);
    expect(sampleFrom({ probabilities, topP: 0.7, draw: 0.9999 })).toBe(1);
    // A tiny top_p keeps the single most probable token.
    expect(sampleFrom({ probabilities, topP: 0.01, draw: 0.9999 })).toBe(3);
  });

  it('never returns a token outside the nucleus, for any distribution, top_p and draw', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (weights, topP, draw) => {
          const probabilities = normalized(weights);
          const token = sampleFrom({ probabilities, topP, draw });
          // Tokens strictly more probable than the pick, plus the pick, must not yet exceed the mass it needed.
          let before = 0;
          for (const p of probabilities) if (p > (probabilities[token] as number)) before += p;
          expect(token).toBeGreaterThanOrEqual(0);
          expect(token).toBeLessThan(probabilities.length);
          expect(before).toBeLessThan(topP);
        },
      ),
    );
  });
});

describe('pickToken', () => {
  it('at temperature 0 takes the first largest logit, draws nothing, and reports its logprob at temperature 1', () => {
    const logits = Float32Array.from([0.5, 2, -1, 2, 1.5]);
    for (const temperature of [0, -1]) {
      const { token, logprob } = pickToken({
        logits,
        temperature,
        topP: 0.1,
        random: noDraw,
        probabilities: new Float32Array(logits.length),
      });
      expect(token).toBe(1);
      expect(logprob).toBeCloseTo(logSoftmaxAt({ logits, offset: 0, size: 5, temperature: 1, target: 1 }), 6);
    }
  });

  it('reads only the vocabulary: logits past the scratch length are ignored', () => {
    const logits = Float32Array.from([0, 1, 9]);
    const pick = pickToken({ logits, temperature: 0, topP: 1, random: noDraw, probabilities: new Float32Array(2) });
    expect(pick.token).toBe(1);
  });

  it('above temperature 0 draws once from softmax(logits / temperature) and reports that logprob', () => {
    const logits = Float32Array.from([1, 0, -1, 0.5]);
    for (const temperature of [0.5, 1, 2]) {
      for (const draw of [0.01, 0.4, 0.8, 0.99]) {
        let draws = 0;
        const probabilities = new Float32Array(4);
        const { token, logprob } = pickToken({
          logits,
          temperature,
          topP: 1,
          random: () => {
            draws += 1;
            return draw;
          },
          probabilities,
        });
        expect(draws).toBe(1);
        const expected = Array.from(logits, (logit) => Math.exp(logit / temperature));
        const total = expected.reduce((sum, value) => sum + value, 0);
        expect(token).toBe(sampleFrom({ probabilities: normalized(expected), topP: 1, draw }));
        expect(logprob).toBeCloseTo(Math.log((expected[token] as number) / total), 5);
      }
    }
  });
});

describe('sampleCompletion', () => {
  it('gives the same completions with a cache too small to keep anything as with a large one', async () => {
    const backbone = tinyBackbone();
    const { tokenIds: promptIds } = await backbone.renderChat({ messages: [{ role: 'user', content: 'What is 12?' }] });
    const draw = (prefixes: PrefixCache, seed: number, prompt: readonly number[] = promptIds) =>
      sampleCompletion({
        model: backbone.model,
        params: backbone.params,
        tokenizer: backbone.tokenizer,
        prefixes,
        promptIds: prompt,
        sampling: { temperature: 1.2, topP: 0.9, maxTokens: 8 },
        seed,
      });
    const large = new PrefixCache(1 << 24);
    const none = new PrefixCache(0);
    for (const seed of [1, 2, 3]) expect(draw(large, seed)).toEqual(draw(none, seed));
    const first = draw(large, 4);
    const next = [...promptIds, ...first.tokenIds, 5, 6];
    expect(draw(large, 5, next)).toEqual(draw(none, 5, next));
    // The large cache served the later prompts (the next turn from the state before the last sampled token, which
    // was never read); the empty one never hit.
    expect(first.tokenIds.length).toBeGreaterThan(1);
    expect(large.hits).toBe(4);
    expect(large.tokensSkipped).toBe(3 * promptIds.length + promptIds.length + first.tokenIds.length - 1);
    expect(none.hits).toBe(0);
  });

  it('is reproducible from its seed alone and differs across seeds', async () => {
    const backbone = tinyBackbone();
    const { tokenIds: promptIds } = await backbone.renderChat({ messages: [{ role: 'user', content: 'What is 12?' }] });
    const draw = (seed: number) =>
      sampleCompletion({
        model: backbone.model,
        params: backbone.params,
        tokenizer: backbone.tokenizer,
        prefixes: new PrefixCache(1 << 24),
        promptIds,
        sampling: { temperature: 1.5, maxTokens: 12 },
        seed,
      }).tokenIds;
    expect(draw(7)).toEqual(draw(7));
    const distinct = new Set([1, 2, 3, 4, 5, 6].map((seed) => draw(seed).join(',')));
    expect(distinct.size).toBeGreaterThan(1);
  });

  it('refuses an empty prompt and one that leaves no room, with TINYLM_PROMPT_LENGTH', () => {
    const backbone = tinyBackbone({ maxSeqLen: 8 });
    for (const promptIds of [[], [3, 3, 3, 3, 3, 3, 3, 3]]) {
      let thrown: unknown;
      try {
        sampleCompletion({
          model: backbone.model,
          params: backbone.params,
          tokenizer: backbone.tokenizer,
          prefixes: new PrefixCache(0),
          promptIds,
          sampling: {},
          seed: 0,
        });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(BackboneError);
      expect(thrown).toMatchObject({ code: 'TINYLM_PROMPT_LENGTH' });
      expect((thrown as Error).message).toContain(`prompt of ${promptIds.length} tokens does not fit tinylm's 8`);
    }
  });
});
