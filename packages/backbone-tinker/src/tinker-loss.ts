import { backendErrorCodes } from '@ajet/backbone-kit';
import { BackboneError, type ForwardBackwardRequest } from '@ajet/spec';
import { type Datum, type ForwardBackwardRequestBody, type TensorData, tensor, tensorValues } from './protocol.ts';

/**
 * ajet's LossSpec as one Tinker forward_backward call. Tinker's losses are sums over target tokens:
 * - `cross_entropy`: -Σ weights·logp
 * - `importance_sampling`: -Σ advantages·exp(logp - logprobs)
 * - `ppo`: -Σ min(ratio·A, clip(ratio, clip_low_threshold, clip_high_threshold)·A)
 * Each is linear in its per-token weight or advantage (and ppo's min commutes with a positive factor), so ajet's
 * aggregation (`token-mean`, `seq-mean`) and `lossScale` become a positive factor on each token: the sum then is
 * exactly ajet's loss. Refused: `dualClip`, `kl` (Tinker has no reference policy in the loss) and a temperature
 * other than 1 (Tinker scores at temperature 1).
 */
export function tinkerForwardBackwardInput(
  request: ForwardBackwardRequest,
): Omit<ForwardBackwardRequestBody['forward_backward_input'], never> {
  const { loss } = request;
  const refuse = (code: string, message: string) =>
    new BackboneError(`forwardBackward: ${message}`, {
      code,
      hint: 'Tinker has no equivalent; change the trainer’s loss config (or use the grpc backbone).',
    });
  if (request.temperature !== undefined && request.temperature !== 1) {
    throw refuse(
      backendErrorCodes.BACKBONE_INVALID_REQUEST,
      `temperature ${request.temperature} is not supported by Tinker (it scores at temperature 1)`,
    );
  }
  if (loss.type === 'ppo' && loss.dualClip !== undefined) {
    throw refuse(backendErrorCodes.LOSS_DUAL_CLIP, `ppo dualClip ${loss.dualClip} is not supported by Tinker`);
  }
  if (loss.type !== 'cross_entropy' && loss.kl !== undefined) {
    throw refuse(backendErrorCodes.LOSS_KL, `a KL penalty (beta ${loss.kl.beta}) is not supported by Tinker`);
  }
  const factors = tokenFactors(request);
  const data = request.samples.map((sample, index): Datum => {
    const factor = factors[index] ?? [];
    // Tinker predicts targets[i] = tokens[i + 1] from tokens[0..i]: every per-token array drops its first entry.
    const inputs: Record<string, TensorData> = { target_tokens: tensor(sample.tokenIds.slice(1), 'int64') };
    if (loss.type === 'cross_entropy') {
      inputs.weights = tensor(factor.slice(1), 'float32');
    } else {
      inputs.logprobs = tensor(sample.samplerLogprobs.slice(1), 'float32');
      inputs.advantages = tensor(
        factor.slice(1).map((weight) => weight * sample.advantage),
        'float32',
      );
    }
    return {
      model_input: { chunks: [{ type: 'encoded_text', tokens: sample.tokenIds.slice(0, -1) }] },
      loss_fn_inputs: inputs,
    };
  });
  if (loss.type === 'ppo') {
    return {
      data,
      loss_fn: 'ppo',
      loss_fn_config: { clip_low_threshold: 1 - loss.clipLow, clip_high_threshold: 1 + loss.clipHigh },
    };
  }
  return { data, loss_fn: loss.type };
}

/** Each token's share of the loss: mask · aggregation weight · lossScale. */
function tokenFactors(request: ForwardBackwardRequest): number[][] {
  const scale = request.lossScale ?? 1;
  const { aggregation } = request.loss;
  const counts = request.samples.map((sample) => sample.lossMask.slice(1).reduce((sum, mask) => sum + mask, 0));
  const total = counts.reduce((sum, count) => sum + count, 0);
  const sequences = counts.filter((count) => count > 0).length;
  return request.samples.map((sample, index) => {
    const count = counts[index] ?? 0;
    const denominator = aggregation === 'token-mean' ? total : count * sequences;
    return sample.lossMask.map((mask) => (mask > 0 && denominator > 0 ? (mask * scale) / denominator : 0));
  });
}

/**
 * ajet's loss and metrics from what Tinker returned: the per-token logprobs of each datum (`logprobs`), recomputed
 * with the same factors, so `loss` is the number forwardBackward promises whatever metric names the server uses.
 */
export function lossFromTinkerOutput(options: {
  request: ForwardBackwardRequest;
  outputs: readonly Record<string, TensorData>[];
}): { loss: number; metrics: Record<string, number> } {
  const { request, outputs } = options;
  const { loss: spec } = request;
  const factors = tokenFactors(request);
  let loss = 0;
  let tokens = 0;
  let clipped = 0;
  let ratioSum = 0;
  request.samples.forEach((sample, index) => {
    const output = outputs[index];
    const logprobsTensor = output?.logprobs;
    if (!logprobsTensor) {
      throw new BackboneError(`forwardBackward: Tinker returned no logprobs for sample ${index}`, {
        code: 'TINKER_BAD_RESPONSE',
        hint: 'The server answered fewer loss_fn_outputs than data, or without `logprobs`.',
      });
    }
    const logprobs = tensorValues(logprobsTensor);
    const factor = factors[index] ?? [];
    for (let position = 1; position < sample.tokenIds.length; position++) {
      const weight = factor[position] ?? 0;
      if (weight === 0) continue;
      const logp = logprobs[position - 1] ?? Number.NaN;
      tokens += 1;
      if (spec.type === 'cross_entropy') {
        loss += -weight * logp;
        continue;
      }
      const ratio = Math.exp(logp - (sample.samplerLogprobs[position] ?? 0));
      ratioSum += ratio;
      const advantage = weight * sample.advantage;
      if (spec.type === 'importance_sampling') {
        loss += -advantage * ratio;
        continue;
      }
      const clippedRatio = Math.min(Math.max(ratio, 1 - spec.clipLow), 1 + spec.clipHigh);
      if (clippedRatio !== ratio) clipped += 1;
      loss += Math.max(-advantage * ratio, -advantage * clippedRatio);
    }
  });
  const metrics: Record<string, number> = { tokens };
  if (spec.type !== 'cross_entropy') metrics.ratio_mean = tokens > 0 ? ratioSum / tokens : 0;
  if (spec.type === 'ppo') metrics.clip_frac = tokens > 0 ? clipped / tokens : 0;
  return { loss, metrics };
}
