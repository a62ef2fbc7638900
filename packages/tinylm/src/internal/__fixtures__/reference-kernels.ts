// The plain JavaScript loops that kernels.wat replaced (tinylm's kernels up to 2026-12-03): the bits the WebAssembly
// kernels must reproduce (kernels.test.ts) and what they are timed against (bench/tinylm-kernels.ts); and the
// attention packings both use.
import type { AttentionShape } from '../kernels.ts';

export function referenceMatmul(a: Float32Array, b: Float32Array, out: Float32Array, n: number, k: number, m: number) {
  for (let i = 0; i < n; i++)
    for (let p = 0; p < k; p++) {
      const value = a[i * k + p] as number;
      if (value === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] = (out[i * m + j] as number) + value * (b[p * m + j] as number);
    }
}

export function referenceTransposedB(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  n: number,
  k: number,
  r: number,
  accumulate: boolean,
) {
  for (let i = 0; i < n; i++)
    for (let j = 0; j < r; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += (a[i * k + p] as number) * (b[j * k + p] as number);
      out[i * r + j] = accumulate ? (out[i * r + j] as number) + sum : sum;
    }
}

export function referenceTransposedA(a: Float32Array, d: Float32Array, grad: Float32Array, n: number, k: number, m: number) {
  for (let i = 0; i < n; i++)
    for (let p = 0; p < k; p++) {
      const value = a[i * k + p] as number;
      if (value === 0) continue;
      for (let j = 0; j < m; j++) grad[p * m + j] = (grad[p * m + j] as number) + value * (d[i * m + j] as number);
    }
}

export function referenceAttentionForward(
  shape: AttentionShape,
  arrays: Record<'q' | 'k' | 'v' | 'weights' | 'out', Float32Array>,
) {
  const { n, heads, headDim, keyOffsets, sharedKeys, ownStart } = shape;
  const { q, k, v, weights, out } = arrays;
  const width = heads * headDim;
  const scale = 1 / Math.sqrt(headDim);
  for (let head = 0; head < heads; head++)
    for (let row = 0; row < n; row++) {
      const shared = sharedKeys[row] as number;
      const skip = (ownStart[row] as number) - shared;
      const count = row - skip + 1;
      const weightsOffset = head * (keyOffsets[n] as number) + (keyOffsets[row] as number);
      const outOffset = row * width + head * headDim;
      let max = Number.NEGATIVE_INFINITY;
      for (let t = 0; t < count; t++) {
        const kBase = (t < shared ? t : t + skip) * width + head * headDim;
        let dot = 0;
        for (let c = 0; c < headDim; c++) dot += (q[outOffset + c] as number) * (k[kBase + c] as number);
        const score = dot * scale;
        weights[weightsOffset + t] = score;
        if (score > max) max = score;
      }
      let sum = 0;
      for (let t = 0; t < count; t++) {
        const value = Math.exp((weights[weightsOffset + t] as number) - max);
        weights[weightsOffset + t] = value;
        sum += value;
      }
      for (let c = 0; c < headDim; c++) out[outOffset + c] = 0;
      for (let t = 0; t < count; t++) {
        const weight = (weights[weightsOffset + t] as number) / sum;
        weights[weightsOffset + t] = weight;
        const vBase = (t < shared ? t : t + skip) * width + head * headDim;
        for (let c = 0; c < headDim; c++)
          out[outOffset + c] = (out[outOffset + c] as number) + weight * (v[vBase + c] as number);
      }
    }
}

export function referenceAttentionBackward(
  shape: AttentionShape,
  arrays: Record<'dAttended' | 'q' | 'k' | 'v' | 'weights' | 'dq' | 'dk' | 'dv', Float32Array>,
) {
  const { n, heads, headDim, keyOffsets, sharedKeys, ownStart } = shape;
  const { dAttended, q, k, v, weights, dq, dk, dv } = arrays;
  const d = heads * headDim;
  const totalKeys = keyOffsets[n] as number;
  const scale = 1 / Math.sqrt(headDim);
  const dWeights = new Float32Array(n);
  for (let head = 0; head < heads; head++) {
    for (let row = 0; row < n; row++) {
      const shared = sharedKeys[row] as number;
      const skip = (ownStart[row] as number) - shared;
      const count = row - skip + 1;
      const weightsOffset = head * totalKeys + (keyOffsets[row] as number);
      const outBase = row * d + head * headDim;
      let weighted = 0;
      for (let t = 0; t < count; t++) {
        const vBase = (t < shared ? t : t + skip) * d + head * headDim;
        const weight = weights[weightsOffset + t] as number;
        let dot = 0;
        for (let c = 0; c < headDim; c++) {
          const dOut = dAttended[outBase + c] as number;
          dot += dOut * (v[vBase + c] as number);
          dv[vBase + c] = (dv[vBase + c] as number) + weight * dOut;
        }
        dWeights[t] = dot;
        weighted += dot * weight;
      }
      for (let t = 0; t < count; t++) {
        const weight = weights[weightsOffset + t] as number;
        const dScore = weight * ((dWeights[t] as number) - weighted) * scale;
        if (dScore === 0) continue;
        const kBase = (t < shared ? t : t + skip) * d + head * headDim;
        for (let c = 0; c < headDim; c++) {
          dq[outBase + c] = (dq[outBase + c] as number) + dScore * (k[kBase + c] as number);
          dk[kBase + c] = (dk[kBase + c] as number) + dScore * (q[outBase + c] as number);
        }
      }
    }
  }
}

/** A shared prompt of `prompt` rows, then sequences of the given lengths that each see it and themselves. */
export function packedShape(prompt: number, lengths: number[], heads: number, headDim: number): AttentionShape {
  const n = prompt + lengths.reduce((sum, length) => sum + length, 0);
  const sharedKeys = new Int32Array(n);
  const ownStart = new Int32Array(n);
  let start = prompt;
  for (const length of lengths) {
    sharedKeys.fill(prompt, start, start + length);
    ownStart.fill(start, start, start + length);
    start += length;
  }
  const keyOffsets = new Int32Array(n + 1);
  for (let row = 0; row < n; row++)
    keyOffsets[row + 1] =
      (keyOffsets[row] as number) + (sharedKeys[row] as number) + row - (ownStart[row] as number) + 1;
  return { n, heads, headDim, keyOffsets, sharedKeys, ownStart };
}
