import asyncio

import grpc
import pytest

from ajet_backend.grpc_server import start_server
from ajet_backend.policy import Policy, PolicySettings
from ajet_backend.proto_stubs import load_stubs
from ajet_backend.rendering import ChatRenderer
from ajet_backend.service import BackboneService, ServiceInfo, decode_float32, decode_int32
from qwen3_tokenizer import qwen3_tokenizer
from tiny_model import tiny_qwen2


def test_a_training_round_over_grpc(tmp_path) -> None:
    pb, pb_grpc = load_stubs()
    tokenizer = qwen3_tokenizer()
    service = BackboneService(
        policy=Policy(tiny_qwen2(vocab_size=len(tokenizer)), PolicySettings(keep_reference=False)),
        renderer=ChatRenderer(tokenizer),
        info=ServiceInfo(model="tiny-qwen2", tokenizer="qwen3", max_model_len=256),
        state_root=str(tmp_path / "states"),
    )

    async def scenario() -> None:
        server, port = await start_server(service=service, address="127.0.0.1:0", token="secret")
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.BackendStub(channel)
                auth = (("authorization", "Bearer secret"),)
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    await stub.GetInfo(pb.GetInfoRequest())
                assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
                info = await stub.GetInfo(pb.GetInfoRequest(), metadata=auth)
                assert info.capabilities.trainable and info.capabilities.max_model_len == 256 and info.policy_version == 0
                tool = pb.ToolSpec(name="calculator", description="arithmetic", parameters_json='{"type": "object"}')
                rendered = await stub.RenderChat(pb.RenderChatRequest(messages=[pb.ChatMessage(role="user", content="2+3?")], tools=[tool]), metadata=auth)
                prompt = decode_int32(rendered.token_ids)
                assert tokenizer.decode(prompt).endswith("<|im_start|>assistant\n")
                chunks = [chunk async for chunk in stub.Sample(pb.SampleRequest(prompt_ids=rendered.token_ids, n=3, sampling=pb.SamplingParams(max_tokens=5, seed=3)), metadata=auth)]
                assert [chunk.index for chunk in chunks] == [0, 1, 2]
                first = chunks[0]
                tokens, logprobs = decode_int32(first.token_ids), decode_float32(first.logprobs)
                assert len(tokens) == len(logprobs) > 0 and first.finish_reason in (1, 2)
                sample = pb.TrainingSample(
                    token_ids=rendered.token_ids + first.token_ids,
                    loss_mask=bytes([0] * len(prompt) + [1] * len(tokens)),
                    sampler_logprobs=pb.TrainingSample().sampler_logprobs + bytes(4 * len(prompt)) + first.logprobs,
                    advantage=1.0,
                )
                loss = pb.LossSpec(ppo=pb.PpoLoss(clip_low=0.2, clip_high=0.28, aggregation=pb.LOSS_AGGREGATION_TOKEN_MEAN))
                result = await stub.ForwardBackward(pb.ForwardBackwardRequest(samples=[sample], loss=loss), metadata=auth)
                assert result.metrics["tokens"] == len(tokens)
                # The sampler was this policy at temperature 1: every ratio is 1, so the loss is -A.
                assert result.loss == pytest.approx(-1.0, abs=1e-4)
                step = await stub.OptimStep(pb.OptimStepRequest(learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, max_grad_norm=1.0), metadata=auth)
                assert step.policy_version == 1 and step.grad_norm > 0
                saved = await stub.SaveState(pb.StateRequest(name="exp/run-1/ckpt", include_optimizer=True), metadata=auth)
                assert saved.path == str(tmp_path / "states" / "exp" / "run-1" / "ckpt")
                assert (tmp_path / "states" / "exp" / "run-1" / "ckpt" / "trainer_state.pt").is_file()
                await stub.LoadState(pb.StateRequest(name="exp/run-1/ckpt", include_optimizer=True), metadata=auth)
                # Saved states are flushed and listed with sizes and hashes; a truncated one is refused by name.
                state = tmp_path / "states" / "exp" / "run-1" / "ckpt"
                assert (state / "ajet-state-manifest.json").is_file()
                with open(state / "trainer_state.pt", "r+b") as handle:
                    handle.truncate(3)
                with pytest.raises(grpc.aio.AioRpcError) as damaged:
                    await stub.LoadState(pb.StateRequest(name="exp/run-1/ckpt"), metadata=auth)
                assert "STATE_DAMAGED" in damaged.value.details() and "trainer_state.pt has 3 bytes" in damaged.value.details()
                # A later save removes the earlier one the trainer pruned.
                await stub.SaveState(pb.StateRequest(name="exp/run-1/ckpt2", remove=["exp/run-1/ckpt"]), metadata=auth)
                assert sorted(path.name for path in (tmp_path / "states" / "exp" / "run-1").iterdir()) == ["ckpt2"]
                with pytest.raises(grpc.aio.AioRpcError) as missing:
                    await stub.LoadState(pb.StateRequest(name="nowhere"), metadata=auth)
                assert missing.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "STATE_MISSING" in missing.value.details()
        finally:
            await server.stop(None)

    asyncio.run(scenario())


