// Dense float32 kernels on row-major arrays. The matrix products and the attention run in WebAssembly (kernels.wat)
// and give the same bits as the plain loops they replaced (kernels.test.ts compares them).
import { KERNELS_WASM } from './kernels-wasm.ts';

/** The WebAssembly half of the kernels (kernels.wat): one instance, with its own memory, per thread. */
interface WasmKernels {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  matmul(a: number, b: number, out: number, n: number, k: number, m: number): void;
  accumulate_transposed_a(a: number, d: number, grad: number, n: number, k: number, m: number): void;
  transpose(from: number, to: number, rows: number, cols: number): void;
  matmul_transposed_b(a: number, bT: number, out: number, n: number, k: number, r: number, accumulate: number): void;
  attention_backward(...args: number[]): void;
  attention_forward(...args: number[]): void;
  attention_decode(...args: number[]): void;
}

// The global WebAssembly object (Node's types leave it out: it is declared in the DOM's lib).
const { WebAssembly: runtime } = globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: object };
  };
};
const wasm = new runtime.Instance(new runtime.Module(Buffer.from(KERNELS_WASM, 'base64')), { math: { exp: Math.exp } })
  .exports as WasmKernels;
const PAGE_FLOATS = 65_536 / 4;
let heap = new Float32Array(wasm.memory.buffer);

/** The module's memory as float32, grown to hold at least `floats` values. */
function heapOf(floats: number): Float32Array {
  if (floats > heap.length) {
    wasm.memory.grow(Math.ceil((floats - heap.length) / PAGE_FLOATS));
    heap = new Float32Array(wasm.memory.buffer);
  }
  return heap;
}

/** C[n×m] = A[n×k] · B[k×m] (+ C when accumulate). Each C element is rounded to float32 after each product added. */
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
  const bAt = n * k;
  const outAt = bAt + k * m;
  const memory = heapOf(outAt + n * m);
  memory.set(a.subarray(aOffset, aOffset + n * k), 0);
  memory.set(b.subarray(bOffset, bOffset + k * m), bAt);
  if (options.accumulate) memory.set(out.subarray(0, n * m), outAt);
  else memory.fill(0, outAt, outAt + n * m);
  wasm.matmul(0, bAt * 4, outAt * 4, n, k, m);
  out.set(memory.subarray(outAt, outAt + n * m));
}

/** C[n×r] = A[n×k] · B[r×k]ᵀ (+ C when accumulate). Each C element is one float64 sum, rounded once. */
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
  const bAt = n * k;
  const transposedAt = bAt + r * k;
  const outAt = transposedAt + r * k;
  const memory = heapOf(outAt + n * r);
  memory.set(a.subarray(0, n * k), 0);
  memory.set(b.subarray(bOffset, bOffset + r * k), bAt);
  wasm.transpose(bAt * 4, transposedAt * 4, r, k);
  if (options.accumulate) memory.set(out.subarray(0, n * r), outAt);
  wasm.matmul_transposed_b(0, transposedAt * 4, outAt * 4, n, k, r, options.accumulate ? 1 : 0);
  out.set(memory.subarray(outAt, outAt + n * r));
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
  const dAt = n * k;
  const gradAt = dAt + n * m;
  const memory = heapOf(gradAt + k * m);
  memory.set(a.subarray(0, n * k), 0);
  memory.set(d.subarray(0, n * m), dAt);
  memory.set(grad.subarray(gradOffset, gradOffset + k * m), gradAt);
  wasm.accumulate_transposed_a(0, dAt * 4, gradAt * 4, n, k, m);
  grad.set(memory.subarray(gradAt, gradAt + k * m), gradOffset);
}

/** What one layer's attention needs: its rows' packing (see transformer.ts's RowPacking) and sizes. */
export interface AttentionShape {
  n: number;
  heads: number;
  headDim: number;
  /** Row i's weights start at keyOffsets[i] within each head's `keyOffsets[n]`. */
  keyOffsets: Int32Array;
  sharedKeys: Int32Array;
  ownStart: Int32Array;
}

/**
 * Copies the packing's three int32 arrays to `at` (floats) in `memory`; returns the attention kernels' last
 * arguments: the arrays' byte offsets, n, heads, headDim, the row width, each head's weight count and the scale.
 */
function packingAndSizes(memory: Float32Array, at: number, shape: AttentionShape): number[] {
  const { n, heads, headDim, keyOffsets, sharedKeys, ownStart } = shape;
  const ints = new Int32Array(memory.buffer, at * 4, 3 * n + 1);
  ints.set(keyOffsets.subarray(0, n + 1), 0);
  ints.set(sharedKeys.subarray(0, n), n + 1);
  ints.set(ownStart.subarray(0, n), 2 * n + 1);
  const offsets = [at * 4, (at + n + 1) * 4, (at + 2 * n + 1) * 4];
  return [...offsets, n, heads, headDim, heads * headDim, keyOffsets[n] as number, 1 / Math.sqrt(headDim)];
}

