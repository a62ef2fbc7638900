"""The BackboneService every Ray actor of the application holds: sampler replicas and learner workers load the
model (tinylm, or a transformers causal LM by the same path as `python -m ajet_backend serve`: dtype, LoRA, and
vLLM in sampler replicas when it is installed and the replica has a GPU); the front loads only the tokenizer and
the model's config. Weights travel between them as the trainable tensors (export_weights / import_weights)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch

from ajet_backend.errors import ConfigError
from ajet_backend.service import BackboneService, ServiceInfo
from ajet_backend.tinylm.loading import is_tinylm_model
from ajet_backend.tinylm.serving import build_tinylm_service

ROLES = ("sampler", "learner", "front")


@dataclass(frozen=True)
class ModelOptions:
    """What every actor needs to build the same model (a plain dict across Ray calls: `asdict`)."""

    # `builtin:tinylm-...`, or a transformers model (hub id or folder) as `python -m ajet_backend serve` loads it.
    model: str
    max_model_len: int = 4096
    # transformers models only (tinylm is float32 on the CPU, without LoRA):
    dtype: str = "bf16"
    lora_rank: int = 0
    lora_alpha: int | None = None
    # Sampler replicas: auto (vLLM when installed and the replica has a GPU), hf, or vllm.
    engine: str = "auto"
    gpu_memory_utilization: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _ConfigOnlyPolicy:
    """What the front's BackboneService reads of a policy (limits, GetInfo) without the weights."""

    def __init__(self, *, vocab_size: int | None, is_lora: bool) -> None:
        self.vocab_size = vocab_size
        self.is_lora = is_lora
        self.policy_version = 0


def _transformers_service(options: ModelOptions, *, role: str, micro_batch_tokens: int, state_root: str | None, keep_reference: bool) -> BackboneService:
    from ajet_backend.model_loading import ModelSettings, load_model
    from ajet_backend.policy import Policy, PolicySettings
    from ajet_backend.rendering import ChatRenderer

    info = ServiceInfo(model=options.model, tokenizer=options.model, max_model_len=options.max_model_len)
    if role == "front":
        from transformers import AutoConfig, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(options.model)
            config = AutoConfig.from_pretrained(options.model)
        except OSError as error:
            raise ConfigError("model_not_found", f"--model {options.model}: no model or tokenizer there ({error}); pass a hub id or a folder with config.json") from error
        policy = _ConfigOnlyPolicy(vocab_size=getattr(config, "vocab_size", None), is_lora=options.lora_rank > 0)
        return BackboneService(policy=policy, renderer=ChatRenderer(tokenizer), info=info, state_root=state_root)  # type: ignore[arg-type]
    # Samplers never train: no gradient checkpointing, no reference copy.
    settings = ModelSettings(model=options.model, dtype=options.dtype, lora_rank=options.lora_rank, lora_alpha=options.lora_alpha, gradient_checkpointing=role == "learner")
    model, tokenizer = load_model(settings)
    engine = None
    if role == "sampler":
        from ajet_backend.vllm_engine import VllmEngine, VllmSettings, resolve_engine, vllm_installed

        if resolve_engine(options.engine, vllm_available=vllm_installed(), cuda_available=torch.cuda.is_available()) == "vllm":
            engine = VllmEngine(VllmSettings(model=options.model, dtype=options.dtype, max_model_len=options.max_model_len, gpu_memory_utilization=options.gpu_memory_utilization, lora_rank=options.lora_rank))
    policy = Policy(model, PolicySettings(micro_batch_tokens=micro_batch_tokens, device=settings.device, keep_reference=keep_reference and role == "learner"), engine=engine)
    return BackboneService(policy=policy, renderer=ChatRenderer(tokenizer), info=info, state_root=state_root)


def build_model_service(*, options: ModelOptions | dict[str, Any], role: str, micro_batch_tokens: int = 8192, state_root: str | None = None, keep_reference: bool = True) -> BackboneService:
    """The service of one actor: role "learner" (trains: reference policy for KL, gradient checkpointing),
    "sampler" (samples: no reference; vLLM when it applies) or "front" (renders and checks: tokenizer only for a
    transformers model)."""
    if isinstance(options, dict):
        options = ModelOptions(**options)
    if role not in ROLES:
        raise ValueError(f"build_model_service: role {role} is not one of {ROLES}")
    if is_tinylm_model(options.model):
        service = build_tinylm_service(model=options.model, max_model_len=options.max_model_len, micro_batch_tokens=micro_batch_tokens, state_root=state_root)
        if role != "learner" or not keep_reference:
            service.policy.reference = None
        return service
    return _transformers_service(options, role=role, micro_batch_tokens=micro_batch_tokens, state_root=state_root, keep_reference=keep_reference)


def export_weights(service: BackboneService) -> tuple[dict[str, torch.Tensor], int]:
    """The trainable tensors (all weights, or the LoRA adapter only), detached copies in CPU memory (a replica may
    sit on another device, or none), and their policy version."""
    model = service.policy.model
    return {name: parameter.detach().to("cpu", copy=True) for name, parameter in model.named_parameters() if parameter.requires_grad}, service.policy.policy_version


def import_weights(service: BackboneService, weights: dict[str, torch.Tensor], version: int) -> None:
    """Loads what export_weights gave into another copy of the same model, then into its sampling engine (vLLM)."""
    policy = service.policy
    result = policy.model.load_state_dict(weights, strict=False)
    if result.unexpected_keys:
        raise ValueError(f"import_weights: tensors this model does not have: {', '.join(result.unexpected_keys[:5])}")
    policy.policy_version = version
    policy._sync_engine()  # noqa: SLF001 (vLLM takes the new weights or adapter; nothing without an engine)
