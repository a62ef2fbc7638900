import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { compileKernels, generatedPath } from '../../scripts/compile-kernels.ts';
import {
  packedShape,
  referenceAttentionBackward,
  referenceAttentionForward,
  referenceMatmul,
  referenceTransposedA,
  referenceTransposedB,
} from './__fixtures__/reference-kernels.ts';
import { accumulateTransposedA, attentionBackward, attentionForward, matmul, matmulTransposedB } from './kernels.ts';
import { createRandom } from './random.ts';

/** Values of mixed scales, with zeros, negative zeros, tiny and huge entries, and (when asked) NaN and ±Infinity. */
function randomValues(random: () => number, length: number, special = false): Float32Array {
  const values = new Float32Array(length);
  for (let index = 0; index < length; index++) {
    const roll = random();
    if (roll < 0.08) values[index] = 0;
    else if (roll < 0.12) values[index] = -0;
    else if (roll < 0.14) values[index] = (random() - 0.5) * 1e-38;
    else if (roll < 0.16) values[index] = (random() - 0.5) * 3e38;
    else if (special && roll < 0.17) values[index] = [Number.NaN, Infinity, -Infinity][index % 3] as number;
    else values[index] = (random() - 0.5) * 2 ** Math.floor(random() * 20 - 10);
  }
  return values;
}

/**
 * Bitwise equality, the sign of zero included; any NaN equals any NaN (JavaScript stores one NaN pattern, WebAssembly
 * another: the NaN is the same, its payload bits differ).
 */
function expectSameBits(actual: Float32Array, expected: Float32Array) {
  const bits = (values: Float32Array) =>
    Array.from(
      new Uint32Array(Float32Array.from(values, (value) => (Number.isNaN(value) ? Number.NaN : value)).buffer),
    );
  expect(bits(actual)).toEqual(bits(expected));
}

// Sizes around the four-lane steps (1, 3, 4, 5, 7, 8 …), the model's (64, 256, 453) and one that grows memory.
const shapes: [number, number, number][] = [
  [1, 1, 1],
  [1, 64, 453],
  [3, 5, 7],
  [4, 4, 4],
  [5, 9, 13],
  [17, 64, 64],
  [33, 64, 256],
  [9, 256, 64],
  [2, 453, 64],
  [700, 64, 453],
];

// One sequence (a row alone, 37 rows) and shared-prompt packings, heads of 1 to 16 values.
const attentionShapes = [
  packedShape(0, [1], 1, 1),
  packedShape(0, [37], 4, 16),
  packedShape(5, [3, 1, 8], 2, 6),
  packedShape(30, [12, 40, 7, 25], 4, 16),
  packedShape(9, [4, 4], 3, 5),
];

