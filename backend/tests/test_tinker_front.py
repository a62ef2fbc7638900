"""The official Tinker SDK (tinker==0.38.0) against ajet's Tinker front, checked call by call against the same
operations over gRPC on a second server with the same initial weights (tiny random Qwen2, Qwen3 tokenizer)."""

import asyncio
import json
import threading
import warnings

import grpc
import pytest

from ajet_backend.grpc_server import start_server
from ajet_backend.policy import Policy, PolicySettings
from ajet_backend.proto_stubs import load_stubs
from ajet_backend.rendering import ChatRenderer
from ajet_backend.service import BackboneService, ServiceInfo, decode_float32, decode_int32, encode_float32, encode_int32
from ajet_backend.tinker_front import MAX_BODY_BYTES, TinkerFront, start_tinker_server, state_name
from qwen3_tokenizer import qwen3_tokenizer
from tiny_model import tiny_qwen2

tinker = pytest.importorskip("tinker")
types = tinker.types
KEY = "tml-ajet-test"


def _service(tokenizer, root) -> BackboneService:
    return BackboneService(
        policy=Policy(tiny_qwen2(vocab_size=len(tokenizer)), PolicySettings(keep_reference=False)),
        renderer=ChatRenderer(tokenizer),
        info=ServiceInfo(model="tiny-qwen2", tokenizer="qwen3", max_model_len=256),
        state_root=str(root),
    )


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """(gRPC stub, pb, Tinker base URL, the Tinker front, tokenizer): two servers with the same initial weights,
    shared by this file's tests (the first one, the comparison, runs on the fresh weights)."""
    tmp_path = tmp_path_factory.mktemp("states")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TINKER_TELEMETRY", "0")
        yield from _servers(tmp_path)


