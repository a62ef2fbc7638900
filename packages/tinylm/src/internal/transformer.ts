import type { TransformerConfig } from '../model-folder.ts';
import {
  accumulateTransposedA,
  attentionBackward,
  attentionDecode,
  attentionForward,
  matmul,
  matmulTransposedB,
  rmsNorm,
  rmsNormBackward,
} from './kernels.ts';

interface LayerOffsets {
  norm1: number;
  wq: number;
  wk: number;
  wv: number;
  wo: number;
  norm2: number;
  w1: number;
  w2: number;
}

export interface ParameterLayout {
  tokenEmbedding: number;
  positionEmbedding: number;
  layers: LayerOffsets[];
  finalNorm: number;
  size: number;
}

export function parameterLayout(config: TransformerConfig): ParameterLayout {
  const { vocabSize, dModel: d, nLayers, dFeedForward: f, maxSeqLen } = config;
  let offset = 0;
  const take = (count: number) => {
    const start = offset;
    offset += count;
    return start;
  };
  const tokenEmbedding = take(vocabSize * d);
  const positionEmbedding = take(maxSeqLen * d);
  const layers = Array.from({ length: nLayers }, () => ({
    norm1: take(d),
    wq: take(d * d),
    wk: take(d * d),
    wv: take(d * d),
    wo: take(d * d),
    norm2: take(d),
    w1: take(d * f),
    w2: take(f * d),
  }));
  const finalNorm = take(d);
  return { tokenEmbedding, positionEmbedding, layers, finalNorm, size: offset };
}

