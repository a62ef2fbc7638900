import pytest
import torch

from ajet_backend.errors import BackendError
from ajet_backend.losses import KlPenalty, LossSpec
from ajet_backend.policy import OptimizerParams, Policy, PolicySettings, SamplingParams, TrainingSample
from tiny_model import tiny_qwen2


def _samples() -> list[TrainingSample]:
    return [
        TrainingSample(token_ids=[1, 5, 9, 12, 3], loss_mask=[0, 0, 1, 1, 1], sampler_logprobs=[0, 0, -4.0, -4.5, -4.2], advantage=1.0),
        TrainingSample(token_ids=[2, 7, 8], loss_mask=[0, 1, 1], sampler_logprobs=[0, -4.4, -4.6], advantage=-0.5),
        TrainingSample(token_ids=[4, 4, 6, 10, 11, 13, 20], loss_mask=[0, 0, 0, 1, 1, 1, 1], sampler_logprobs=[0, 0, 0, -4.1, -4.3, -4.0, -4.7], advantage=0.7),
    ]


def _gradients(policy: Policy) -> list[torch.Tensor]:
    return [p.grad.clone() for p in policy.model.parameters() if p.grad is not None]


@pytest.mark.parametrize("aggregation", ["token-mean", "seq-mean"])
def test_micro_batching_gives_the_same_loss_and_gradients(aggregation: str) -> None:
    spec = LossSpec(type="ppo", clip_low=0.2, clip_high=0.28, kl=KlPenalty(beta=0.1), aggregation=aggregation)  # type: ignore[arg-type]
    whole = Policy(tiny_qwen2(), PolicySettings(micro_batch_tokens=10_000))
    split = Policy(tiny_qwen2(), PolicySettings(micro_batch_tokens=7))
    whole_result = whole.forward_backward(samples=_samples(), spec=spec)
    split_result = split.forward_backward(samples=_samples(), spec=spec)
    assert split_result.loss == pytest.approx(whole_result.loss, abs=1e-5)
    assert whole_result.metrics["tokens"] == 9.0
    for a, b in zip(_gradients(whole), _gradients(split)):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_training_steps_raise_the_likelihood_of_a_target_and_bump_the_version() -> None:
    policy = Policy(tiny_qwen2(), PolicySettings(keep_reference=False))
    sample = TrainingSample(token_ids=[1, 2, 3, 4, 5, 6], loss_mask=[0, 1, 1, 1, 1, 1], sampler_logprobs=[0.0] * 6, advantage=0.0)
    first = policy.forward_backward(samples=[sample], spec=LossSpec(type="cross_entropy"))
    for _ in range(5):
        version, grad_norm = policy.optim_step(OptimizerParams(learning_rate=1e-2, max_grad_norm=1.0))
        assert grad_norm > 0
        last = policy.forward_backward(samples=[sample], spec=LossSpec(type="cross_entropy"))
    assert version == 5
    assert last.loss < first.loss - 0.5


def test_sampling_is_seeded_and_logprobs_match_a_forward_pass() -> None:
    policy = Policy(tiny_qwen2(), PolicySettings(keep_reference=False))
    params = SamplingParams(max_tokens=6, temperature=0.9, seed=123)
    first = policy.sample(prompt_ids=[1, 2, 3], n=3, params=params)
    again = policy.sample(prompt_ids=[1, 2, 3], n=3, params=params)
    assert [c.token_ids for c in first] == [c.token_ids for c in again]
    assert all(len(c.token_ids) == 6 and c.finish_reason == "length" for c in first)
    completion = first[0]
    ids = torch.tensor([[1, 2, 3, *completion.token_ids]])
    with torch.no_grad():
        logits = policy.model(input_ids=ids).logits[0, 2:-1] / 0.9
    expected = torch.log_softmax(logits, -1).gather(-1, torch.tensor(completion.token_ids).unsqueeze(-1)).squeeze(-1)
    torch.testing.assert_close(torch.tensor(completion.logprobs), expected, atol=1e-4, rtol=1e-4)


