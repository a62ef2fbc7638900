"""A transformers model in the Ray application's actors, without a cluster: a learner worker and a sampler replica
(the classes Ray runs) load the same random-weight Qwen2 folder the way `python -m ajet_backend serve` does, and
after an OptimStep the weights the learner exports make the sampler's logprobs equal the learner's within 1e-5,
with all weights trained and with LoRA (the adapter alone travels). The object store between them is Ray's part,
checked on a cluster by tests/test_ray_cluster.py."""

from __future__ import annotations

import contextlib
import io
import runpy
import sys
from pathlib import Path
from unittest import mock

import pytest

from ajet_backend.ray_serve.deployments import Sampler
from ajet_backend.ray_serve.learner import LearnerWorker
from ajet_backend.ray_serve.model_service import build_model_service, import_weights

TOLERANCE = 1e-5
SEQUENCE = [151644, 872, 198, 3838, 374, 220, 17, 10, 17, 30, 151645, 198, 151644, 77091, 198, 19, 151645]


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("tiny-qwen2") / "model"
    script = Path(__file__).resolve().parents[1] / "scripts" / "make_tiny_model.py"
    # In this process (transformers is imported already): the script's main with its arguments.
    with mock.patch.object(sys, "argv", [str(script), str(folder), "--hidden", "32", "--layers", "1"]), contextlib.redirect_stdout(io.StringIO()):
        runpy.run_path(str(script), run_name="__main__")
    return str(folder)


def _request() -> dict:
    mask = [0] * 12 + [1] * (len(SEQUENCE) - 12)
    return {"samples": [{"tokenIds": SEQUENCE, "lossMask": mask, "samplerLogprobs": [-1.0] * len(SEQUENCE), "advantage": 1.0}], "loss": {"type": "ppo", "clipLow": 0.2, "clipHigh": 0.28}}


def _gap(left: list[float], right: list[float]) -> float:
    return max(abs(a - b) for a, b in zip(left, right, strict=True))


@pytest.mark.parametrize("lora_rank", [0, 4])
def test_after_an_optim_step_the_sampler_takes_the_learner_weights(tiny_folder, lora_rank):
    options = {"model": tiny_folder, "dtype": "fp32", "lora_rank": lora_rank, "engine": "hf", "max_model_len": 256}
    learner = LearnerWorker(rank=0, world_size=1, options=options, micro_batch_tokens=8192, state_root=None)
    sampler = Sampler(options=options)
    assert learner.service.policy.is_lora == (lora_rank > 0) == sampler.service.policy.is_lora
    # The same folder: equal before training (under LoRA the adapter's B starts at zero).
    assert _gap(sampler.logprobs(SEQUENCE, None)["logprobs"], learner.logprobs(SEQUENCE)) < TOLERANCE
    assert "ok" in learner.forward_backward(_request(), 1.0)
    step = learner.optim_step({"learningRate": 5e-2})
    assert step["ok"]["policyVersion"] == 1
    trained = learner.logprobs(SEQUENCE)
    assert _gap(sampler.logprobs(SEQUENCE, None)["logprobs"], trained) > 1e-3
    weights, version = learner.weights()
    total = sum(parameter.numel() for parameter in learner.service.policy.model.parameters())
    sent = sum(tensor.numel() for tensor in weights.values())
    if lora_rank:
        assert all("lora_" in name for name in weights) and 0 < sent < total / 10
    else:
        assert sent == total
    import_weights(sampler.service, weights, version)
    synced = sampler.logprobs(SEQUENCE, None)
    assert synced["policyVersion"] == 1
    assert _gap(synced["logprobs"], trained) < TOLERANCE


def test_the_front_loads_the_tokenizer_and_config_only(tiny_folder):
    options = {"model": tiny_folder, "dtype": "fp32", "lora_rank": 4, "max_model_len": 256}
    front = build_model_service(options=options, role="front")
    info = front.get_info()
    assert info["capabilities"] == {"trainable": True, "lora": True, "maxModelLen": 256, "vocabSize": front.renderer.tokenizer.vocab_size + len(front.renderer.tokenizer.get_added_vocab())}
    assert not hasattr(front.policy, "model")
    assert front.render_chat({"messages": [{"role": "user", "content": "2+2?"}]})["tokenIds"][:3] == SEQUENCE[:3]
