"""The loss specs of DESIGN §5, computed from per-token log-probabilities.

All tensors are (batch, time), aligned so that position t holds the quantities of token t: its policy logprob,
its sampler logprob, its loss-mask entry. The model layer does the shift from logits to these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from ajet_backend.errors import ConfigError

# "sum": the plain sum over tokens of per-token loss x mask, where the mask may hold any weight >= 0 (Tinker's
# losses, tinker_front.py); the spec's token-mean and seq-mean take a 0/1 mask.
Aggregation = Literal["token-mean", "seq-mean", "sum"]


@dataclass(frozen=True)
class KlPenalty:
    beta: float
    estimator: Literal["k3"] = "k3"


@dataclass(frozen=True)
class LossSpec:
    type: Literal["cross_entropy", "ppo", "importance_sampling"]
    aggregation: Aggregation = "token-mean"
    clip_low: float = 0.2
    clip_high: float = 0.2
    dual_clip: float | None = None
    kl: KlPenalty | None = None

    def validate(self) -> None:
        if self.type not in ("cross_entropy", "ppo", "importance_sampling"):
            raise ConfigError("LOSS_TYPE", f"loss.type '{self.type}' is unknown: use cross_entropy, ppo or importance_sampling")
        if self.aggregation not in ("token-mean", "seq-mean", "sum"):
            raise ConfigError("LOSS_AGGREGATION", f"loss.aggregation '{self.aggregation}' is unknown: use token-mean or seq-mean")
        if self.type == "ppo" and (self.clip_low < 0 or self.clip_high < 0):
            raise ConfigError("LOSS_CLIP", "loss.clipLow and loss.clipHigh must be >= 0")
        if self.dual_clip is not None and self.dual_clip <= 1:
            raise ConfigError("LOSS_DUAL_CLIP", f"loss.dualClip is {self.dual_clip}: it must be > 1 (e.g. 3)")
        if self.kl is not None and self.kl.estimator != "k3":
            raise ConfigError("LOSS_KL", f"loss.kl.estimator '{self.kl.estimator}' is unknown: use k3")


@dataclass(frozen=True)
class LossResult:
    loss: torch.Tensor
    metrics: dict[str, float]


def token_logprobs(logits: torch.Tensor, token_ids: torch.Tensor) -> torch.Tensor:
    """log softmax(logits)[token]; logits (B, T, V) already aligned with token_ids (B, T)."""
    logp_all = torch.log_softmax(logits.float(), dim=-1)
    return logp_all.gather(-1, token_ids.unsqueeze(-1)).squeeze(-1)


def _aggregate(per_token: torch.Tensor, mask: torch.Tensor, aggregation: Aggregation) -> torch.Tensor:
    if aggregation == "sum":
        return (per_token * mask).sum()
    if aggregation == "token-mean":
        return (per_token * mask).sum() / mask.sum().clamp(min=1.0)
    per_sequence_count = mask.sum(dim=-1)
    per_sequence = (per_token * mask).sum(dim=-1) / per_sequence_count.clamp(min=1.0)
    has_tokens = (per_sequence_count > 0).float()
    return (per_sequence * has_tokens).sum() / has_tokens.sum().clamp(min=1.0)


def compute_loss(
    *,
    spec: LossSpec,
    logprobs: torch.Tensor,
    mask: torch.Tensor,
    sampler_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    reference_logprobs: torch.Tensor | None = None,
) -> LossResult:
    """Loss of one call over all its sequences. `advantages` is (B,), broadcast over each sequence's tokens, or
    (B, T): one advantage per token."""
    spec.validate()
    mask = mask.float()
    advantage = advantages.float() if advantages.dim() == 2 else advantages.float().unsqueeze(-1).expand_as(logprobs)
    metrics: dict[str, float] = {"tokens": float((mask > 0).sum().item())}
    if spec.type == "cross_entropy":
        per_token = -logprobs
    else:
        # Masked-out positions carry sampler logprob 0; zeroing the difference there keeps exp() finite.
        log_ratio = (logprobs - sampler_logprobs.float()) * (mask > 0)
        ratio = torch.exp(log_ratio)
        if spec.type == "importance_sampling":
            per_token = -advantage * ratio
        else:
            clipped = torch.clamp(ratio, 1.0 - spec.clip_low, 1.0 + spec.clip_high)
            per_token = torch.maximum(-advantage * ratio, -advantage * clipped)
            clipped_tokens = ((-advantage * clipped) > (-advantage * ratio)).float() * mask
            metrics["clip_frac"] = float((clipped_tokens.sum() / mask.sum().clamp(min=1.0)).item())
            if spec.dual_clip is not None:
                cap = -spec.dual_clip * advantage
                per_token = torch.where(advantage < 0, torch.minimum(per_token, cap), per_token)
        metrics["ratio_mean"] = float(((ratio * mask).sum() / mask.sum().clamp(min=1.0)).item())
    if spec.type != "cross_entropy" and spec.kl is not None:
        if reference_logprobs is None:
            raise ConfigError("LOSS_KL_REFERENCE", "loss.kl is set but the backend has no reference policy: keep a reference (PolicySettings.keep_reference) or drop loss.kl")
        r = (reference_logprobs.float() - logprobs) * mask
        k3 = torch.exp(r) - r - 1.0
        metrics["kl"] = float(((k3 * mask).sum() / mask.sum().clamp(min=1.0)).item())
        per_token = per_token + spec.kl.beta * k3
    loss = _aggregate(per_token, mask, spec.aggregation)
    return LossResult(loss=loss, metrics=metrics)