/**
 * The attention of one layer's forward pass: for every head and row, the softmax over its keys of q·k/√headDim
 * into `weights` (head h's row i at h·keyOffsets[n] + keyOffsets[i]) and the weighted sum of v into `out`.
 */
export function attentionForward(
  shape: AttentionShape,
  arrays: { q: Float32Array; k: Float32Array; v: Float32Array; weights: Float32Array; out: Float32Array },
): void {
  const { n, heads, headDim, keyOffsets } = shape;
  const rows = n * heads * headDim;
  const weightCount = heads * (keyOffsets[n] as number);
  // float offsets: q k v out (rows each), weights, then the packing
  const weightsAt = 4 * rows;
  const packingAt = weightsAt + weightCount;
  const memory = heapOf(packingAt + 3 * n + 1);
  const { q, k, v, weights, out } = arrays;
  for (const [index, array] of [q, k, v].entries()) memory.set(array.subarray(0, rows), index * rows);
  wasm.attention_forward(
    0,
    rows * 4,
    2 * rows * 4,
    weightsAt * 4,
    3 * rows * 4,
    ...packingAndSizes(memory, packingAt, shape),
  );
  weights.set(memory.subarray(weightsAt, weightsAt + weightCount));
  out.set(memory.subarray(3 * rows, 4 * rows));
}

/**
 * The attention part of one layer's backward pass: from d(loss)/d(attended) and the forward's q, k, v and softmax
 * weights, adds into dq, dk and dv (all n × heads·headDim, row-major).
 */
export function attentionBackward(
  shape: AttentionShape,
  arrays: {
    dAttended: Float32Array;
    q: Float32Array;
    k: Float32Array;
    v: Float32Array;
    weights: Float32Array;
    dq: Float32Array;
    dk: Float32Array;
    dv: Float32Array;
  },
): void {
  const { n, heads, headDim, keyOffsets } = shape;
  const rows = n * heads * headDim;
  const weightCount = heads * (keyOffsets[n] as number);
  // float offsets: dAttended q k v dq dk dv (rows each), weights, dWeights (n floats of scratch), the packing
  const at = (index: number) => index * rows;
  const weightsAt = at(7);
  const scratchAt = weightsAt + weightCount;
  const packingAt = scratchAt + n;
  const memory = heapOf(packingAt + 3 * n + 1);
  const { dAttended, q, k, v, weights, dq, dk, dv } = arrays;
  for (const [index, array] of [dAttended, q, k, v, dq, dk, dv].entries())
    memory.set(array.subarray(0, rows), at(index));
  memory.set(weights.subarray(0, weightCount), weightsAt);
  wasm.attention_backward(
    ...[0, 1, 2, 3].map((index) => at(index) * 4),
    weightsAt * 4,
    ...[4, 5, 6].map((index) => at(index) * 4),
    scratchAt * 4,
    ...packingAndSizes(memory, packingAt, shape),
  );
  for (const [index, array] of [dq, dk, dv].entries()) array.set(memory.subarray(at(4 + index), at(5 + index)));
}

/**
 * A decoder's attention: the query `q[qOffset ..]` (heads·headDim floats) over the first `count` rows of the key
 * and value caches, every head; the heads' outputs go to `out[outOffset ..]`. The same arithmetic as a row of
 * attentionForward, so a decoded token's logits are the full forward's bits.
 */
export function attentionDecode(options: {
  q: Float32Array;
  qOffset: number;
  keys: Float32Array;
  values: Float32Array;
  count: number;
  heads: number;
  headDim: number;
  out: Float32Array;
  outOffset: number;
}): void {
  const { q, qOffset, keys, values, count, heads, headDim, out, outOffset } = options;
  const width = heads * headDim;
  // float offsets: keys, values (count rows each), q, out (one row each), weights (count floats of scratch)
  const valuesAt = count * width;
  const qAt = 2 * valuesAt;
  const outAt = qAt + width;
  const weightsAt = outAt + width;
  const memory = heapOf(weightsAt + count);
  memory.set(keys.subarray(0, valuesAt), 0);
  memory.set(values.subarray(0, valuesAt), valuesAt);
  memory.set(q.subarray(qOffset, qOffset + width), qAt);
  wasm.attention_decode(
    qAt * 4,
    0,
    valuesAt * 4,
    weightsAt * 4,
    outAt * 4,
    count,
    heads,
    headDim,
    width,
    1 / Math.sqrt(headDim),
  );
  out.set(memory.subarray(outAt, outAt + width), outOffset);
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