/** Normal(0, std) from a seeded uniform source (Box–Muller). */
export function initializeParameters(config: TransformerConfig, random: () => number): Float32Array {
  const layout = parameterLayout(config);
  const params = new Float32Array(layout.size);
  const normal = (std: number) => {
    const u = Math.max(random(), 1e-12);
    const v = random();
    return std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const fill = (offset: number, count: number, std: number) => {
    for (let index = 0; index < count; index++) params[offset + index] = normal(std);
  };
  const { dModel: d, dFeedForward: f, vocabSize, maxSeqLen, nLayers } = config;
  const residualStd = 0.02 / Math.sqrt(2 * nLayers);
  fill(layout.tokenEmbedding, vocabSize * d, 0.02);
  fill(layout.positionEmbedding, maxSeqLen * d, 0.01);
  for (const layer of layout.layers) {
    params.fill(1, layer.norm1, layer.norm1 + d);
    params.fill(1, layer.norm2, layer.norm2 + d);
    fill(layer.wq, d * d, 0.02);
    fill(layer.wk, d * d, 0.02);
    fill(layer.wv, d * d, 0.02);
    fill(layer.wo, d * d, residualStd);
    fill(layer.w1, d * f, 0.02);
    fill(layer.w2, f * d, residualStd);
  }
  params.fill(1, layout.finalNorm, layout.finalNorm + d);
  return params;
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh form: smooth, so gradient checks are exact where ReLU's kink is not. */
function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
}

function geluDerivative(x: number): number {
  const inner = GELU_C * (x + 0.044715 * x * x * x);
  const t = Math.tanh(inner);
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
}

interface LayerCache {
  input: Float32Array;
  normed1: Float32Array;
  inverseRms1: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** Per head (`keyOffsets[n]` apart), row i's softmax over its keys from `keyOffsets[i]`. */
  attention: Float32Array;
  attended: Float32Array;
  mid: Float32Array;
  normed2: Float32Array;
  inverseRms2: Float32Array;
  preActivation: Float32Array;
  hidden: Float32Array;
}

export interface ForwardCache {
  ids: readonly number[];
  packing: RowPacking;
  /** Where each row's attention weights start within a head's; `keyOffsets[n]` is a head's total. */
  keyOffsets: Int32Array;
  /** Positions whose logits were computed (all when absent). */
  logitRows?: readonly number[];
  /** The final normed rows of `logitRows`, packed. */
  selectedNormed: Float32Array;
  layers: LayerCache[];
  finalInput: Float32Array;
  finalNormed: Float32Array;
  finalInverseRms: Float32Array;
}

/**
 * Rows of one forward pass and what each attends to. Row i sits at position `positions[i]` and attends to rows
 * 0..sharedKeys[i]-1, then rows ownStart[i]..i. One sequence alone: row i at position i over rows 0..i.
 */
export interface RowPacking {
  positions: Int32Array;
  sharedKeys: Int32Array;
  ownStart: Int32Array;
}

/** One sequence of `n` rows, unpacked. */
export function sequenceRows(n: number): RowPacking {
  return {
    positions: Int32Array.from({ length: n }, (_, i) => i),
    sharedKeys: new Int32Array(n),
    ownStart: new Int32Array(n),
  };
}

/**
 * Sequences that begin with the same `shared` tokens packed as one forward: the shared rows once, then each
 * sequence's remaining rows in turn. A sequence's row attends to the shared rows, then to its own earlier rows: the
 * same keys in the same order as in the sequence alone, so its logits are the same bits. `starts[s]` is the packed
 * row of sequence s's position `shared`.
 */
export function packSequences(
  sequences: readonly (readonly number[])[],
  shared: number,
): { ids: number[]; packing: RowPacking; starts: number[] } {
  const ids = (sequences[0] ?? []).slice(0, shared);
  for (const [index, sequence] of sequences.entries())
    if ((shared > 0 && sequence.length <= shared) || ids.some((token, position) => sequence[position] !== token))
      throw new Error(`sequence ${index} does not continue the ${shared} shared tokens`);
  const total = sequences.reduce((sum, sequence) => sum + sequence.length - shared, shared);
  const packing = sequenceRows(total);
  const starts: number[] = [];
  for (const sequence of sequences) {
    const start = ids.length;
    starts.push(start);
    for (let position = shared; position < sequence.length; position++) {
      const row = ids.length;
      ids.push(sequence[position] as number);
      packing.positions[row] = position;
      packing.sharedKeys[row] = shared;
      packing.ownStart[row] = start;
    }
  }
  return { ids, packing, starts };
}

/**
 * A pre-norm causal transformer with tied input/output embeddings, GELU MLPs and learned positions. Forward and
 * backward are written by hand; incremental decoding runs the same row computations, so its logprobs equal the
 * training forward's.
 */
export class Transformer {
  readonly config: TransformerConfig;
  readonly layout: ParameterLayout;

  constructor(config: TransformerConfig) {
    this.config = config;
    this.layout = parameterLayout(config);
  }

  /**
   * Logits ([rows × vocab]) for every position of `ids`, or only for `logitRows` (the positions a loss reads:
   * the vocabulary projection is the largest matrix), and what backward needs. With `packing`, the rows of several
   * sequences (`packSequences`); `logitRows` then name packed rows.
   */
  forward(
    params: Float32Array,
    ids: readonly number[],
    logitRows?: readonly number[],
    packing?: RowPacking,
  ): { logits: Float32Array; cache: ForwardCache } {
    const { dModel: d, nHeads, dFeedForward: f, vocabSize } = this.config;
    const n = ids.length;
    if (!packing && n > this.config.maxSeqLen)
      throw new Error(`sequence of ${n} tokens exceeds maxSeqLen ${this.config.maxSeqLen}`);
    const rowsOf = packing ?? sequenceRows(n);
    const { positions, sharedKeys, ownStart } = rowsOf;
    const keyOffsets = new Int32Array(n + 1);
    for (let row = 0; row < n; row++) {
      if ((positions[row] as number) >= this.config.maxSeqLen)
        throw new Error(`position ${positions[row]} exceeds maxSeqLen ${this.config.maxSeqLen}`);
      keyOffsets[row + 1] =
        (keyOffsets[row] as number) + (sharedKeys[row] as number) + row - (ownStart[row] as number) + 1;
    }
    const totalKeys = keyOffsets[n] as number;
    const headDim = d / nHeads;
    const layout = this.layout;
    let x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const token = ids[i] as number;
      const tokenBase = layout.tokenEmbedding + token * d;
      const positionBase = layout.positionEmbedding + (positions[i] as number) * d;
      for (let c = 0; c < d; c++)
        x[i * d + c] = (params[tokenBase + c] as number) + (params[positionBase + c] as number);
    }
    const layers: LayerCache[] = [];
    for (const offsets of layout.layers) {
      const input = x;
      const normed1 = new Float32Array(n * d);
      const inverseRms1 = new Float32Array(n);
      rmsNorm({
        x: input,
        gain: params,
        gainOffset: offsets.norm1,
        out: normed1,
        rows: n,
        width: d,
        inverseRms: inverseRms1,
      });
      const q = new Float32Array(n * d);
      const k = new Float32Array(n * d);
      const v = new Float32Array(n * d);
      matmul({ a: normed1, b: params, bOffset: offsets.wq, out: q, n, k: d, m: d });
      matmul({ a: normed1, b: params, bOffset: offsets.wk, out: k, n, k: d, m: d });
      matmul({ a: normed1, b: params, bOffset: offsets.wv, out: v, n, k: d, m: d });
      const attention = new Float32Array(nHeads * totalKeys);
      const attended = new Float32Array(n * d);
      attentionForward(
        { n, heads: nHeads, headDim, keyOffsets, sharedKeys, ownStart },
        { q, k, v, weights: attention, out: attended },
      );
      const mid = new Float32Array(input);
      matmul({ a: attended, b: params, bOffset: offsets.wo, out: mid, n, k: d, m: d, accumulate: true });
      const normed2 = new Float32Array(n * d);
      const inverseRms2 = new Float32Array(n);
      rmsNorm({
        x: mid,
        gain: params,
        gainOffset: offsets.norm2,
        out: normed2,
        rows: n,
        width: d,
        inverseRms: inverseRms2,
      });
      const preActivation = new Float32Array(n * f);
      matmul({ a: normed2, b: params, bOffset: offsets.w1, out: preActivation, n, k: d, m: f });
      const hidden = new Float32Array(n * f);
      for (let index = 0; index < hidden.length; index++) hidden[index] = gelu(preActivation[index] as number);
      const output = new Float32Array(mid);
      matmul({ a: hidden, b: params, bOffset: offsets.w2, out: output, n, k: f, m: d, accumulate: true });
      layers.push({
        input,
        normed1,
        inverseRms1,
        q,
        k,
        v,
        attention,
        attended,
        mid,
        normed2,
        inverseRms2,
        preActivation,
        hidden,
      });
      x = output;
    }
    const finalNormed = new Float32Array(n * d);
    const finalInverseRms = new Float32Array(n);
    rmsNorm({
      x,
      gain: params,
      gainOffset: layout.finalNorm,
      out: finalNormed,
      rows: n,
      width: d,
      inverseRms: finalInverseRms,
    });
    let selectedNormed = finalNormed;
    if (logitRows) {
      selectedNormed = new Float32Array(logitRows.length * d);
      for (const [index, row] of logitRows.entries())
        selectedNormed.set(finalNormed.subarray(row * d, (row + 1) * d), index * d);
    }
    const rows = logitRows ? logitRows.length : n;
    const logits = new Float32Array(rows * vocabSize);
    matmulTransposedB({
      a: selectedNormed,
      b: params,
      bOffset: layout.tokenEmbedding,
      out: logits,
      n: rows,
      k: d,
      r: vocabSize,
    });
    return {
      logits,
      cache: {
        ids,
        packing: rowsOf,
        keyOffsets,
        logitRows,
        selectedNormed,
        layers,
        finalInput: x,
        finalNormed,
        finalInverseRms,
      },
    };
  }

  /** Adds d(loss)/d(params) into `grads`, given d(loss)/d(logits). */
  backward(options: {
    params: Float32Array;
    grads: Float32Array;
    cache: ForwardCache;
    logitsGrad: Float32Array;
  }): void {
    const { params, grads, cache, logitsGrad } = options;
    const { dModel: d, nHeads, dFeedForward: f, vocabSize } = this.config;
    const layout = this.layout;
    const n = cache.ids.length;
    const { positions, sharedKeys, ownStart } = cache.packing;
    const keyOffsets = cache.keyOffsets;
    const headDim = d / nHeads;

    const rows = cache.logitRows ? cache.logitRows.length : n;
    const dSelected = new Float32Array(rows * d);
    matmul({ a: logitsGrad, b: params, bOffset: layout.tokenEmbedding, out: dSelected, n: rows, k: vocabSize, m: d });
    accumulateTransposedA({
      a: logitsGrad,
      d: cache.selectedNormed,
      grad: grads,
      n: rows,
      k: vocabSize,
      m: d,
      gradOffset: layout.tokenEmbedding,
    });
    let dFinalNormed = dSelected;
    if (cache.logitRows) {
      dFinalNormed = new Float32Array(n * d);
      for (const [index, row] of cache.logitRows.entries()) {
        dFinalNormed.set(dSelected.subarray(index * d, (index + 1) * d), row * d);
      }
    }
    let dx = new Float32Array(n * d);
    rmsNormBackward({
      x: cache.finalInput,
      gain: params,
      gainOffset: layout.finalNorm,
      dy: dFinalNormed,
      dx,
      gainGrad: grads,
      rows: n,
      width: d,
      inverseRms: cache.finalInverseRms,
    });

    for (let layerIndex = layout.layers.length - 1; layerIndex >= 0; layerIndex--) {
      const offsets = layout.layers[layerIndex] as LayerOffsets;
      const layer = cache.layers[layerIndex] as LayerCache;
      // MLP: out = mid + relu(norm2(mid) W1) W2
      const dHidden = new Float32Array(n * f);
      matmulTransposedB({ a: dx, b: params, bOffset: offsets.w2, out: dHidden, n, k: d, r: f });
      accumulateTransposedA({ a: layer.hidden, d: dx, grad: grads, n, k: f, m: d, gradOffset: offsets.w2 });
      for (let index = 0; index < dHidden.length; index++) {
        dHidden[index] = (dHidden[index] as number) * geluDerivative(layer.preActivation[index] as number);
      }
      const dNormed2 = new Float32Array(n * d);
      matmulTransposedB({ a: dHidden, b: params, bOffset: offsets.w1, out: dNormed2, n, k: f, r: d });
      accumulateTransposedA({ a: layer.normed2, d: dHidden, grad: grads, n, k: d, m: f, gradOffset: offsets.w1 });
      const dMid = new Float32Array(dx);
      rmsNormBackward({
        x: layer.mid,
        gain: params,
        gainOffset: offsets.norm2,
        dy: dNormed2,
        dx: dMid,
        gainGrad: grads,
        rows: n,
        width: d,
        inverseRms: layer.inverseRms2,
      });
      // Attention: mid = input + attended Wo
      const dAttended = new Float32Array(n * d);
      matmulTransposedB({ a: dMid, b: params, bOffset: offsets.wo, out: dAttended, n, k: d, r: d });
      accumulateTransposedA({ a: layer.attended, d: dMid, grad: grads, n, k: d, m: d, gradOffset: offsets.wo });
      const dq = new Float32Array(n * d);
      const dk = new Float32Array(n * d);
      const dv = new Float32Array(n * d);
      attentionBackward(
        { n, heads: nHeads, headDim, keyOffsets, sharedKeys, ownStart },
        { dAttended, q: layer.q, k: layer.k, v: layer.v, weights: layer.attention, dq, dk, dv },
      );
      const dNormed1 = new Float32Array(n * d);
      for (const [gradient, weightOffset] of [
        [dq, offsets.wq],
        [dk, offsets.wk],
        [dv, offsets.wv],
      ] as const) {
        matmulTransposedB({
          a: gradient,
          b: params,
          bOffset: weightOffset,
          out: dNormed1,
          n,
          k: d,
          r: d,
          accumulate: true,
        });
        accumulateTransposedA({ a: layer.normed1, d: gradient, grad: grads, n, k: d, m: d, gradOffset: weightOffset });
      }
      const dInput = new Float32Array(dMid);
      rmsNormBackward({
        x: layer.input,
        gain: params,
        gainOffset: offsets.norm1,
        dy: dNormed1,
        dx: dInput,
        gainGrad: grads,
        rows: n,
        width: d,
        inverseRms: layer.inverseRms1,
      });
      dx = dInput;
    }
    for (let i = 0; i < n; i++) {
      const tokenBase = layout.tokenEmbedding + (cache.ids[i] as number) * d;
      const positionBase = layout.positionEmbedding + (positions[i] as number) * d;
      for (let c = 0; c < d; c++) {
        const value = dx[i * d + c] as number;
        grads[tokenBase + c] = (grads[tokenBase + c] as number) + value;
        grads[positionBase + c] = (grads[positionBase + c] as number) + value;
      }
    }
  }

  /** A key/value cache for decoding one token at a time. */
  createDecoder(params: Float32Array): IncrementalDecoder {
    return new IncrementalDecoder(this, params);
  }
}

