import pytest

from ajet_backend.errors import BackendError
from ajet_backend.policy import Policy, PolicySettings
from ajet_backend.rendering import ChatRenderer
from ajet_backend.service import BackboneService, ServiceInfo, decode_float32, decode_int32, encode_float32, encode_int32
from qwen3_tokenizer import qwen3_tokenizer
from tiny_model import tiny_qwen2

TOOL = {"name": "calculator", "description": "exact arithmetic", "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}}}


@pytest.fixture(scope="module")
def service() -> BackboneService:
    tokenizer = qwen3_tokenizer()
    return BackboneService(
        policy=Policy(tiny_qwen2(vocab_size=len(tokenizer)), PolicySettings()),
        renderer=ChatRenderer(tokenizer),
        info=ServiceInfo(model="tiny-qwen2", tokenizer="qwen3", max_model_len=512),
    )


def test_wire_codecs_are_little_endian_and_round_trip() -> None:
    assert encode_int32([1, -2]) == b"\x01\x00\x00\x00\xfe\xff\xff\xff"
    assert decode_int32(encode_int32([0, 151643, -1])) == [0, 151643, -1]
    assert decode_float32(encode_float32([-0.5, 2.25])) == [-0.5, 2.25]


def test_an_episode_renders_samples_trains_and_continues(service: BackboneService) -> None:
    messages = [{"role": "system", "content": "Use the calculator."}, {"role": "user", "content": "What is 2+3?"}]
    prompt = service.render_chat({"messages": messages, "tools": [TOOL]})["tokenIds"]
    sampled = service.sample({"promptIds": prompt, "n": 2, "sampling": {"temperature": 0.9, "maxTokens": 8, "seed": 1}})
    assert sampled["policyVersion"] == 0 and len(sampled["completions"]) == 2
    completion = sampled["completions"][0]
    assert len(completion["tokenIds"]) == len(completion["logprobs"]) <= 8
    assert completion["finishReason"] in ("stop", "length")
    sequence = prompt + completion["tokenIds"]
    follow = [*messages, {"role": "assistant", "content": completion["text"]}, {"role": "user", "content": "And 4+4?"}]
    increment = service.render_chat({"messages": follow, "tools": [TOOL], "prefix": {"tokenIds": sequence, "messageCount": 3}})["tokenIds"]
    assert service.renderer.tokenizer.decode(increment).endswith("<|im_start|>user\nAnd 4+4?<|im_end|>\n<|im_start|>assistant\n")
    mask = [0] * len(prompt) + [1] * len(completion["tokenIds"])
    result = service.forward_backward(
        {
            "samples": [{"tokenIds": sequence, "lossMask": mask, "samplerLogprobs": [0.0] * len(prompt) + completion["logprobs"], "advantage": 1.0}],
            "loss": {"type": "ppo", "clipLow": 0.2, "clipHigh": 0.28, "kl": {"beta": 0.01, "estimator": "k3"}, "aggregation": "token-mean"},
        }
    )
    assert result["metrics"]["tokens"] == len(completion["tokenIds"])
    # Sampler logprobs came from this policy at temperature 0.9, so the ratio is near but not exactly 1.
    assert 0.5 < result["metrics"]["ratio_mean"] < 2.0
    step = service.optim_step({"learningRate": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weightDecay": 0.0, "maxGradNorm": 0.1})
    assert step["policyVersion"] == 1 and step["gradNorm"] > 0
    assert service.get_info()["policyVersion"] == 1
    pieces = service.detokenize({"tokenIds": prompt[:3]})["pieces"]
    assert pieces[0] == "<|im_start|>" and len(pieces) == 3


def test_stop_strings_end_a_completion(service: BackboneService) -> None:
    prompt = service.render_chat({"messages": [{"role": "user", "content": "hi"}]})["tokenIds"]
    free = service.sample({"promptIds": prompt, "sampling": {"temperature": 0, "maxTokens": 6}})["completions"][0]
    stop_text = service.renderer.tokenizer.decode(free["tokenIds"][2:3])
    stopped = service.sample({"promptIds": prompt, "sampling": {"temperature": 0, "maxTokens": 6, "stop": [stop_text]}})["completions"][0]
    assert stopped["finishReason"] == "stop" and len(stopped["tokenIds"]) <= 3


def test_prompt_longer_than_the_model_is_refused(service: BackboneService) -> None:
    with pytest.raises(BackendError) as caught:
        service.sample({"promptIds": [1] * 600, "sampling": {}})
    assert caught.value.code == "BACKBONE_INVALID_REQUEST" and "promptIds has 600 tokens; the model reads at most 512" in str(caught.value)
    with pytest.raises(BackendError) as full:
        service.sample({"promptIds": [1] * 512, "sampling": {}})
    assert full.value.code == "SAMPLE_PROMPT_TOO_LONG"
