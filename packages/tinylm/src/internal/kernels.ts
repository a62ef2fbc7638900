// Dense float32 kernels on row-major arrays. Loop orders keep the innermost loop contiguous.

/** C[n×m] = A[n×k] · B[k×m] (+ C when accumulate). */
export function matmul(options: {
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
  n: number;
  k: number;
  m: number;
  aOffset?: number;
  bOffset?: number;
  accumulate?: boolean;
}): void {
  const { a, b, out, n, k, m } = options;
  const aOffset = options.aOffset ?? 0;
  const bOffset = options.bOffset ?? 0;
  if (!options.accumulate) out.fill(0, 0, n * m);
  for (let i = 0; i < n; i++) {
    const outRow = i * m;
    const aRow = aOffset + i * k;
    for (let p = 0; p < k; p++) {
      const value = a[aRow + p] as number;
      if (value === 0) continue;
      const bRow = bOffset + p * m;
      for (let j = 0; j < m; j++) out[outRow + j] = (out[outRow + j] as number) + value * (b[bRow + j] as number);
    }
  }
}

/** C[n×r] = A[n×k] · B[r×k]ᵀ (+ C when accumulate). */
export function matmulTransposedB(options: {
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
  n: number;
  k: number;
  r: number;
  bOffset?: number;
  accumulate?: boolean;
}): void {
  const { a, b, out, n, k, r } = options;
  const bOffset = options.bOffset ?? 0;
  for (let i = 0; i < n; i++) {
    const aRow = i * k;
    for (let j = 0; j < r; j++) {
      const bRow = bOffset + j * k;
      let sum = 0;
      for (let p = 0; p < k; p++) sum += (a[aRow + p] as number) * (b[bRow + p] as number);
      out[i * r + j] = options.accumulate ? (out[i * r + j] as number) + sum : sum;
    }
  }
}

/** G[k×m] += A[n×k]ᵀ · D[n×m]: the weight gradient of `A · W`. */
export function accumulateTransposedA(options: {
  a: Float32Array;
  d: Float32Array;
  grad: Float32Array;
  n: number;
  k: number;
  m: number;
  gradOffset?: number;
}): void {
  const { a, d, grad, n, k, m } = options;
  const gradOffset = options.gradOffset ?? 0;
  for (let i = 0; i < n; i++) {
    const aRow = i * k;
    const dRow = i * m;
    for (let p = 0; p < k; p++) {
      const value = a[aRow + p] as number;
      if (value === 0) continue;
      const gRow = gradOffset + p * m;
      for (let j = 0; j < m; j++) grad[gRow + j] = (grad[gRow + j] as number) + value * (d[dRow + j] as number);
    }
  }
}

const RMS_EPSILON = 1e-5;

/** y = x · g / rms(x), row by row; returns each row's 1/rms for the backward pass. */
export function rmsNorm(options: {
  x: Float32Array;
  gain: Float32Array;
  gainOffset: number;
  out: Float32Array;
  rows: number;
  width: number;
  inverseRms: Float32Array;
}): void {
  const { x, gain, gainOffset, out, rows, width, inverseRms } = options;
  for (let row = 0; row < rows; row++) {
    const base = row * width;
    let sumSquares = 0;
    for (let j = 0; j < width; j++) sumSquares += (x[base + j] as number) ** 2;
    const inverse = 1 / Math.sqrt(sumSquares / width + RMS_EPSILON);
    inverseRms[row] = inverse;
    for (let j = 0; j < width; j++)
      out[base + j] = (x[base + j] as number) * inverse * (gain[gainOffset + j] as number);
  }
}

/** Backward of rmsNorm: adds into dx and the gain's gradient. */
export function rmsNormBackward(options: {
  x: Float32Array;
  gain: Float32Array;
  gainOffset: number;
  dy: Float32Array;
  dx: Float32Array;
  gainGrad: Float32Array;
  rows: number;
  width: number;
  inverseRms: Float32Array;
}): void {
  const { x, gain, gainOffset, dy, dx, gainGrad, rows, width, inverseRms } = options;
  for (let row = 0; row < rows; row++) {
    const base = row * width;
    const inverse = inverseRms[row] as number;
    let dot = 0;
    for (let j = 0; j < width; j++) {
      const u = (dy[base + j] as number) * (gain[gainOffset + j] as number);
      dot += u * (x[base + j] as number);
      gainGrad[gainOffset + j] =
        (gainGrad[gainOffset + j] as number) + (dy[base + j] as number) * (x[base + j] as number) * inverse;
    }
    const coefficient = (inverse * inverse * inverse * dot) / width;
    for (let j = 0; j < width; j++) {
      const u = (dy[base + j] as number) * (gain[gainOffset + j] as number);
      dx[base + j] = (dx[base + j] as number) + inverse * u - (x[base + j] as number) * coefficient;
    }
  }
}

/** log-softmax of `logits[offset .. offset+size) / temperature` at `target`, and the softmax into `probabilities`. */
export function logSoftmaxAt(options: {
  logits: Float32Array;
  offset: number;
  size: number;
  temperature: number;
  target: number;
  probabilities?: Float32Array;
}): number {
  const { logits, offset, size, temperature, target, probabilities } = options;
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < size; j++) max = Math.max(max, (logits[offset + j] as number) / temperature);
  let sum = 0;
  for (let j = 0; j < size; j++) {
    const value = Math.exp((logits[offset + j] as number) / temperature - max);
    if (probabilities) probabilities[j] = value;
    sum += value;
  }
  if (probabilities) for (let j = 0; j < size; j++) probabilities[j] = (probabilities[j] as number) / sum;
  return (logits[offset + target] as number) / temperature - max - Math.log(sum);
}

/**
 * C[n×m] = A[n×k] · B[k×m] (+ C when accumulate), reading each row of B once for all n rows of A: the kernel of a
 * batched decode step. Each output element is summed over p in the same order as `matmul`, skipping the same zeros,
 * so a row's result is the same bits as `matmul` of that row alone.
 */
export function matmulSharedB(options: {
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
  n: number;
  k: number;
  m: number;
  bOffset?: number;
  accumulate?: boolean;
}): void {
  const { a, b, out, n, k, m } = options;
  const bOffset = options.bOffset ?? 0;
  if (!options.accumulate) out.fill(0, 0, n * m);
  for (let p = 0; p < k; p++) {
    const bRow = bOffset + p * m;
    for (let i = 0; i < n; i++) {
      const value = a[i * k + p] as number;
      if (value === 0) continue;
      const outRow = i * m;
      for (let j = 0; j < m; j++) out[outRow + j] = (out[outRow + j] as number) + value * (b[bRow + j] as number);
    }
  }
}

/** C[n×r] = A[n×k] · B[r×k]ᵀ, reading each row of B once for all n rows; the same bits as `matmulTransposedB`. */
export function matmulTransposedSharedB(options: {
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
  n: number;
  k: number;
  r: number;
  bOffset?: number;
}): void {
  const { a, b, out, n, k, r } = options;
  const bOffset = options.bOffset ?? 0;
  for (let j = 0; j < r; j++) {
    const bRow = bOffset + j * k;
    for (let i = 0; i < n; i++) {
      const aRow = i * k;
      let sum = 0;
      for (let p = 0; p < k; p++) sum += (a[aRow + p] as number) * (b[bRow + p] as number);
      out[i * r + j] = sum;
    }
  }
}
