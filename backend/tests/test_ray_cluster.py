"""Checks on a running Ray Serve backend (ajet_backend.ray_serve): data-parallel gradients, weight sync to every
sampler replica, a killed replica being replaced, a killed learner worker, a transformers model with LoRA. They join the cluster that test/ray-backend.test.ts starts
(one cluster for the whole Ray suite: it takes about a minute to come up on 2 cores), which passes its address
in AJET_RAY_ADDRESS, the gRPC port in AJET_RAY_GRPC_PORT and the model in AJET_RAY_MODEL; without those they are skipped. Run them with
`pnpm exec vitest run test/ray-backend.test.ts`. The last test deploys a second application (a transformers
model with LoRA) beside the first and deletes it."""

from __future__ import annotations

import os
import signal
import time

import pytest

ADDRESS = os.environ.get("AJET_RAY_ADDRESS")
# The model the application serves: the single-worker reference needs the same reference policy (KL).
MODEL = os.environ.get("AJET_RAY_MODEL", "builtin:tinylm-calculator-smooth")
pytestmark = pytest.mark.skipif(ADDRESS is None, reason="needs a running Ray Serve backend: run test/ray-backend.test.ts")

TOLERANCE = 1e-5
SEQUENCE = [256, 301, 10, 349, 326, 32, 260, 50, 259, 32, 43, 32, 261, 51, 259, 63, 257, 10, 256, 302, 10, 60, 321, 62]


@pytest.fixture(scope="module")
def cluster():
    import ray
    from ray import serve

    ray.init(address=ADDRESS, logging_level="WARNING", log_to_driver=False)
    yield {"learner": serve.get_deployment_handle("Learner", app_name="ajet"), "sampler": serve.get_deployment_handle("Sampler", app_name="ajet")}
    ray.shutdown()


@pytest.fixture(scope="module")
def stub():
    import grpc

    from ajet_backend.proto_stubs import load_stubs

    pb, pb_grpc = load_stubs()
    channel = grpc.insecure_channel(f"127.0.0.1:{os.environ['AJET_RAY_GRPC_PORT']}")
    yield pb, pb_grpc.BackendStub(channel)
    channel.close()


