"""The vLLM path without vLLM: engine choice, parameter mapping, output conversion, and the Policy wiring that
pushes new weights to an engine. A real vLLM run is not part of these tests (no GPU, no vllm in CI)."""

from types import SimpleNamespace

import pytest
import torch

from ajet_backend.cli import parse_serve_arguments
from ajet_backend.errors import BackendError, ConfigError
from ajet_backend.losses import LossSpec
from ajet_backend.policy import Completion, OptimizerParams, Policy, PolicySettings, SamplingParams, TrainingSample
from ajet_backend.vllm_engine import completions_from_output, needs_logprob_recompute, resolve_engine, sampling_arguments
from tiny_model import tiny_qwen2


def test_engine_choice() -> None:
    assert resolve_engine("auto", vllm_available=True, cuda_available=True) == "vllm"
    assert resolve_engine("auto", vllm_available=True, cuda_available=False) == "hf"
    assert resolve_engine("auto", vllm_available=False, cuda_available=True) == "hf"
    assert resolve_engine("hf", vllm_available=True, cuda_available=True) == "hf"
    with pytest.raises(ConfigError) as missing:
        resolve_engine("vllm", vllm_available=False, cuda_available=True)
    assert missing.value.code == "serve_engine_vllm_missing" and "pip install 'ajet_backend[vllm]'" in str(missing.value)
    with pytest.raises(ConfigError) as no_gpu:
        resolve_engine("vllm", vllm_available=True, cuda_available=False)
    assert "--engine hf" in str(no_gpu.value)
    assert parse_serve_arguments(["serve", "--model", "m"]).engine == "auto"
    assert parse_serve_arguments(["serve", "--model", "m", "--engine", "hf"]).engine == "hf"


def test_sampling_parameters_map_to_vllm_keywords() -> None:
    params = SamplingParams(max_tokens=500, temperature=0.9, top_p=1.0, stop_token_ids=(151645,), seed=7, stop=("</calculator>",))
    assert sampling_arguments(params=params, n=8) == {
        "n": 8,
        "temperature": 0.9,
        "top_p": 1.0,
        "max_tokens": 500,
        "logprobs": 0,
        "stop_token_ids": [151645],
        "skip_special_tokens": False,
        "stop": ["</calculator>"],
        "include_stop_str_in_output": True,
        "seed": 7,
    }
    greedy = sampling_arguments(params=SamplingParams(max_tokens=4, temperature=0.0), n=1)
    assert greedy["temperature"] == 0.0 and "seed" not in greedy and "stop" not in greedy
    assert needs_logprob_recompute(SamplingParams(max_tokens=4, temperature=1.0, top_p=0.9))
    assert not needs_logprob_recompute(SamplingParams(max_tokens=4, temperature=1.0, top_p=1.0))
    assert not needs_logprob_recompute(SamplingParams(max_tokens=4, temperature=0.0, top_p=0.9))


def _output(index: int, token_ids: list[int], logprobs: list[float], finish_reason: str | None) -> SimpleNamespace:
    # A vLLM CompletionOutput: one {token id: Logprob} per generated token, holding at least the sampled token.
    candidates = [{token: SimpleNamespace(logprob=logprob, rank=1), 99: SimpleNamespace(logprob=-9.0, rank=2)} for token, logprob in zip(token_ids, logprobs)]
    return SimpleNamespace(index=index, token_ids=token_ids, logprobs=candidates, finish_reason=finish_reason, text="")


def test_request_output_converts_to_completions() -> None:
    output = SimpleNamespace(outputs=[_output(1, [5, 6], [-0.5, -1.25], "length"), _output(0, [7, 151645], [-2.0, -0.1], "stop"), _output(2, [], [], None)])
    completions = completions_from_output(output)
    assert completions == [
        Completion(token_ids=[7, 151645], logprobs=[-2.0, -0.1], finish_reason="stop"),
        Completion(token_ids=[5, 6], logprobs=[-0.5, -1.25], finish_reason="length"),
        Completion(token_ids=[], logprobs=[], finish_reason="length"),
    ]
    without = SimpleNamespace(outputs=[SimpleNamespace(index=0, token_ids=[1], logprobs=None, finish_reason="stop")])
    with pytest.raises(BackendError) as caught:
        completions_from_output(without)
    assert caught.value.code == "VLLM_LOGPROBS_MISSING"


class RecordingEngine:
    """Stands where VllmEngine would: replays fixed completions whose logprobs are truncated ones (as vLLM's are
    under top-p) and records the weights it is handed."""

    def __init__(self, completions: list[Completion]) -> None:
        self.completions = completions
        self.loaded: list[dict[str, torch.Tensor]] = []

    def sample(self, *, prompt_ids: list[int], n: int, params: SamplingParams) -> list[Completion]:
        return self.completions[:n]

    def load_weights(self, weights) -> None:
        self.loaded.append({name: tensor.detach().clone() for name, tensor in weights})

    def load_adapter(self, *, path: str, version: int) -> None:
        raise AssertionError("not under LoRA")


def test_policy_samples_through_the_engine_recomputes_top_p_logprobs_and_pushes_weights_after_a_step(tmp_path) -> None:
    engine = RecordingEngine([Completion(token_ids=[4, 9, 2], logprobs=[-0.1, -0.1, -0.1], finish_reason="length")])
    policy = Policy(tiny_qwen2(), PolicySettings(keep_reference=False), engine=engine)
    untruncated = policy.sample(prompt_ids=[1, 2, 3], n=1, params=SamplingParams(max_tokens=3, temperature=0.8, top_p=1.0))
    assert untruncated[0].logprobs == [-0.1, -0.1, -0.1]
    [recomputed] = policy.sample(prompt_ids=[1, 2, 3], n=1, params=SamplingParams(max_tokens=3, temperature=0.8, top_p=0.5))
    with torch.no_grad():
        logits = policy.model(input_ids=torch.tensor([[1, 2, 3, 4, 9, 2]])).logits[0, 2:-1] / 0.8
    expected = torch.log_softmax(logits, -1).gather(-1, torch.tensor([[4], [9], [2]])).squeeze(-1)
    torch.testing.assert_close(torch.tensor(recomputed.logprobs), expected, atol=1e-5, rtol=1e-5)

    sample = TrainingSample(token_ids=[1, 2, 3, 4], loss_mask=[0, 1, 1, 1], sampler_logprobs=[0.0] * 4, advantage=0.0)
    policy.forward_backward(samples=[sample], spec=LossSpec(type="cross_entropy"))
    policy.optim_step(OptimizerParams(learning_rate=1e-2))
    assert len(engine.loaded) == 1
    pushed = engine.loaded[0]
    assert "lm_head.weight" in pushed or "model.embed_tokens.weight" in pushed
    for name, parameter in policy.model.named_parameters():
        torch.testing.assert_close(pushed[name], parameter.detach())
    policy.save_state(path=str(tmp_path / "state"), include_optimizer=False)
    policy.load_state(path=str(tmp_path / "state"), include_optimizer=False)
    assert len(engine.loaded) == 2