/** A decoder's state after some tokens: its keys and values (only the filled rows) and the logits that follow. */
export interface DecoderSnapshot {
  readonly length: number;
  readonly keys: readonly Float32Array[];
  readonly values: readonly Float32Array[];
  readonly logits: Float32Array;
}

/**
 * Decodes one position at a time with cached keys and values; same arithmetic as `forward`, row by row. Scratch
 * buffers are reused, so the logits `step` returns are valid until the next `step`.
 */
export class IncrementalDecoder {
  private readonly model: Transformer;
  private readonly params: Float32Array;
  private readonly keys: Float32Array[];
  private readonly values: Float32Array[];
  private readonly scratch: Record<
    'x' | 'normed' | 'q' | 'k' | 'v' | 'attended' | 'mid' | 'preActivation' | 'hidden' | 'inverse' | 'logits',
    Float32Array
  >;
  length = 0;

  constructor(model: Transformer, params: Float32Array) {
    this.model = model;
    this.params = params;
    const { nLayers, maxSeqLen, dModel: d, dFeedForward: f, vocabSize } = model.config;
    this.keys = Array.from({ length: nLayers }, () => new Float32Array(maxSeqLen * d));
    this.values = Array.from({ length: nLayers }, () => new Float32Array(maxSeqLen * d));
    const vector = (size: number) => new Float32Array(size);
    this.scratch = {
      x: vector(d),
      normed: vector(d),
      q: vector(d),
      k: vector(d),
      v: vector(d),
      attended: vector(d),
      mid: vector(d),
      preActivation: vector(f),
      hidden: vector(f),
      inverse: vector(1),
      logits: vector(vocabSize),
    };
  }

