"""The BackboneService every Ray actor of the application holds (sampler replicas, learner workers, the front for
rendering). tinylm models only for now: a transformers model would need the weights loaded once per actor and
sync by state dict, which is not written yet."""

from __future__ import annotations

from ajet_backend.errors import ConfigError
from ajet_backend.service import BackboneService
from ajet_backend.tinylm.loading import is_tinylm_model
from ajet_backend.tinylm.serving import build_tinylm_service


def build_model_service(*, model: str, max_model_len: int, micro_batch_tokens: int = 8192, state_root: str | None = None, keep_reference: bool = True) -> BackboneService:
    if not is_tinylm_model(model):
        raise ConfigError("ray_model_unsupported", f"--model {model}: the Ray application serves tinylm models (builtin:NAME or a tinylm folder) so far; serve transformers models with `python -m ajet_backend serve`")
    service = build_tinylm_service(model=model, max_model_len=max_model_len, micro_batch_tokens=micro_batch_tokens, state_root=state_root)
    if not keep_reference:
        service.policy.reference = None
    return service
