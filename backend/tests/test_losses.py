import json
import math
from pathlib import Path

import pytest
import torch

from ajet_backend.errors import ConfigError
from ajet_backend.loss_fixture import build_fixture, spec_from_json
from ajet_backend.losses import KlPenalty, LossSpec, compute_loss

FIXTURE = Path(__file__).parent / "fixtures" / "loss_parity.json"


def _one_token(spec: LossSpec, logp: float, sampler: float, advantage: float, reference: float | None = None) -> float:
    result = compute_loss(
        spec=spec,
        logprobs=torch.tensor([[0.0, logp]]),
        mask=torch.tensor([[0.0, 1.0]]),
        sampler_logprobs=torch.tensor([[0.0, sampler]]),
        advantages=torch.tensor([advantage]),
        reference_logprobs=None if reference is None else torch.tensor([[0.0, reference]]),
    )
    return float(result.loss.item())


def test_ppo_clips_high_ratio_for_positive_advantage() -> None:
    spec = LossSpec(type="ppo", clip_low=0.2, clip_high=0.2)
    # ratio e^0.5 = 1.65 > 1.2: the clipped term -A*1.2 is the larger (max), so the loss is -2*1.2.
    assert _one_token(spec, -0.5, -1.0, 2.0) == pytest.approx(-2.4, abs=1e-6)
    # ratio e^-0.5 = 0.61 inside no clipping for A > 0 from below: max(-A*0.61, -A*0.8) = -A*0.61.
    assert _one_token(spec, -1.5, -1.0, 2.0) == pytest.approx(-2.0 * math.exp(-0.5), abs=1e-6)


def test_dual_clip_caps_negative_advantage_loss() -> None:
    plain = LossSpec(type="ppo", clip_low=0.2, clip_high=0.2)
    dual = LossSpec(type="ppo", clip_low=0.2, clip_high=0.2, dual_clip=3.0)
    # ratio e^2 = 7.39, A = -1: ppo loss 7.39, dual clip caps it at 3.
    assert _one_token(plain, 1.0, -1.0, -1.0) == pytest.approx(math.exp(2.0), abs=1e-5)
    assert _one_token(dual, 1.0, -1.0, -1.0) == pytest.approx(3.0, abs=1e-6)


def test_importance_sampling_and_k3() -> None:
    spec = LossSpec(type="importance_sampling", kl=KlPenalty(beta=0.5))
    r = -0.3 - (-1.0)
    expected = -1.5 * math.exp(-1.0 - (-1.2)) + 0.5 * (math.exp(r) - r - 1.0)
    assert _one_token(spec, -1.0, -1.2, 1.5, reference=-0.3) == pytest.approx(expected, abs=1e-6)


def test_seq_mean_differs_from_token_mean() -> None:
    logprobs = torch.tensor([[0.0, -1.0, -1.0, -1.0], [0.0, -3.0, 0.0, 0.0]])
    mask = torch.tensor([[0.0, 1.0, 1.0, 1.0], [0.0, 1.0, 0.0, 0.0]])
    common = {"logprobs": logprobs, "mask": mask, "sampler_logprobs": torch.zeros_like(logprobs), "advantages": torch.zeros(2)}
    token_mean = compute_loss(spec=LossSpec(type="cross_entropy"), **common).loss.item()
    seq_mean = compute_loss(spec=LossSpec(type="cross_entropy", aggregation="seq-mean"), **common).loss.item()
    assert token_mean == pytest.approx(6.0 / 4.0)
    assert seq_mean == pytest.approx((1.0 + 3.0) / 2.0)


def test_bad_specs_raise_config_errors() -> None:
    with pytest.raises(ConfigError) as caught:
        _one_token(LossSpec(type="ppo", dual_clip=0.5), -1.0, -1.0, 1.0)
    assert caught.value.code == "LOSS_DUAL_CLIP"
    with pytest.raises(ConfigError):
        _one_token(LossSpec(type="ppo", kl=KlPenalty(beta=0.1)), -1.0, -1.0, 1.0)


def test_parity_fixture_is_current_and_gradients_match_finite_differences() -> None:
    stored = json.loads(FIXTURE.read_text())
    fresh = build_fixture()
    assert len(stored["cases"]) == len(fresh["cases"])
    for stored_case, fresh_case in zip(stored["cases"], fresh["cases"]):
        assert stored_case["expectedLoss"] == pytest.approx(fresh_case["expectedLoss"], abs=1e-9)
    # Check one gradient entry per case against a central finite difference of the loss in float64.
    logits = torch.tensor(stored["logits"], dtype=torch.float64)
    token_ids = torch.tensor(stored["tokenIds"])
    reference = torch.log_softmax(torch.tensor(stored["referenceLogits"], dtype=torch.float64), -1).gather(-1, token_ids.unsqueeze(-1)).squeeze(-1)

    def loss_at(values: torch.Tensor, raw: dict[str, object]) -> float:
        return compute_loss(
            spec=spec_from_json(raw),
            logprobs=torch.log_softmax(values, -1).gather(-1, token_ids.unsqueeze(-1)).squeeze(-1),
            mask=torch.tensor(stored["lossMask"], dtype=torch.float64),
            sampler_logprobs=torch.tensor(stored["samplerLogprobs"], dtype=torch.float64),
            advantages=torch.tensor(stored["advantages"], dtype=torch.float64),
            reference_logprobs=reference,
        ).loss.item()

    step = 1e-6
    for case in stored["cases"]:
        for index in [(0, 2, 1), (1, 4, 3), (2, 3, 0)]:
            plus, minus = logits.clone(), logits.clone()
            plus[index] += step
            minus[index] -= step
            numeric = (loss_at(plus, case["loss"]) - loss_at(minus, case["loss"])) / (2 * step)
            assert case["expectedGradLogits"][index[0]][index[1]][index[2]] == pytest.approx(numeric, abs=1e-6)