  /** Copies the state after the tokens fed so far, with the logits `step` returned for the last of them. */
  snapshot(logits: Float32Array): DecoderSnapshot {
    const used = this.length * this.model.config.dModel;
    return {
      length: this.length,
      keys: this.keys.map((keys) => keys.slice(0, used)),
      values: this.values.map((values) => values.slice(0, used)),
      logits: new Float32Array(logits),
    };
  }

  /** Continues from a snapshot of a decoder over the same weights; returns the snapshot's logits. */
  restore(snapshot: DecoderSnapshot): Float32Array {
    for (let layer = 0; layer < snapshot.keys.length; layer++) {
      (this.keys[layer] as Float32Array).set(snapshot.keys[layer] as Float32Array);
      (this.values[layer] as Float32Array).set(snapshot.values[layer] as Float32Array);
    }
    this.length = snapshot.length;
    this.scratch.logits.set(snapshot.logits);
    return this.scratch.logits;
  }

  /** Feeds the next token; returns the logits for the position after it. */
  step(token: number): Float32Array {
    const { dModel: d, nHeads, dFeedForward: f, vocabSize, maxSeqLen } = this.model.config;
    const layout = this.model.layout;
    const params = this.params;
    const position = this.length;
    if (position >= maxSeqLen) throw new Error(`sequence exceeds maxSeqLen ${maxSeqLen}`);
    const headDim = d / nHeads;
    const { x, normed, q, k, v, attended, mid, preActivation, hidden, inverse, logits } = this.scratch;
    const tokenBase = layout.tokenEmbedding + token * d;
    const positionBase = layout.positionEmbedding + position * d;
    for (let c = 0; c < d; c++) x[c] = (params[tokenBase + c] as number) + (params[positionBase + c] as number);
    for (let layerIndex = 0; layerIndex < layout.layers.length; layerIndex++) {
      const offsets = layout.layers[layerIndex] as LayerOffsets;
      const keys = this.keys[layerIndex] as Float32Array;
      const values = this.values[layerIndex] as Float32Array;
      rmsNorm({ x, gain: params, gainOffset: offsets.norm1, out: normed, rows: 1, width: d, inverseRms: inverse });
      matmul({ a: normed, b: params, bOffset: offsets.wq, out: q, n: 1, k: d, m: d });
      matmul({ a: normed, b: params, bOffset: offsets.wk, out: k, n: 1, k: d, m: d });
      matmul({ a: normed, b: params, bOffset: offsets.wv, out: v, n: 1, k: d, m: d });
      keys.set(k, position * d);
      values.set(v, position * d);
      attentionDecode({
        q,
        qOffset: 0,
        keys,
        values,
        count: position + 1,
        heads: nHeads,
        headDim,
        out: attended,
        outOffset: 0,
      });
      mid.set(x);
      matmul({ a: attended, b: params, bOffset: offsets.wo, out: mid, n: 1, k: d, m: d, accumulate: true });
      rmsNorm({ x: mid, gain: params, gainOffset: offsets.norm2, out: normed, rows: 1, width: d, inverseRms: inverse });
      matmul({ a: normed, b: params, bOffset: offsets.w1, out: preActivation, n: 1, k: d, m: f });
      for (let index = 0; index < f; index++) hidden[index] = gelu(preActivation[index] as number);
      x.set(mid);
      matmul({ a: hidden, b: params, bOffset: offsets.w2, out: x, n: 1, k: f, m: d, accumulate: true });
    }
    rmsNorm({ x, gain: params, gainOffset: layout.finalNorm, out: normed, rows: 1, width: d, inverseRms: inverse });
    matmulTransposedB({
      a: normed,
      b: params,
      bOffset: layout.tokenEmbedding,
      out: logits,
      n: 1,
      k: d,
      r: vocabSize,
    });
    this.length += 1;
    return logits;
  }

