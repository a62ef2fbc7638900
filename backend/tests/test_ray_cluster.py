"""Checks on a running Ray Serve backend (ajet_backend.ray_serve): data-parallel gradients, weight sync to every
sampler replica, and a killed replica being replaced. They join the cluster that test/ray-backend.test.ts starts
(one cluster for the whole Ray suite: it takes about a minute to come up on 2 cores), which passes its address
in AJET_RAY_ADDRESS, the gRPC port in AJET_RAY_GRPC_PORT and the model in AJET_RAY_MODEL; without those they are skipped. Run them with
`pnpm exec vitest run test/ray-backend.test.ts`."""

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
    from ajet_backend.ray_serve.model_service import build_model_service

    service = build_model_service(model=MODEL, max_model_len=4096)
    state, version = weights
    service.policy.model.load_state_dict(state)
    service.policy.policy_version = version
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


def _every_replica(cluster, sync) -> dict[str, dict]:
    """Each sampler replica's answer to `logprobs`, by replica; asks until two replicas answered."""
    seen: dict[str, dict] = {}
    for _ in range(60):
        answer = cluster["sampler"].logprobs.remote(SEQUENCE, sync).result()
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
    for replica, answer in _every_replica(cluster, sync).items():
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
