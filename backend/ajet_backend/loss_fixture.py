"""Writes tests/fixtures/loss_parity.json: inputs plus the loss and d loss / d logits from this torch code, so
the TypeScript implementation (@ajet/tinylm) can check itself against the same numbers."""

from __future__ import annotations

import json
import sys

import torch

from ajet_backend.losses import KlPenalty, LossSpec, compute_loss, token_logprobs

SPECS: list[dict[str, object]] = [
    {"type": "cross_entropy", "aggregation": "token-mean"},
    {"type": "cross_entropy", "aggregation": "seq-mean"},
    {"type": "ppo", "clipLow": 0.2, "clipHigh": 0.28, "aggregation": "token-mean"},
    {"type": "ppo", "clipLow": 0.2, "clipHigh": 0.2, "dualClip": 3.0, "aggregation": "seq-mean"},
    {"type": "ppo", "clipLow": 0.2, "clipHigh": 0.2, "kl": {"beta": 0.1, "estimator": "k3"}, "aggregation": "token-mean"},
    {"type": "importance_sampling", "aggregation": "token-mean"},
    {"type": "importance_sampling", "kl": {"beta": 0.05, "estimator": "k3"}, "aggregation": "seq-mean"},
]


def spec_from_json(raw: dict[str, object]) -> LossSpec:
    kl = raw.get("kl")
    return LossSpec(
        type=raw["type"],  # type: ignore[arg-type]
        aggregation=raw["aggregation"],  # type: ignore[arg-type]
        clip_low=float(raw.get("clipLow", 0.2)),  # type: ignore[arg-type]
        clip_high=float(raw.get("clipHigh", 0.2)),  # type: ignore[arg-type]
        dual_clip=float(raw["dualClip"]) if "dualClip" in raw else None,  # type: ignore[arg-type]
        kl=KlPenalty(beta=float(kl["beta"])) if isinstance(kl, dict) else None,
    )


def build_fixture(seed: int = 7) -> dict[str, object]:
    generator = torch.Generator().manual_seed(seed)
    batch, time, vocab = 3, 6, 5
    logits = torch.randn((batch, time, vocab), generator=generator, dtype=torch.float64)
    reference_logits = logits + 0.3 * torch.randn((batch, time, vocab), generator=generator, dtype=torch.float64)
    token_ids = torch.randint(0, vocab, (batch, time), generator=generator)
    mask = torch.tensor([[0, 0, 1, 1, 1, 1], [0, 1, 1, 0, 1, 1], [0, 0, 0, 1, 1, 0]], dtype=torch.float64)
    logprobs = token_logprobs(logits, token_ids).double()
    sampler = ((logprobs + 0.4 * torch.randn((batch, time), generator=generator, dtype=torch.float64)) * mask).detach()
    advantages = torch.tensor([1.5, -0.8, -2.0], dtype=torch.float64)
    cases = []
    for raw in SPECS:
        leaf = logits.clone().requires_grad_(True)
        result = compute_loss(
            spec=spec_from_json(raw),
            logprobs=torch.log_softmax(leaf, dim=-1).gather(-1, token_ids.unsqueeze(-1)).squeeze(-1),
            mask=mask.double(),
            sampler_logprobs=sampler,
            advantages=advantages,
            reference_logprobs=token_logprobs(reference_logits, token_ids).double(),
        )
        result.loss.backward()
        assert leaf.grad is not None
        cases.append({"loss": raw, "expectedLoss": float(result.loss.item()), "expectedGradLogits": leaf.grad.tolist()})
    return {
        "description": "logits[b][t] is the distribution of tokenIds[b][t] (already shifted); loss per DESIGN §5",
        "tolerance": 1e-5,
        "logits": logits.tolist(),
        "referenceLogits": reference_logits.tolist(),
        "tokenIds": token_ids.tolist(),
        "lossMask": mask.int().tolist(),
        "samplerLogprobs": sampler.tolist(),
        "advantages": advantages.tolist(),
        "cases": cases,
    }


if __name__ == "__main__":
    json.dump(build_fixture(), sys.stdout, indent=1)
    sys.stdout.write("\n")