  /**
   * Feeds one token to each of several decoders over the same weights in one forward: the rows share each weight
   * matrix as it is read (batched decoding). Each decoder's logits are the same bits `step` would give it alone;
   * they land in its own scratch, valid until its next step.
   */
  static stepMany(decoders: readonly IncrementalDecoder[], tokens: readonly number[]): Float32Array[] {
    const n = decoders.length;
    const first = decoders[0];
    if (!first) return [];
    if (n === 1) return [first.step(tokens[0] as number)];
    const model = first.model;
    const params = first.params;
    if (decoders.some((decoder) => decoder.params !== params || decoder.model !== model))
      throw new Error('stepMany needs decoders over the same model and weights');
    const { dModel: d, nHeads, dFeedForward: f, vocabSize, maxSeqLen } = model.config;
    const layout = model.layout;
    const headDim = d / nHeads;
    const rows = (width: number) => new Float32Array(n * width);
    const x = rows(d);
    const normed = rows(d);
    const q = rows(d);
    const k = rows(d);
    const v = rows(d);
    const attended = rows(d);
    const mid = rows(d);
    const preActivation = rows(f);
    const hidden = rows(f);
    const inverse = new Float32Array(n);
    const logits = rows(vocabSize);
    for (let row = 0; row < n; row++) {
      const decoder = decoders[row] as IncrementalDecoder;
      const position = decoder.length;
      if (position >= maxSeqLen) throw new Error(`sequence exceeds maxSeqLen ${maxSeqLen}`);
      const tokenBase = layout.tokenEmbedding + (tokens[row] as number) * d;
      const positionBase = layout.positionEmbedding + position * d;
      for (let c = 0; c < d; c++)
        x[row * d + c] = (params[tokenBase + c] as number) + (params[positionBase + c] as number);
    }
    for (let layerIndex = 0; layerIndex < layout.layers.length; layerIndex++) {
      const offsets = layout.layers[layerIndex] as LayerOffsets;
      rmsNorm({ x, gain: params, gainOffset: offsets.norm1, out: normed, rows: n, width: d, inverseRms: inverse });
      matmul({ a: normed, b: params, bOffset: offsets.wq, out: q, n, k: d, m: d });
      matmul({ a: normed, b: params, bOffset: offsets.wk, out: k, n, k: d, m: d });
      matmul({ a: normed, b: params, bOffset: offsets.wv, out: v, n, k: d, m: d });
      for (let row = 0; row < n; row++) {
        const decoder = decoders[row] as IncrementalDecoder;
        const position = decoder.length;
        const keys = decoder.keys[layerIndex] as Float32Array;
        const values = decoder.values[layerIndex] as Float32Array;
        keys.set(k.subarray(row * d, (row + 1) * d), position * d);
        values.set(v.subarray(row * d, (row + 1) * d), position * d);
        attentionDecode({
          q,
          qOffset: row * d,
          keys,
          values,
          count: position + 1,
          heads: nHeads,
          headDim,
          out: attended,
          outOffset: row * d,
        });
      }
      mid.set(x);
      matmul({ a: attended, b: params, bOffset: offsets.wo, out: mid, n, k: d, m: d, accumulate: true });
      rmsNorm({ x: mid, gain: params, gainOffset: offsets.norm2, out: normed, rows: n, width: d, inverseRms: inverse });
      matmul({ a: normed, b: params, bOffset: offsets.w1, out: preActivation, n, k: d, m: f });
      for (let index = 0; index < n * f; index++) hidden[index] = gelu(preActivation[index] as number);
      x.set(mid);
      matmul({ a: hidden, b: params, bOffset: offsets.w2, out: x, n, k: f, m: d, accumulate: true });
    }
    rmsNorm({ x, gain: params, gainOffset: layout.finalNorm, out: normed, rows: n, width: d, inverseRms: inverse });
    matmulTransposedB({
      a: normed,
      b: params,
      bOffset: layout.tokenEmbedding,
      out: logits,
      n,
      k: d,
      r: vocabSize,
    });
    return decoders.map((decoder, row) => {
      decoder.length += 1;
      decoder.scratch.logits.set(logits.subarray(row * vocabSize, (row + 1) * vocabSize));
      return decoder.scratch.logits;
    });
  }
}
