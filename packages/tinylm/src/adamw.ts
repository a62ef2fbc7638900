import type { OptimStepRequest } from '@ajet/spec';

/** AdamW with bias correction and global gradient-norm clipping. Zeroes the gradients after the step. */
export class AdamW {
  readonly m: Float32Array;
  readonly v: Float32Array;
  step = 0;

  constructor(size: number) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  /** An optimizer that continues from saved moments and step count (copied, not shared). */
  static restore(state: { m: Float32Array; v: Float32Array; step: number }): AdamW {
    const optimizer = new AdamW(state.m.length);
    optimizer.m.set(state.m);
    optimizer.v.set(state.v);
    optimizer.step = state.step;
    return optimizer;
  }

  /** A non-finite gradient norm applies nothing (weights, moments and step count stay) and only zeroes `grads`. */
  apply(options: { params: Float32Array; grads: Float32Array; settings: OptimStepRequest }): {
    gradNorm: number;
    applied: boolean;
  } {
    const { params, grads, settings } = options;
    let sumSquares = 0;
    for (let index = 0; index < grads.length; index++) sumSquares += (grads[index] as number) ** 2;
    const gradNorm = Math.sqrt(sumSquares);
    if (!Number.isFinite(gradNorm)) {
      grads.fill(0);
      return { gradNorm, applied: false };
    }
    const clip =
      settings.maxGradNorm > 0 && gradNorm > settings.maxGradNorm ? settings.maxGradNorm / (gradNorm + 1e-6) : 1;
    this.step += 1;
    const { beta1, beta2, eps, learningRate, weightDecay } = settings;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    for (let index = 0; index < params.length; index++) {
      const gradient = (grads[index] as number) * clip;
      const m = beta1 * (this.m[index] as number) + (1 - beta1) * gradient;
      const v = beta2 * (this.v[index] as number) + (1 - beta2) * gradient * gradient;
      this.m[index] = m;
      this.v[index] = v;
      const update = m / correction1 / (Math.sqrt(v / correction2) + eps);
      params[index] = (params[index] as number) - learningRate * (update + weightDecay * (params[index] as number));
    }
    grads.fill(0);
    return { gradNorm, applied: true };
  }
}
