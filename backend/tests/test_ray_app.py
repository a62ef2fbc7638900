"""The Ray application's settings and the Serve options it builds, without a cluster."""

from __future__ import annotations

import pytest

from ajet_backend.errors import ConfigError
from ajet_backend.ray_serve.app import RaySettings
from ajet_backend.ray_serve.deployments import sampler_deployment


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
    options = RaySettings.from_args({"model": "/models/tiny", "dtype": "fp32", "lora_rank": 4}).model_options()
    assert options == {"model": "/models/tiny", "max_model_len": 4096, "dtype": "fp32", "lora_rank": 4, "lora_alpha": None, "engine": "auto", "gpu_memory_utilization": 0.5}