def _servers(tmp_path):
    tokenizer = qwen3_tokenizer()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    grpc_server, grpc_port = asyncio.run_coroutine_threadsafe(start_server(service=_service(tokenizer, tmp_path / "grpc"), address="127.0.0.1:0"), loop).result()
    front = TinkerFront(_service(tokenizer, tmp_path / "tinker"), api_key=KEY)
    http, http_port, task = asyncio.run_coroutine_threadsafe(start_tinker_server(front=front, host="127.0.0.1", port=0), loop).result()
    pb, pb_grpc = load_stubs()
    channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}")
    try:
        yield pb_grpc.BackendStub(channel), pb, f"http://127.0.0.1:{http_port}", front, tokenizer
    finally:
        channel.close()
        http.should_exit = True
        asyncio.run_coroutine_threadsafe(asyncio.wait_for(task, 10), loop).result()
        asyncio.run_coroutine_threadsafe(grpc_server.stop(None), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def test_the_tinker_sdk_trains_samples_saves_and_loads_as_grpc_does(servers) -> None:
    stub, pb, base_url, front, tokenizer = servers
    renderer = front.service.renderer
    prompt = renderer.render(messages=[{"role": "user", "content": "What is 2 + 3?"}], tools=None, add_generation_prompt=True, prefix=None)
    service_client = tinker.ServiceClient(base_url=base_url, api_key=KEY)
    training = service_client.create_lora_training_client(base_model="tiny-qwen2", rank=8).result()
    assert training.get_info().model_data.model_name == "tiny-qwen2"
    sampler = service_client.create_sampling_client(base_model="tiny-qwen2").result()

    def sample_both(client, *, seed: int | None, temperature: float, n: int = 1, max_tokens: int = 8):
        params = types.SamplingParams(max_tokens=max_tokens, temperature=temperature, **({"seed": seed} if seed is not None else {}))
        over_tinker = client.sample(types.ModelInput.from_ints(prompt), n, params).result()
        grpc_params = pb.SamplingParams(max_tokens=max_tokens, temperature=temperature, **({"seed": seed} if seed is not None else {}))
        over_grpc = list(stub.Sample(pb.SampleRequest(prompt_ids=encode_int32(prompt), n=n, sampling=grpc_params)))
        assert [sequence.tokens for sequence in over_tinker.sequences] == [decode_int32(chunk.token_ids) for chunk in over_grpc]
        for sequence, chunk in zip(over_tinker.sequences, over_grpc, strict=True):
            assert sequence.logprobs == pytest.approx(decode_float32(chunk.logprobs), abs=1e-5)
            assert sequence.stop_reason == {1: "stop", 2: "length"}[chunk.finish_reason]
        return over_tinker.sequences

    # Greedy and seeded samples of the base model are the same through both fronts.
    sample_both(sampler, seed=None, temperature=0.0)
    sequences = sample_both(sampler, seed=3, temperature=1.0, n=2)

    # The same losses: Tinker's sums with per-token weights/advantages carrying ajet's token-mean.
    completions = [list(sequence.tokens) for sequence in sequences]
    rows = [prompt + tokens for tokens in completions]
    masks = [[0] * len(prompt) + [1] * len(tokens) for tokens in completions]
    total = sum(sum(mask) for mask in masks)
    sampler_logprobs = [[0.0] * len(prompt) + list(sequence.logprobs) for sequence in sequences]
    advantages = [1.0, -0.5]

    def datum(index: int, loss_fn: str):
        row, mask = rows[index], masks[index]
        inputs = {"target_tokens": row[1:]}
        if loss_fn == "cross_entropy":
            inputs["weights"] = [value / total for value in mask[1:]]
        else:
            inputs["logprobs"] = sampler_logprobs[index][1:]
            inputs["advantages"] = [value * advantages[index] / total for value in mask[1:]]
        return types.Datum(model_input=types.ModelInput.from_ints(row[:-1]), loss_fn_inputs=inputs)

    grpc_samples = [
        pb.TrainingSample(token_ids=encode_int32(rows[index]), loss_mask=bytes(masks[index]), sampler_logprobs=encode_float32(sampler_logprobs[index]), advantage=advantages[index])
        for index in range(2)
    ]
    token_mean = pb.LOSS_AGGREGATION_TOKEN_MEAN
    losses = {
        "cross_entropy": pb.LossSpec(cross_entropy=pb.CrossEntropyLoss(aggregation=token_mean)),
        "importance_sampling": pb.LossSpec(importance_sampling=pb.ImportanceSamplingLoss(aggregation=token_mean)),
        "ppo": pb.LossSpec(ppo=pb.PpoLoss(clip_low=0.2, clip_high=0.2, aggregation=token_mean)),
    }
    for loss_fn, spec in losses.items():
        output = training.forward_backward([datum(0, loss_fn), datum(1, loss_fn)], loss_fn).result()
        over_grpc = stub.ForwardBackward(pb.ForwardBackwardRequest(samples=grpc_samples, loss=spec))
        assert output.metrics["loss:sum"] == pytest.approx(over_grpc.loss, abs=1e-5), loss_fn
        assert [len(out["logprobs"].tolist()) for out in output.loss_fn_outputs] == [len(row) - 1 for row in rows]
        if loss_fn != "cross_entropy":
            # The policy has not moved since sampling: the per-token logprobs are the sampler's.
            assert output.loss_fn_outputs[0]["logprobs"].tolist()[len(prompt) - 1 :] == pytest.approx(list(sequences[0].logprobs), abs=1e-4)

    # One AdamW step on the gradients of all three calls, on both.
    step = training.optim_step(types.AdamParams(learning_rate=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, grad_clip_norm=1.0)).result()
    grpc_step = stub.OptimStep(pb.OptimStepRequest(learning_rate=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, max_grad_norm=1.0))
    assert step.metrics["grad_norm"] == pytest.approx(grpc_step.grad_norm, rel=1e-5)
    assert step.metrics["policy_version"] == grpc_step.policy_version == 1

    # The base model's sampler is refused now that the weights changed; the saved weights sample as gRPC does.
    with pytest.raises(tinker.RequestFailedError, match="no longer holds"):
        sampler.sample(types.ModelInput.from_ints(prompt), 1, types.SamplingParams(max_tokens=2)).result()
    trained = training.save_weights_and_get_sampling_client().result()
    greedy_after_step = sample_both(trained, seed=None, temperature=0.0)

    # save_state, one more step, load_state: the saved weights (and their greedy sample) come back on both.
    saved = training.save_state("sdk/ckpt").result()
    assert saved.path.startswith("tinker://") and state_name(saved.path) == "sdk/ckpt"
    stub.SaveState(pb.StateRequest(name="sdk/ckpt", include_optimizer=True))
    cross_entropy_after_step = training.forward_backward([datum(0, "cross_entropy")], "cross_entropy").result().metrics["loss:sum"]
    training.optim_step(types.AdamParams(learning_rate=5e-2)).result()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        training.load_state_with_optimizer(saved.path).result()
    stub.LoadState(pb.StateRequest(name="sdk/ckpt", include_optimizer=True))
    restored = training.save_weights_and_get_sampling_client().result()
    assert [sequence.tokens for sequence in sample_both(restored, seed=None, temperature=0.0)] == [sequence.tokens for sequence in greedy_after_step]
    # The gradients of the call before the step were applied and cleared; after loading, the same datum scores the same.
    again = training.forward_backward([datum(0, "cross_entropy")], "cross_entropy").result().metrics["loss:sum"]
    assert again == pytest.approx(cross_entropy_after_step, abs=1e-5)

    calls = front.calls
    assert calls["forward_backward"] == 5 and calls["optim_step"] == 2 and calls["save_weights"] == 1 and calls["load_weights"] == 1
    assert tokenizer is not None


def test_a_refused_request_fails_its_future_with_a_message_naming_the_field(servers) -> None:
    _, _, base_url, _, _ = servers
    service_client = tinker.ServiceClient(base_url=base_url, api_key=KEY)
    training = service_client.create_lora_training_client(base_model="tiny-qwen2", rank=8).result()
    shifted_wrong = types.Datum(model_input=types.ModelInput.from_ints([1, 2, 3]), loss_fn_inputs={"target_tokens": [5, 6, 7]})
    with pytest.raises(tinker.RequestFailedError, match=r"data\[0\]\.loss_fn_inputs\.target_tokens: expected model_input shifted by one token"):
        training.forward_backward([shifted_wrong], "cross_entropy").result()
    with pytest.raises(Exception, match='this server serves "tiny-qwen2" only'):
        service_client.create_lora_training_client(base_model="Qwen/Qwen3-8B", rank=8).result()


def test_the_key_is_checked_when_the_server_has_one(servers) -> None:
    import httpx

    _, _, base_url, _, _ = servers
    refused = httpx.post(f"{base_url}/api/v1/create_session", json={}, headers={"X-API-Key": "tml-wrong"})
    assert refused.status_code == 401 and "X-API-Key" in refused.json()["detail"]
    assert httpx.post(f"{base_url}/api/v1/create_session", json={"tags": []}, headers={"X-API-Key": KEY}).status_code == 200


def test_calls_on_a_training_model_run_in_seq_id_order_whatever_order_they_arrive_in(servers) -> None:
    import httpx

    _, _, base_url, _, _ = servers

    def post(path: str, body: dict) -> dict:
        return httpx.post(f"{base_url}/api/v1/{path}", json=body, headers={"X-API-Key": KEY}, timeout=60).json()

    def result(future: dict) -> dict:
        while (answer := post("retrieve_future", {"request_id": future["request_id"]})).get("type") == "try_again":
            pass
        return answer

    session = post("create_session", {"tags": [], "user_metadata": None, "sdk_version": "test"})["session_id"]
    created = post("create_model", {"session_id": session, "model_seq_id": 0, "base_model": "tiny-qwen2", "lora_config": {"rank": 4}})
    model_id = result(created)["model_id"]
    datum = {"model_input": {"chunks": [{"type": "encoded_text", "tokens": [1, 2, 3]}]}, "loss_fn_inputs": {"target_tokens": {"data": [2, 3, 4], "dtype": "int64", "shape": [3]}}}
    # The step (seq 2) arrives before the forward_backward (seq 1) whose gradients it must apply.
    step = post("optim_step", {"model_id": model_id, "seq_id": 2, "adam_params": {"learning_rate": 1e-3}})
    loss = post("forward_backward", {"model_id": model_id, "seq_id": 1, "forward_backward_input": {"loss_fn": "cross_entropy", "data": [datum]}})
    assert result(loss)["metrics"]["loss:sum"] > 0
    assert result(step)["metrics"]["grad_norm"] > 0


def test_a_body_over_the_cap_is_refused_with_413_plain_or_zstd(servers) -> None:
    import httpx
    import zstandard

    _, _, base_url, front, _ = servers
    headers = {"X-API-Key": KEY, "Content-Type": "application/json"}
    front.max_body_bytes = 1024
    try:
        big = json.dumps({"tags": ["x" * 2048]}).encode()
        plain = httpx.post(f"{base_url}/api/v1/create_session", content=big, headers=headers)
        assert plain.status_code == 413 and "over 1024 bytes" in plain.json()["detail"]
        bomb = zstandard.ZstdCompressor().compress(b" " * (1 << 20))  # about 40 bytes that inflate to 1 MiB
        inflated = httpx.post(f"{base_url}/api/v1/create_session", content=bomb, headers={**headers, "Content-Encoding": "zstd"})
        assert inflated.status_code == 413
        small = json.dumps({"tags": []}).encode()
        assert httpx.post(f"{base_url}/api/v1/create_session", content=small, headers=headers).status_code == 200
    finally:
        front.max_body_bytes = MAX_BODY_BYTES