def test_top_p_samples_from_the_nucleus_but_reports_logprobs_before_truncation() -> None:
    # backbone.ts Completion.logprobs: under softmax(logits / temperature), before any top-p truncation.
    policy = Policy(tiny_qwen2(), PolicySettings(keep_reference=False))
    completion = policy.sample(prompt_ids=[1, 2, 3], n=1, params=SamplingParams(max_tokens=8, temperature=0.9, top_p=0.3, seed=4))[0]
    ids = torch.tensor([[1, 2, 3, *completion.token_ids]])
    with torch.no_grad():
        full = torch.log_softmax(policy.model(input_ids=ids).logits[0, 2:-1] / 0.9, -1)
    chosen = torch.tensor(completion.token_ids).unsqueeze(-1)
    torch.testing.assert_close(torch.tensor(completion.logprobs), full.gather(-1, chosen).squeeze(-1), atol=1e-4, rtol=1e-4)
    # Each token lies in the nucleus: the tokens more likely than it hold less than top_p of the mass.
    ahead = (full.exp() * (full > full.gather(-1, chosen))).sum(-1)
    assert bool((ahead < 0.3).all())


def test_sampling_stops_on_a_stop_token_and_uses_new_weights_after_a_step() -> None:
    policy = Policy(tiny_qwen2(), PolicySettings(keep_reference=False))
    greedy = SamplingParams(max_tokens=4, temperature=0.0)
    before = policy.sample(prompt_ids=[1, 2], n=1, params=greedy)[0]
    stop_at = before.token_ids[1]
    stopped = policy.sample(prompt_ids=[1, 2], n=1, params=SamplingParams(max_tokens=4, temperature=0.0, stop_token_ids=(stop_at,)))[0]
    assert stopped.finish_reason == "stop" and stopped.token_ids[-1] == stop_at
    target = TrainingSample(token_ids=[1, 2, 77, 77, 77, 77], loss_mask=[0, 0, 1, 1, 1, 1], sampler_logprobs=[0.0] * 6, advantage=0.0)
    for _ in range(8):
        policy.forward_backward(samples=[target], spec=LossSpec(type="cross_entropy"))
        policy.optim_step(OptimizerParams(learning_rate=3e-2))
    after = policy.sample(prompt_ids=[1, 2], n=1, params=greedy)[0]
    assert after.token_ids == [77, 77, 77, 77]


def test_save_and_load_state_round_trip(tmp_path) -> None:
    policy = Policy(tiny_qwen2(), PolicySettings(keep_reference=False))
    sample = _samples()[0]
    policy.forward_backward(samples=[sample], spec=LossSpec(type="cross_entropy"))
    policy.optim_step(OptimizerParams(learning_rate=1e-2))
    policy.save_state(path=str(tmp_path / "ckpt"), include_optimizer=True)
    restored = Policy(tiny_qwen2(seed=5), PolicySettings(keep_reference=False))
    restored.load_state(path=str(tmp_path / "ckpt"), include_optimizer=True)
    assert restored.policy_version == 1
    for a, b in zip(policy.model.state_dict().values(), restored.model.state_dict().values()):
        torch.testing.assert_close(a, b)
    assert restored.optimizer is not None and len(restored.optimizer.state) > 0
    with pytest.raises(BackendError) as caught:
        restored.load_state(path=str(tmp_path / "missing"), include_optimizer=False)
    assert caught.value.code == "STATE_MISSING"


def test_loading_a_state_saved_before_any_step_resets_the_optimizer(tmp_path) -> None:
    policy = Policy(tiny_qwen2(), PolicySettings(keep_reference=False))
    policy.save_state(path=str(tmp_path / "initial"), include_optimizer=True)
    policy.forward_backward(samples=_samples(), spec=LossSpec(type="cross_entropy"))
    policy.optim_step(OptimizerParams(learning_rate=1e-2))
    policy.load_state(path=str(tmp_path / "initial"), include_optimizer=True)
    fresh = Policy(tiny_qwen2(), PolicySettings(keep_reference=False))
    assert policy.policy_version == 0 and policy.optimizer is None
    for trained in (policy, fresh):
        trained.forward_backward(samples=_samples(), spec=LossSpec(type="cross_entropy"))
        trained.optim_step(OptimizerParams(learning_rate=1e-2))
    for a, b in zip(policy.model.state_dict().values(), fresh.model.state_dict().values()):
        torch.testing.assert_close(a, b)


def test_bad_sample_shapes_are_named() -> None:
    policy = Policy(tiny_qwen2(), PolicySettings(keep_reference=False))
    bad = TrainingSample(token_ids=[1, 2, 3], loss_mask=[0, 1], sampler_logprobs=[0, 0, 0], advantage=1.0)
    with pytest.raises(BackendError) as caught:
        policy.forward_backward(samples=[bad], spec=LossSpec(type="cross_entropy"))
    assert caught.value.code == "SAMPLE_SHAPE" and "samples[0]" in str(caught.value)
