// tinylm's WebAssembly kernels (packages/tinylm/src/internal/kernels.wat) against the plain JavaScript loops they
// replaced, on the shapes of the calculator model (d_model 64, 4 heads, feed-forward 256, vocabulary 453) and of a
// GRPO group packed around its shared prompt (a 120-token prompt, 8 continuations of 60): each pair timed in
// alternation on one thread so both see the same machine load; prints the median of each, the speedup, and whether
// the two gave the same bits.
import { createRandom } from '@ajet/spec';
import {
  packedShape,
  referenceAttentionBackward,
  referenceAttentionForward,
  referenceMatmul,
  referenceTransposedA,
  referenceTransposedB,
} from '../packages/tinylm/src/internal/__fixtures__/reference-kernels.ts';
import {
  accumulateTransposedA,
  attentionBackward,
  attentionForward,
  matmul,
  matmulTransposedB,
} from '../packages/tinylm/src/internal/kernels.ts';

const ROUNDS = 9;
const D = 64;
const F = 256;
const VOCAB = 453;
const HEADS = 4;
const PROMPT = 120;
const CONTINUATIONS = 8;
const LENGTH = 60;
const N = PROMPT + CONTINUATIONS * LENGTH;

const random = createRandom(1);
const values = (length: number) => Float32Array.from({ length }, () => (random() - 0.5) * 0.2);

interface Case {
  name: string;
  /** Each returns the arrays it wrote, to compare bits. */
  reference: () => Float32Array[];
  wasm: () => Float32Array[];
}

function matmulCase(name: string, k: number, m: number): Case {
  const a = values(N * k);
  const b = values(k * m);
  const run = (kernel: typeof referenceMatmul) => () => {
    const out = new Float32Array(N * m);
    kernel(a, b, out, N, k, m);
    return [out];
  };
  return {
    name: `${name} ${N}×${k} · ${k}×${m}`,
    reference: run(referenceMatmul),
    wasm: run((a, b, out, n, k, m) => matmul({ a, b, out, n, k, m })),
  };
}

const shape = packedShape(PROMPT, Array<number>(CONTINUATIONS).fill(LENGTH), HEADS, D / HEADS);
const size = N * D;
const weightCount = HEADS * (shape.keyOffsets[N] as number);
const q = values(size);
const k = values(size);
const v = values(size);
const forwardWeights = new Float32Array(weightCount);
referenceAttentionForward(shape, { q, k, v, weights: forwardWeights, out: new Float32Array(size) });
const dAttended = values(size);
const logitsGrad = values(N * VOCAB);
const normed = values(N * D);

const cases: Case[] = [
  matmulCase('q, k, v, o', D, D),
  matmulCase('feed-forward in', D, F),
  matmulCase('feed-forward out', F, D),
  (() => {
    const run = (kernel: typeof referenceTransposedB) => () => {
      const out = new Float32Array(N * VOCAB);
      kernel(normed, embedding, out, N, D, VOCAB, false);
      return [out];
    };
    const embedding = values(VOCAB * D);
    return {
      name: `logits ${N}×${D} · (${VOCAB}×${D})ᵀ`,
      reference: run(referenceTransposedB),
      wasm: run((a, b, out, n, k, r, accumulate) => matmulTransposedB({ a, b, out, n, k, r, accumulate })),
    };
  })(),
  (() => {
    const run = (kernel: typeof referenceTransposedA) => () => {
      const grad = new Float32Array(VOCAB * D);
      kernel(logitsGrad, normed, grad, N, VOCAB, D);
      return [grad];
    };
    return {
      name: `embedding gradient (${N}×${VOCAB})ᵀ · ${N}×${D}`,
      reference: run(referenceTransposedA),
      wasm: run((a, d, grad, n, k, m) => accumulateTransposedA({ a, d, grad, n, k, m })),
    };
  })(),
  (() => {
    const run = (kernel: typeof referenceAttentionForward) => () => {
      const arrays = { q, k, v, weights: new Float32Array(weightCount), out: new Float32Array(size) };
      kernel(shape, arrays);
      return [arrays.weights, arrays.out];
    };
    return {
      name: `attention forward (${N} rows packed, ${HEADS} heads)`,
      reference: run(referenceAttentionForward),
      wasm: run(attentionForward),
    };
  })(),
  (() => {
    const run = (kernel: typeof referenceAttentionBackward) => () => {
      const arrays = {
        dAttended,
        q,
        k,
        v,
        weights: forwardWeights,
        dq: new Float32Array(size),
        dk: new Float32Array(size),
        dv: new Float32Array(size),
      };
      kernel(shape, arrays);
      return [arrays.dq, arrays.dk, arrays.dv];
    };
    return {
      name: 'attention backward',
      reference: run(referenceAttentionBackward),
      wasm: run(attentionBackward),
    };
  })(),
];

const median = (times: number[]) => [...times].sort((x, y) => x - y)[times.length >> 1] as number;
const sameBits = (x: Float32Array[], y: Float32Array[]) =>
  x.every(
    (array, index) => Buffer.compare(Buffer.from(array.buffer), Buffer.from((y[index] as Float32Array).buffer)) === 0,
  );
let referenceTotal = 0;
let wasmTotal = 0;
for (const { name, reference, wasm } of cases) {
  const times: [number[], number[]] = [[], []];
  let outputs: [Float32Array[], Float32Array[]] = [[], []];
  for (let round = 0; round < ROUNDS; round++)
    for (const [index, kernel] of [reference, wasm].entries()) {
      const started = performance.now();
      outputs[index] = kernel();
      times[index]?.push(performance.now() - started);
    }
  const [js, wasmMs] = times.map(median) as [number, number];
  referenceTotal += js;
  wasmTotal += wasmMs;
  console.log(
    `${name}: JavaScript ${js.toFixed(1)} ms, WebAssembly ${wasmMs.toFixed(1)} ms, ${(js / wasmMs).toFixed(2)}x, ` +
      (sameBits(...outputs) ? 'same bits' : 'DIFFERENT BITS'),
  );
  if (!sameBits(...outputs)) process.exitCode = 1;
  outputs = [[], []];
}
console.log(
  `all: JavaScript ${referenceTotal.toFixed(0)} ms, WebAssembly ${wasmTotal.toFixed(0)} ms, ${(referenceTotal / wasmTotal).toFixed(2)}x`,
);
