"""ajet_backend: the GPU server for ajet's Backbone protocol (ajet.v1)."""

from ajet_backend.errors import BackendError, ConfigError
from ajet_backend.losses import KlPenalty, LossResult, LossSpec, compute_loss, token_logprobs
from ajet_backend.policy import Policy, PolicySettings

__all__ = [
    "BackendError",
    "ConfigError",
    "KlPenalty",
    "LossResult",
    "LossSpec",
    "Policy",
    "PolicySettings",
    "compute_loss",
    "token_logprobs",
]
