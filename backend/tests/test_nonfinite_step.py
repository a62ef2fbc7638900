"""OptimStep never applies a non-finite update (issue 21, item 9): it zeroes the gradients, keeps the weights and
the policy version, and says so with a non-finite gradNorm."""

import math

import torch

from ajet_backend.losses import LossSpec
from ajet_backend.policy import OptimizerParams, Policy, PolicySettings, TrainingSample
from tiny_model import tiny_qwen2


def _sample(advantage: float = 1.0, logprob: float = -2.0) -> TrainingSample:
    return TrainingSample(token_ids=[3, 4, 5, 6], loss_mask=[0, 1, 1, 1], sampler_logprobs=[0.0, logprob, logprob, logprob], advantage=advantage)


def _weights(policy: Policy) -> list[torch.Tensor]:
    return [parameter.detach().clone() for parameter in policy.model.parameters()]


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_a_nan_gradient_is_not_applied_and_the_next_step_trains() -> None:
    policy = Policy(tiny_qwen2(), PolicySettings(keep_reference=False))
    before = _weights(policy)
    totals = policy.forward_backward(samples=[_sample(advantage=math.nan)], spec=LossSpec(type="importance_sampling"))
    assert not math.isfinite(totals.loss)
    version, grad_norm = policy.optim_step(OptimizerParams(learning_rate=1e-2, max_grad_norm=1.0))
    assert version == 0 and not math.isfinite(grad_norm)
    assert _same(before, _weights(policy))
    assert all(parameter.grad is None or not parameter.grad.any() for parameter in policy.model.parameters())
    policy.forward_backward(samples=[_sample()], spec=LossSpec(type="importance_sampling"))
    version, grad_norm = policy.optim_step(OptimizerParams(learning_rate=1e-2, max_grad_norm=1.0))
    assert version == 1 and math.isfinite(grad_norm) and grad_norm > 0
    after = _weights(policy)
    assert not _same(before, after) and all(torch.isfinite(weight).all() for weight in after)


def test_an_infinite_gradient_without_clipping_is_not_applied() -> None:
    policy = Policy(tiny_qwen2(), PolicySettings(keep_reference=False))
    before = _weights(policy)
    policy.forward_backward(samples=[_sample(advantage=1e38)], spec=LossSpec(type="importance_sampling"), loss_scale=1e38)
    version, grad_norm = policy.optim_step(OptimizerParams(learning_rate=1e-2, max_grad_norm=0.0))
    assert version == 0 and not math.isfinite(grad_norm)
    assert _same(before, _weights(policy))


def test_a_non_finite_loss_skips_the_step_even_with_finite_gradients() -> None:
    policy = Policy(tiny_qwen2(), PolicySettings(keep_reference=False))
    before = _weights(policy)
    # The ratio exp(logp + 1e6) overflows; ppo's clip keeps the gradient of the negative-advantage term at 0.
    totals = policy.forward_backward(samples=[_sample(advantage=-1.0, logprob=-1e6)], spec=LossSpec(type="ppo"))
    assert not math.isfinite(totals.loss)
    version, grad_norm = policy.optim_step(OptimizerParams(learning_rate=1e-2))
    assert version == 0 and not math.isfinite(grad_norm)
    assert _same(before, _weights(policy))