def test_sample_chat_is_render_chat_then_sample_in_one_call() -> None:
    pb, pb_grpc = load_stubs()
    tokenizer = qwen3_tokenizer()
    service = BackboneService(
        policy=Policy(tiny_qwen2(vocab_size=len(tokenizer)), PolicySettings(keep_reference=False)),
        renderer=ChatRenderer(tokenizer),
        info=ServiceInfo(model="tiny-qwen2", tokenizer="qwen3", max_model_len=64),
    )

    async def scenario() -> None:
        server, port = await start_server(service=service, address="127.0.0.1:0")
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.BackendStub(channel)
                messages = [pb.ChatMessage(role="user", content="2+3?")]
                sampling = pb.SamplingParams(max_tokens=4, seed=5)
                rendered = await stub.RenderChat(pb.RenderChatRequest(messages=messages))
                chunks = [chunk async for chunk in stub.Sample(pb.SampleRequest(prompt_ids=rendered.token_ids, n=2, sampling=sampling))]
                both = await stub.SampleChat(pb.SampleChatRequest(messages=messages, n=2, sampling=sampling))
                assert both.rendered_ids == rendered.token_ids
                assert list(both.completions) == chunks and both.policy_version == 0

                # With a prefix only the increment is rendered, and the prompt is prefix + increment.
                first = chunks[0]
                prefix = pb.RenderPrefix(token_ids=rendered.token_ids + first.token_ids, message_count=2)
                longer = [*messages, pb.ChatMessage(role="assistant", content=first.text), pb.ChatMessage(role="user", content="and 4?")]
                increment = await stub.RenderChat(pb.RenderChatRequest(messages=longer, prefix=prefix))
                prompt = prefix.token_ids + increment.token_ids
                room = 64 - len(prompt) // 4
                assert room > 0
                unclamped = pb.SamplingParams(seed=5)
                chunks = [chunk async for chunk in stub.Sample(pb.SampleRequest(prompt_ids=prompt, sampling=pb.SamplingParams(max_tokens=room, seed=5)))]
                both = await stub.SampleChat(pb.SampleChatRequest(messages=longer, prefix=prefix, sampling=unclamped))
                assert both.rendered_ids == increment.token_ids and list(both.completions) == chunks
                assert len(decode_int32(both.completions[0].token_ids)) <= room

                # No room left in max_model_len: the rendered tokens and no completion, not an error.
                long_message = [pb.ChatMessage(role="user", content="count " * 80)]
                full = await stub.SampleChat(pb.SampleChatRequest(messages=long_message, sampling=sampling))
                assert len(decode_int32(full.rendered_ids)) >= 64 and len(full.completions) == 0
        finally:
            await server.stop(None)

    asyncio.run(scenario())


def test_save_and_load_state_stay_under_the_state_root(tmp_path) -> None:
    pb, pb_grpc = load_stubs()
    tokenizer = qwen3_tokenizer()
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside)
    service = BackboneService(
        policy=Policy(tiny_qwen2(vocab_size=len(tokenizer)), PolicySettings(keep_reference=False)),
        renderer=ChatRenderer(tokenizer),
        info=ServiceInfo(model="tiny-qwen2", tokenizer="qwen3", max_model_len=64),
        state_root=str(root),
    )
    rootless = BackboneService(policy=service.policy, renderer=service.renderer, info=service.info)

    async def scenario() -> None:
        server, port = await start_server(service=service, address="127.0.0.1:0")
        bare, bare_port = await start_server(service=rootless, address="127.0.0.1:0")
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.BackendStub(channel)
                for name in [str(outside / "abs"), "../outside/up", "a/../../outside/x", "", "a//b", "link/x"]:
                    for call in (stub.SaveState, stub.LoadState):
                        with pytest.raises(grpc.aio.AioRpcError) as refused:
                            await call(pb.StateRequest(name=name))
                        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "STATE_NAME_INVALID" in refused.value.details(), name
                    with pytest.raises(grpc.aio.AioRpcError) as bad_remove:
                        await stub.SaveState(pb.StateRequest(name="fine", remove=[name]))
                    assert "STATE_NAME_INVALID" in bad_remove.value.details(), name
                assert not (root / "fine").exists()
            async with grpc.aio.insecure_channel(f"127.0.0.1:{bare_port}") as channel:
                with pytest.raises(grpc.aio.AioRpcError) as no_root:
                    await pb_grpc.BackendStub(channel).SaveState(pb.StateRequest(name="x"))
                assert "STATE_ROOT_MISSING" in no_root.value.details()
        finally:
            await server.stop(None)
            await bare.stop(None)

    asyncio.run(scenario())
    assert list(outside.iterdir()) == []


def test_every_code_a_server_sends_is_a_name_of_the_proto_error_code_table() -> None:
    """Upper-case codes cross the wire in an ErrorDetail: each must be in backend.proto's ErrorCode, the one table
    the TypeScript side reads too (@ajet/backbone-kit's backendErrorCodes). Lower case is for start-up errors."""
    import re
    from pathlib import Path

    pb, _ = load_stubs()
    table = set(pb.ErrorCode.keys())
    package = Path(__file__).parents[1] / "ajet_backend"
    source = "\n".join(path.read_text() for path in [*package.glob("*.py"), *package.glob("ray_serve/*.py")])
    # Raised, or answered as data across a Ray call ({"code": ...}, ray_serve/deployments.py).
    raised = set(re.findall(r'(?:Backend|Config)Error\(\s*"([A-Za-z_]+)"', source)) | set(re.findall(r'"code": "([A-Z_]+)"', source)) | {"BACKBONE_INVALID_REQUEST"}
    assert "LEARNER_RESTARTED" in raised
    sent = {code for code in raised if code.isupper()}
    assert len(sent) > 15 and sent <= table, sorted(sent - table)
    assert {code for code in raised if not code.isupper()} <= {"lora_missing", "model_dtype", "model_not_found", "proto_compile", "proto_missing", "proto_tools_missing", "ray_args", "ray_missing", "serve_engine", "serve_engine_vllm_missing", "serve_engine_vllm_no_gpu", "serve_flags", "serve_gpu_memory"}
