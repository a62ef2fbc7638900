"""The application builder: `build_app(args)` for serve.run and for `serve deploy` configs
(import_path: ajet_backend.ray_serve.app:build_app, args: the keys of RaySettings)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ray import serve

from ajet_backend.errors import ConfigError
from ajet_backend.ray_serve.deployments import learner_deployment, sampler_deployment
from ajet_backend.ray_serve.front import Backend
from ajet_backend.ray_serve.model_service import ModelOptions

APP_NAME = "ajet"
ROUTE_PREFIX = "/ajet"
# The model of an application whose args name none.
DEFAULT_MODEL = "builtin:tinylm-calculator"


@dataclass(frozen=True)
class RaySettings:
    """The application's args, one flat dict: the keys of ModelOptions (`model`, `dtype`, `lora_rank`, ...: what every
    actor builds the same model from) and the keys below (replicas, resources, the learner)."""

    model_options: ModelOptions = field(default_factory=lambda: ModelOptions(model=DEFAULT_MODEL))
    sampler_replicas: int = 2
    # Serve autoscaling instead of a fixed count: {"min_replicas": 1, "max_replicas": 4, ...} (Serve's keys).
    sampler_autoscaling: dict[str, Any] | None = None
    sampler_cpus: float = 0.5
    sampler_gpus: float = 0.0
    learner_workers: int = 2
    learner_worker_cpus: float = 0.5
    learner_worker_gpus: float = 0.0
    # torch.distributed backend of the learner: gloo (CPU) or nccl (GPUs).
    learner_backend: str = "gloo"
    threads_per_actor: int = 1
    micro_batch_tokens: int = 8192
    state_root: str = "ajet_backend_state"
    token: str | None = None

    @staticmethod
    def from_args(args: dict[str, Any]) -> RaySettings:
        model_keys = [entry.name for entry in fields(ModelOptions)]
        own_keys = [entry.name for entry in fields(RaySettings) if entry.name != "model_options"]
        known = set(model_keys) | set(own_keys)
        unknown = sorted(set(args) - known)
        if unknown:
            raise ConfigError("ray_args", f"unknown application args {', '.join(unknown)}: use {', '.join(sorted(known))}")
        model = ModelOptions(**{"model": DEFAULT_MODEL, **{key: args[key] for key in model_keys if key in args}})
        settings = RaySettings(model_options=model, **{key: args[key] for key in own_keys if key in args})
        if settings.sampler_replicas < 1 or settings.learner_workers < 1:
            raise ConfigError("ray_args", "sampler_replicas and learner_workers must be >= 1")
        scaling = settings.sampler_autoscaling
        if scaling is not None and int(scaling.get("min_replicas", 1)) > int(scaling.get("max_replicas", 1)):
            raise ConfigError("ray_args", f"sampler_autoscaling: min_replicas {scaling.get('min_replicas')} is above max_replicas {scaling.get('max_replicas')}")
        if model.lora_rank < 0 or model.max_model_len <= 0:
            raise ConfigError("ray_args", "lora_rank must be >= 0 and max_model_len > 0")
        if model.engine not in ("auto", "hf", "vllm"):
            raise ConfigError("ray_args", f"engine is {model.engine}: use auto, hf or vllm")
        if settings.learner_backend not in ("gloo", "nccl"):
            raise ConfigError("ray_args", f"learner_backend is {settings.learner_backend}: use gloo (CPU) or nccl (GPUs)")
        return settings

    def to_args(self) -> dict[str, Any]:
        """The flat dict `from_args` reads (the model keys first)."""
        args = asdict(self)
        return {**args.pop("model_options"), **args}


def build_app(args: dict[str, Any]) -> Any:
    settings = RaySettings.from_args(dict(args))
    state_root = os.path.abspath(settings.state_root)
    options = settings.model_options.to_dict()
    sampler = sampler_deployment(replicas=settings.sampler_replicas, autoscaling=settings.sampler_autoscaling, cpus=settings.sampler_cpus, gpus=settings.sampler_gpus).bind(options=options, threads=settings.threads_per_actor)
    learner = learner_deployment().bind(
        options=options,
        micro_batch_tokens=settings.micro_batch_tokens,
        state_root=state_root,
        workers=settings.learner_workers,
        worker_cpus=settings.learner_worker_cpus,
        worker_gpus=settings.learner_worker_gpus,
        backend=settings.learner_backend,
        threads=settings.threads_per_actor,
    )
    front = serve.deployment(Backend, name="Backend", ray_actor_options={"num_cpus": 0}, max_ongoing_requests=64)
    return front.bind(sampler, learner, options=options, token=settings.token)