describe('the WebAssembly kernels', () => {
  it('are kernels.wat compiled: run `pnpm gen:wasm` after editing kernels.wat', async () => {
    expect(await readFile(generatedPath, 'utf8')).toBe(await compileKernels());
  });

  for (const special of [false, true]) {
    const label = special ? ' (with NaN and ±Infinity)' : '';
    it(`matmul gives the plain loop's bits, fresh and accumulating${label}`, () => {
      const random = createRandom(1);
      for (const [n, k, m] of shapes) {
        const a = randomValues(random, n * k, special);
        const b = randomValues(random, 3 + k * m, special);
        for (const accumulate of [false, true]) {
          const start = accumulate ? randomValues(random, n * m, special) : new Float32Array(n * m);
          const expected = Float32Array.from(start);
          referenceMatmul(a, b.subarray(3), expected, n, k, m);
          const actual = Float32Array.from(start);
          if (!accumulate) actual.fill(5);
          matmul({ a, b, bOffset: 3, out: actual, n, k, m, accumulate });
          expectSameBits(actual, expected);
        }
      }
    });

    it(`matmulTransposedB gives the plain loop's bits, fresh and accumulating${label}`, () => {
      const random = createRandom(2);
      for (const [n, k, r] of shapes) {
        const a = randomValues(random, n * k, special);
        const b = randomValues(random, 5 + r * k, special);
        for (const accumulate of [false, true]) {
          const start = randomValues(random, n * r, special);
          const expected = Float32Array.from(start);
          referenceTransposedB(a, b.subarray(5), expected, n, k, r, accumulate);
          const actual = Float32Array.from(start);
          matmulTransposedB({ a, b, bOffset: 5, out: actual, n, k, r, accumulate });
          expectSameBits(actual, expected);
        }
      }
    });

    it(`accumulateTransposedA gives the plain loop's bits${label}`, () => {
      const random = createRandom(3);
      for (const [n, k, m] of shapes) {
        const a = randomValues(random, n * k, special);
        const d = randomValues(random, n * m, special);
        const grad = randomValues(random, 7 + k * m + 2, special);
        const expected = Float32Array.from(grad);
        referenceTransposedA(a, d, expected.subarray(7), n, k, m);
        const actual = Float32Array.from(grad);
        accumulateTransposedA({ a, d, grad: actual, gradOffset: 7, n, k, m });
        expectSameBits(actual, expected);
      }
    });
  }

  it("attentionForward gives the plain loops' bits, one sequence and shared-prompt packings", () => {
    const random = createRandom(5);
    for (const shape of attentionShapes) {
      const { n, heads, headDim, keyOffsets } = shape;
      const size = n * heads * headDim;
      const inputs = { q: randomValues(random, size), k: randomValues(random, size), v: randomValues(random, size) };
      const weightCount = heads * (keyOffsets[n] as number);
      const expected = { ...inputs, weights: new Float32Array(weightCount), out: new Float32Array(size) };
      referenceAttentionForward(shape, expected);
      const actual = { ...inputs, weights: new Float32Array(weightCount), out: new Float32Array(size).fill(3) };
      attentionForward(shape, actual);
      expectSameBits(actual.weights, expected.weights);
      expectSameBits(actual.out, expected.out);
    }
  });

  it("attentionBackward gives the plain loops' bits, one sequence and shared-prompt packings", () => {
    const random = createRandom(4);
    let nonzero = 0;
    for (const shape of attentionShapes) {
      const { n, heads, headDim, keyOffsets } = shape;
      const size = n * heads * headDim;
      const weights = randomValues(random, heads * (keyOffsets[n] as number)).map(Math.abs);
      const inputs = {
        dAttended: randomValues(random, size),
        q: randomValues(random, size),
        k: randomValues(random, size),
        v: randomValues(random, size),
        weights,
      };
      const expected = {
        ...inputs,
        dq: new Float32Array(size),
        dk: new Float32Array(size),
        dv: new Float32Array(size),
      };
      referenceAttentionBackward(shape, expected);
      const actual = { ...inputs, dq: new Float32Array(size), dk: new Float32Array(size), dv: new Float32Array(size) };
      attentionBackward(shape, actual);
      expectSameBits(actual.dq, expected.dq);
      expectSameBits(actual.dk, expected.dk);
      expectSameBits(actual.dv, expected.dv);
      if (actual.dq.some((value) => value !== 0)) nonzero++;
    }
    expect(nonzero).toBeGreaterThanOrEqual(4);
  });

  it('reads only the first n rows of larger arrays and writes only the first rows of the output', () => {
    const a = Float32Array.from({ length: 12 }, (_, index) => index + 1);
    const b = Float32Array.from({ length: 6 }, (_, index) => index - 2);
    const out = new Float32Array(8).fill(9);
    matmul({ a, b, out, n: 2, k: 3, m: 2, aOffset: 6 });
    // rows 7 8 9 and 10 11 12 of a times b = [[-2, -1], [0, 1], [2, 3]]
    expect([...out]).toEqual([4, 28, 4, 37, 9, 9, 9, 9]);
  });
});
