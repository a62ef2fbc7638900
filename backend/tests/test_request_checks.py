"""Bad requests are refused before they reach the model, with INVALID_ARGUMENT naming the field (issue 21, item 9)."""

import asyncio
import math

import grpc
import pytest
import torch

from ajet_backend.grpc_server import start_server
from ajet_backend.policy import Policy, PolicySettings
from ajet_backend.proto_stubs import load_stubs
from ajet_backend.rendering import ChatRenderer
from ajet_backend.request_checks import RequestError, RequestLimits, check_forward_backward, check_optim_step, check_render_chat, check_sample, check_sample_chat
from ajet_backend.service import BackboneService, ServiceInfo, encode_float32, encode_int32
from qwen3_tokenizer import qwen3_tokenizer
from tiny_model import tiny_qwen2

LIMITS = RequestLimits(max_model_len=4096, vocab_size=450)
PPO = {"type": "ppo", "clipLow": 0.2, "clipHigh": 0.2, "aggregation": "token-mean"}
OPTIM = {"learningRate": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weightDecay": 0.0, "maxGradNorm": 1.0}


def sample(**overrides):
    return {"tokenIds": [1, 2, 3], "lossMask": [0, 1, 1], "samplerLogprobs": [0.0, -0.5, -0.5], "advantage": 1.0, **overrides}


def chat(**overrides):
    return {"messages": [{"role": "user", "content": "hi"}], "tools": [], "n": 1, "sampling": {"temperature": 1.0, "maxTokens": 4}, **overrides}


CASES = [
    ("fb", {"samples": [sample(), *[sample()] * 2, sample(tokenIds=[1, 2] + [3] * 15 + [99999], lossMask=[0] + [1] * 17, samplerLogprobs=[0.0] * 18)], "loss": PPO}, "samples[3].tokenIds[17]=99999 is outside the vocabulary (0..449)"),
    ("fb", {"samples": [sample(tokenIds=[1, -4, 3])], "loss": PPO}, "samples[0].tokenIds[1]=-4 is outside the vocabulary"),
    ("fb", {"samples": [sample(lossMask=[0, 1])], "loss": PPO}, "samples[0].lossMask has 2 entries; tokenIds has 3"),
    ("fb", {"samples": [sample(samplerLogprobs=[0.0] * 4)], "loss": PPO}, "samples[0].samplerLogprobs has 4 entries"),
    ("fb", {"samples": [sample(advantage=math.nan)], "loss": PPO}, "samples[0].advantage=NaN: expected a finite number"),
    ("fb", {"samples": [sample(samplerLogprobs=[0.0, math.nan, 0.0])], "loss": PPO}, "samples[0].samplerLogprobs[1]=NaN"),
    ("fb", {"samples": [sample(lossMask=[0, 2, 1])], "loss": PPO}, "samples[0].lossMask[1]=2: expected 0 or 1"),
    ("fb", {"samples": [sample()], "loss": {**PPO, "clipLow": -1.0}}, "loss.clipLow=-1: expected a finite number >= 0"),
    ("optim", {**OPTIM, "learningRate": math.nan}, "learningRate=NaN"),
    ("optim", {**OPTIM, "maxGradNorm": -1.0}, "maxGradNorm=-1"),
    ("optim", {**OPTIM, "beta2": 1.0}, "beta2=1: expected a finite number >= 0 and < 1"),
    ("sample", {"promptIds": [1, 2, 500], "n": 1, "sampling": {}}, "promptIds[2]=500 is outside the vocabulary (0..449)"),
    ("sample", {"promptIds": [1], "n": 1, "sampling": {"temperature": math.nan}}, "sampling.temperature=NaN"),
    ("sample", {"promptIds": [1], "n": 1, "sampling": {"topP": 1.5}}, "sampling.topP=1.5: expected a finite number > 0 and <= 1"),
    ("sample", {"promptIds": [1], "n": 1_000_000, "sampling": {}}, "n=1000000: expected a whole number from 1 to 64"),
    ("chat", chat(sampling={"temperature": -0.5}), "sampling.temperature=-0.5: expected a finite number >= 0"),
    ("chat", chat(sampling={"topP": 0.0}), "sampling.topP=0"),
    ("chat", chat(n=1_000_000), "n=1000000"),
    ("chat", chat(prefix={"tokenIds": [1], "messageCount": 5}), "prefix.messageCount=5: expected a whole number from 0 to 1"),
    ("render", {"messages": [{"role": "user", "content": "x" * 300_000}, {"role": "user", "content": "x" * 4_000_000}], "tools": []}, "messages[1]: the chat passes 4194304 characters"),
    ("render", {"messages": [{"role": "wizard", "content": "hi"}], "tools": []}, 'messages[0].role="wizard"'),
    ("render", {"messages": [{"role": "user", "content": "hi"}], "prefix": {"tokenIds": [1, 9000], "messageCount": 1}}, "prefix.tokenIds[1]=9000"),
]
CHECKS = {"fb": lambda r: check_forward_backward(r, LIMITS), "optim": check_optim_step, "sample": lambda r: check_sample(r, LIMITS), "chat": lambda r: check_sample_chat(r, LIMITS), "render": lambda r: check_render_chat(r, LIMITS)}


@pytest.mark.parametrize(("kind", "request_body", "message"), CASES)
def test_each_rule_names_the_field(kind, request_body, message) -> None:
    with pytest.raises(RequestError) as caught:
        CHECKS[kind](request_body)
    assert message in str(caught.value)
    assert caught.value.code == "BACKBONE_INVALID_REQUEST"


def test_good_requests_pass() -> None:
    check_forward_backward({"samples": [sample()], "loss": PPO}, LIMITS)
    check_optim_step(OPTIM)
    check_optim_step({**OPTIM, "learningRate": 0.0})
    check_sample_chat(chat(), LIMITS)
    check_sample_chat(chat(sampling={"maxTokens": 10**6}), LIMITS)  # clamped to the room left, never refused
    check_sample({"promptIds": [0, 449], "n": 64, "sampling": {"temperature": 0.0, "topP": 1.0, "seed": 7}}, LIMITS)


@pytest.fixture(scope="module")
def served():
    tokenizer = qwen3_tokenizer()
    service = BackboneService(
        policy=Policy(tiny_qwen2(vocab_size=len(tokenizer)), PolicySettings(keep_reference=False)),
        renderer=ChatRenderer(tokenizer),
        info=ServiceInfo(model="tiny-qwen2", tokenizer="qwen3", max_model_len=256),
    )
    return service, len(tokenizer)


def test_the_server_answers_invalid_argument_and_the_weights_stay_finite(served) -> None:
    service, vocab = served
    pb, pb_grpc = load_stubs()
    before = [parameter.detach().clone() for parameter in service.policy.model.parameters()]

    async def scenario() -> None:
        server, port = await start_server(service=service, address="127.0.0.1:0")
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.BackendStub(channel)
                info = await stub.GetInfo(pb.GetInfoRequest())
                assert info.capabilities.vocab_size == vocab
                bad = pb.TrainingSample(token_ids=encode_int32([1, 2, vocab + 7]), loss_mask=bytes([0, 1, 1]), sampler_logprobs=encode_float32([0, -1, -1]), advantage=1.0)
                loss = pb.LossSpec(ppo=pb.PpoLoss(clip_low=0.2, clip_high=0.2))
                calls = [
                    (stub.ForwardBackward(pb.ForwardBackwardRequest(samples=[bad], loss=loss)), f"samples[0].tokenIds[2]={vocab + 7} is outside the vocabulary (0..{vocab - 1})"),
                    (stub.SampleChat(pb.SampleChatRequest(messages=[pb.ChatMessage(role="user", content="hi")], n=100_000)), "n=100000"),
                    (stub.SampleChat(pb.SampleChatRequest(messages=[pb.ChatMessage(role="user", content="hi")], n=1, sampling=pb.SamplingParams(temperature=float("nan")))), "sampling.temperature=NaN"),
                    (stub.RenderChat(pb.RenderChatRequest(messages=[pb.ChatMessage(role="user", content="y" * 5_000_000)])), "messages[0]: the chat passes 4194304 characters"),
                    (stub.RenderChat(pb.RenderChatRequest(messages=[pb.ChatMessage(role="user", content="hi")], tools=[pb.ToolSpec(name="calc", parameters_json="{oops")])), "tools[0].parametersJson"),
                    (stub.OptimStep(pb.OptimStepRequest(learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=-1.0)), "eps=-1"),
                ]
                for pending, message in calls:
                    with pytest.raises(grpc.aio.AioRpcError) as refused:
                        await pending
                    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, refused.value.details()
                    assert message in refused.value.details()
                    detail = pb.ErrorDetail.FromString(dict(refused.value.trailing_metadata() or ())["ajet-error-detail-bin"])
                    assert detail.code == "BACKBONE_INVALID_REQUEST" and detail.hint == "The request was refused before it reached the model; fix the caller."
                    assert message in detail.message and not detail.retryable
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    await stub.Sample(pb.SampleRequest(prompt_ids=encode_int32([1, vocab]), n=1)).read()
                assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and f"promptIds[1]={vocab}" in refused.value.details()
        finally:
            await server.stop(None)

    asyncio.run(scenario())
    for old, new in zip(before, service.policy.model.parameters()):
        assert torch.equal(old, new)


def test_a_token_of_the_right_length_but_wrong_is_refused(served) -> None:
    service, _ = served
    pb, pb_grpc = load_stubs()

    async def scenario() -> None:
        server, port = await start_server(service=service, address="127.0.0.1:0", token="secret")
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.BackendStub(channel)
                for wrong in ("Bearer secreT", "Bearer secret2", "secret"):
                    with pytest.raises(grpc.aio.AioRpcError) as refused:
                        await stub.GetInfo(pb.GetInfoRequest(), metadata=(("authorization", wrong),))
                    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
                info = await stub.GetInfo(pb.GetInfoRequest(), metadata=(("authorization", "Bearer secret"),))
                assert info.model == "tiny-qwen2"
        finally:
            await server.stop(None)

    asyncio.run(scenario())
