"""The Ray application's settings and the Serve options it builds, without a cluster."""

from __future__ import annotations

import pytest

from ajet_backend.errors import ConfigError
from ajet_backend.ray_serve.app import RaySettings, build_app
from ajet_backend.ray_serve.deployments import sampler_deployment
from ajet_backend.ray_serve.model_service import ModelOptions


def test_autoscaling_goes_to_the_sampler_deployment_as_serve_validates_it():
    scaling = {"min_replicas": 1, "max_replicas": 6, "target_ongoing_requests": 3}
    deployment = sampler_deployment(replicas=2, autoscaling=scaling, cpus=0.5, gpus=0.0)
    config = deployment._deployment_config.autoscaling_config  # noqa: SLF001 (what Serve deploys)
    assert (config.min_replicas, config.max_replicas, config.target_ongoing_requests) == (1, 6, 3)
    fixed = sampler_deployment(replicas=2, autoscaling=None, cpus=0.5, gpus=0.0)
    assert fixed.num_replicas == 2 and fixed._deployment_config.autoscaling_config is None  # noqa: SLF001


def test_settings_refuse_what_cannot_run():
    with pytest.raises(ConfigError, match="min_replicas 5 is above max_replicas 2"):
        RaySettings.from_args({"sampler_autoscaling": {"min_replicas": 5, "max_replicas": 2}})
    with pytest.raises(ConfigError, match="engine is tpu"):
        RaySettings.from_args({"engine": "tpu"})
    with pytest.raises(ConfigError, match="unknown application args dtyp"):
        RaySettings.from_args({"dtyp": "fp32"})
    options = RaySettings.from_args({"model": "/models/tiny", "dtype": "fp32", "lora_rank": 4}).model_options.to_dict()
    assert options == {"model": "/models/tiny", "max_model_len": 4096, "dtype": "fp32", "lora_rank": 4, "lora_alpha": None, "engine": "auto", "gpu_memory_utilization": 0.5}


def test_the_model_args_are_model_options_and_the_args_stay_flat():
    # The args `serve deploy` configs, `--args` and `ajet ray up` write, with their defaults: one flat dict, as before.
    assert RaySettings.from_args({}).to_args() == {
        "model": "builtin:tinylm-calculator",
        "max_model_len": 4096,
        "dtype": "bf16",
        "lora_rank": 0,
        "lora_alpha": None,
        "engine": "auto",
        "gpu_memory_utilization": 0.5,
        "sampler_replicas": 2,
        "sampler_autoscaling": None,
        "sampler_cpus": 0.5,
        "sampler_gpus": 0.0,
        "learner_workers": 2,
        "learner_worker_cpus": 0.5,
        "learner_worker_gpus": 0.0,
        "learner_backend": "gloo",
        "threads_per_actor": 1,
        "micro_batch_tokens": 8192,
        "state_root": "ajet_backend_state",
        "token": None,
    }
    model = {"model": "/models/tiny", "max_model_len": 2048, "dtype": "fp32", "lora_rank": 4, "lora_alpha": 8, "engine": "hf", "gpu_memory_utilization": 0.7}
    settings = RaySettings.from_args({**model, "sampler_replicas": 3, "token": "secret"})
    # The model keys are ModelOptions' own fields: a field added there is an application arg without a second copy.
    assert settings.model_options == ModelOptions(**model)
    assert {key: settings.to_args()[key] for key in model} == model
    assert RaySettings.from_args(settings.to_args()) == settings


def test_build_app_hands_the_front_every_sampler_and_the_learner_the_same_model_options():
    app = build_app({"model": "/models/tiny", "lora_rank": 2, "state_root": "state"})
    front = app._bound_deployment  # noqa: SLF001 (what Serve would deploy; binding needs no cluster)
    sampler, learner = (child._bound_deployment for child in front.init_args)  # noqa: SLF001
    expected = ModelOptions(model="/models/tiny", lora_rank=2).to_dict()
    assert [node.init_kwargs["options"] for node in (front, sampler, learner)] == [expected, expected, expected]
    assert (sampler.name, learner.name, learner.init_kwargs["workers"]) == ("Sampler", "Learner", 2)