def _batch() -> list[dict]:
    lengths = [24, 9, 17, 30, 12]
    samples = []
    for index, length in enumerate(lengths):
        ids = [(7 * index + 3 * position) % 440 for position in range(length)]
        mask = [0] * (length // 3) + [1] * (length - length // 3)
        samples.append({"tokenIds": ids, "lossMask": mask, "samplerLogprobs": [-0.5 - 0.01 * position for position in range(length)], "advantage": 0.5 - 0.3 * index})
    return samples


def _local_service_with(weights):
    from ajet_backend.ray_serve.model_service import build_model_service, import_weights

    service = build_model_service(options={"model": MODEL}, role="learner")
    import_weights(service, *weights)
    return service


def test_the_data_parallel_gradient_equals_the_single_worker_gradient(cluster):
    import ray
    import torch

    learner = cluster["learner"]
    # Whatever ran before left gradients behind: a zero learning-rate step clears them and publishes the weights.
    learner.optim_step.remote({"learningRate": 0.0}).result()
    sync = learner.current_sync.remote().result()
    local = _local_service_with(ray.get(sync["weights"][0]))
    request = {"samples": _batch(), "loss": {"type": "ppo", "clipLow": 0.2, "clipHigh": 0.28, "aggregation": "token-mean", "kl": {"beta": 0.05, "estimator": "k3"}}, "lossScale": 1.0, "temperature": 1.0}
    distributed = learner.forward_backward.remote(request).result()["ok"]
    single = local.forward_backward(request)
    ranks = learner.gradients.remote().result()
    expected = torch.cat([parameter.grad.reshape(-1) for parameter in local.policy.model.parameters()])
    assert len(ranks) == 2
    assert float(expected.abs().max()) > 1e-3
    for gradient in ranks:
        assert float((gradient - expected).abs().max()) < TOLERANCE
    assert abs(distributed["loss"] - single["loss"]) < TOLERANCE
    assert distributed["metrics"]["tokens"] == single["metrics"]["tokens"]


def _rss_mb(pid: int) -> float:
    """Resident memory of a process on this machine, in MB (/proc)."""
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def _print_memory(label: str, app: dict, replicas: dict[str, dict]) -> None:
    workers = app["learner"].worker_pids.remote().result()
    sampler = ", ".join(f"{_rss_mb(int(pid)):.0f}" for pid in sorted(replicas))
    learner = ", ".join(f"{_rss_mb(pid):.0f}" for pid in workers)
    print(f"measured: {label}: RSS per sampler replica {sampler} MB, per learner worker {learner} MB")


def _every_replica(cluster, sync, sequence: list[int] = SEQUENCE) -> dict[str, dict]:
    """Each sampler replica's answer to `logprobs` of `sequence`, by replica; asks until two replicas answered."""
    seen: dict[str, dict] = {}
    for _ in range(60):
        answer = cluster["sampler"].logprobs.remote(sequence, sync).result()
        seen[answer["replica"]] = answer
        if len(seen) == 2:
            return seen
    raise AssertionError(f"only replicas {sorted(seen)} answered in 60 calls")


def test_after_an_optim_step_every_replica_samples_with_the_learner_weights_and_the_version_increments(cluster, stub):
    from ajet_backend.service import encode_float32, encode_int32

    pb, backend = stub
    before = backend.GetInfo(pb.GetInfoRequest()).policy_version
    sample = pb.TrainingSample(token_ids=encode_int32(SEQUENCE), loss_mask=bytes([0] * 12 + [1] * 12), sampler_logprobs=encode_float32([-1.0] * 24), advantage=1.0)
    backend.ForwardBackward(pb.ForwardBackwardRequest(samples=[sample], loss=pb.LossSpec(ppo=pb.PpoLoss(clip_low=0.2, clip_high=0.28))))
    step = backend.OptimStep(pb.OptimStepRequest(learning_rate=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, max_grad_norm=1.0))
    assert step.policy_version == before + 1
    sync = cluster["learner"].current_sync.remote().result()
    learner = cluster["learner"].logprobs.remote(SEQUENCE).result()
    replicas = _every_replica(cluster, sync)
    _print_memory(MODEL, cluster, replicas)
    for replica, answer in replicas.items():
        assert answer["policyVersion"] == before + 1, replica
        assert max(abs(a - b) for a, b in zip(answer["logprobs"], learner, strict=True)) < TOLERANCE, replica
    # A sample through the front reports the version it used.
    chunks = list(backend.Sample(pb.SampleRequest(prompt_ids=encode_int32(SEQUENCE[:21]), n=2, sampling=pb.SamplingParams(max_tokens=4, seed=1))))
    assert [chunk.policy_version for chunk in chunks] == [before + 1, before + 1]


def test_a_killed_sampler_replica_is_replaced_and_syncs_to_the_current_weights(cluster):
    sync = cluster["learner"].current_sync.remote().result()
    version = sync["policyVersion"]
    replicas = _every_replica(cluster, sync)
    victim = sorted(replicas)[0]
    os.kill(int(victim), signal.SIGKILL)
    deadline = time.monotonic() + 120
    failures = 0
    while time.monotonic() < deadline:
        try:
            current = _every_replica(cluster, sync)
        except Exception:  # noqa: BLE001 (calls routed to the dead replica fail until Serve notices)
            failures += 1
            time.sleep(1)
            continue
        if victim not in current:
            for answer in current.values():
                assert answer["policyVersion"] == version
            return
        time.sleep(1)
    raise AssertionError(f"replica {victim} was not replaced within 120 s ({failures} failed rounds)")


def test_a_killed_learner_worker_answers_a_retryable_error_and_the_learner_restarts_from_the_last_saved_state(cluster, stub):
    from ajet_backend.service import encode_float32, encode_int32

    pb, backend = stub
    learner = cluster["learner"]
    backend.SaveState(pb.StateRequest(name="before-kill", include_optimizer=True))
    saved = backend.GetInfo(pb.GetInfoRequest()).policy_version
    # One more step after the save: the restart goes back to the saved state, not to these weights.
    sample = pb.TrainingSample(token_ids=encode_int32(SEQUENCE), loss_mask=bytes([0] * 12 + [1] * 12), sampler_logprobs=encode_float32([-1.0] * 24), advantage=1.0)
    backend.ForwardBackward(pb.ForwardBackwardRequest(samples=[sample], loss=pb.LossSpec(ppo=pb.PpoLoss(clip_low=0.2, clip_high=0.28))))
    assert backend.OptimStep(pb.OptimStepRequest(learning_rate=1e-2, beta1=0.9, beta2=0.999, eps=1e-8)).policy_version == saved + 1
    pids = learner.worker_pids.remote().result()
    os.kill(pids[1], signal.SIGKILL)
    started = time.monotonic()
    with pytest.raises(Exception) as raised:  # noqa: PT011 (a grpc.RpcError; its details are checked below)
        backend.ForwardBackward(pb.ForwardBackwardRequest(samples=[sample], loss=pb.LossSpec(ppo=pb.PpoLoss(clip_low=0.2, clip_high=0.28))), timeout=180)
    seconds = time.monotonic() - started
    detail = pb.ErrorDetail.FromString(dict(raised.value.trailing_metadata())["ajet-error-detail-bin"])
    assert (detail.code, detail.retryable) == ("LEARNER_RESTARTED", True), detail
    assert "restarted from state before-kill" in detail.message and detail.hint, detail
    print(f"learner restart answered in {seconds:.1f} s: {detail.message}")
    assert set(learner.worker_pids.remote().result()).isdisjoint(pids)
    assert backend.GetInfo(pb.GetInfoRequest()).policy_version == saved
    # The samplers took the restored weights, and training goes on.
    sync = learner.current_sync.remote().result()
    expected = learner.logprobs.remote(SEQUENCE).result()
    for replica, answer in _every_replica(cluster, sync).items():
        assert answer["policyVersion"] == saved, replica
        assert max(abs(a - b) for a, b in zip(answer["logprobs"], expected, strict=True)) < TOLERANCE, replica
    backend.ForwardBackward(pb.ForwardBackwardRequest(samples=[sample], loss=pb.LossSpec(ppo=pb.PpoLoss(clip_low=0.2, clip_high=0.28))))
    assert backend.OptimStep(pb.OptimStepRequest(learning_rate=1e-2, beta1=0.9, beta2=0.999, eps=1e-8)).policy_version == saved + 1


@pytest.fixture(scope="module")
def hf_app(cluster, tmp_path_factory):
    """A second application on the same cluster: the tiny random-weight Qwen2 (make_tiny_model.py) with LoRA, float32,
    2 sampler replicas and a learner with 2 gloo workers; deleted afterwards."""
    import contextlib
    import io
    import runpy
    import sys
    from pathlib import Path
    from unittest import mock

    from ray import serve

    from ajet_backend.ray_serve.app import build_app

    folder = tmp_path_factory.mktemp("tiny-qwen2") / "model"
    script = Path(__file__).resolve().parents[1] / "scripts" / "make_tiny_model.py"
    with mock.patch.object(sys, "argv", [str(script), str(folder), "--hidden", "64", "--layers", "2"]), contextlib.redirect_stdout(io.StringIO()):
        runpy.run_path(str(script), run_name="__main__")
    args = {"model": str(folder), "dtype": "fp32", "lora_rank": 4, "max_model_len": 256, "sampler_replicas": 2, "learner_workers": 2, "state_root": str(tmp_path_factory.mktemp("hf-states"))}
    started = time.monotonic()
    serve.run(build_app(args), name="ajet-hf", route_prefix="/ajet-hf")
    print(f"HF application deployed in {time.monotonic() - started:.1f} s")
    yield {"learner": serve.get_deployment_handle("Learner", app_name="ajet-hf"), "sampler": serve.get_deployment_handle("Sampler", app_name="ajet-hf")}
    serve.delete("ajet-hf")


def test_a_transformers_model_with_lora_syncs_its_adapter_to_every_replica(hf_app, stub):
    import ray

    from ajet_backend.service import decode_int32, encode_float32, encode_int32

    pb, backend = stub
    metadata = (("application", "ajet-hf"),)
    info = backend.GetInfo(pb.GetInfoRequest(), metadata=metadata)
    assert info.capabilities.lora and info.policy_version == 0
    sequence = backend.RenderChat(pb.RenderChatRequest(messages=[pb.ChatMessage(role="user", content="What is 2+2?")]), metadata=metadata).token_ids
    # The rendered prompt and a 2-token answer ("4" and the end of turn) to train on.
    ids = [*decode_int32(sequence), 19, 151645]
    sample = pb.TrainingSample(token_ids=encode_int32(ids), loss_mask=bytes([0] * (len(ids) - 2) + [1, 1]), sampler_logprobs=encode_float32([-1.0] * len(ids)), advantage=1.0)
    backend.ForwardBackward(pb.ForwardBackwardRequest(samples=[sample], loss=pb.LossSpec(ppo=pb.PpoLoss(clip_low=0.2, clip_high=0.28))), metadata=metadata)
    step = backend.OptimStep(pb.OptimStepRequest(learning_rate=5e-2, beta1=0.9, beta2=0.999, eps=1e-8), metadata=metadata)
    assert step.policy_version == 1
    sync = hf_app["learner"].current_sync.remote().result()
    weights, _ = ray.get(sync["weights"][0])
    assert weights and all("lora_" in name for name in weights)
    print(f"LoRA sync payload: {len(weights)} tensors, {sum(t.numel() for t in weights.values())} values")
    learner = hf_app["learner"].logprobs.remote(ids).result()
    replicas = _every_replica(hf_app, sync, ids)
    _print_memory("tiny random-weight Qwen2 (hidden 64, 2 layers, 151,669-token vocabulary), float32, LoRA rank 4", hf_app, replicas)
    for replica, answer in replicas.items():
        assert answer["policyVersion"] == 1, replica
        assert max(abs(a - b) for a, b in zip(answer["logprobs"], learner, strict=True)) < TOLERANCE, replica
    chunks = list(backend.Sample(pb.SampleRequest(prompt_ids=sequence, n=2, sampling=pb.SamplingParams(max_tokens=3, seed=1)), metadata=metadata))
    assert [chunk.policy_version for chunk in chunks] == [1, 1]
