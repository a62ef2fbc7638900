"""The Serve deployments: Sampler (replicas, each its own model copy) and Learner (one replica driving the
data-parallel LearnerWorker actors). Weights move from the learner to the samplers through the object store,
versioned by a sync generation that the front sends with every sampling call (see front.py)."""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

import ray
import torch
from ray import serve

from ajet_backend.ray_serve.learner import LearnerWorker, batch_share, split_batch
from ajet_backend.ray_serve.model_service import build_model_service
from ajet_backend.ray_serve.remote_errors import answer


class Sampler:
    """Samples with its own copy of the model; before a call, loads the weights the call names when it has others."""

    def __init__(self, *, model: str, max_model_len: int, threads: int = 1) -> None:
        torch.set_num_threads(threads)
        self.service = build_model_service(model=model, max_model_len=max_model_len, keep_reference=False)
        self.generation = 0
        self.lock = threading.Lock()
        self.replica = f"{os.getpid()}"

    def _sync(self, sync: dict[str, Any] | None) -> None:
        if sync is None or sync["generation"] == self.generation:
            return
        state, version = ray.get(sync["weights"][0])
        self.service.policy.model.load_state_dict(state)
        self.service.policy.policy_version = version
        self.generation = sync["generation"]

    def call(self, method: str, body: dict[str, Any], sync: dict[str, Any] | None) -> dict[str, Any]:
        """One of BackboneService's sampling methods (sample, sample_chat) with the weights of `sync`."""
        if method not in ("sample", "sample_chat"):
            raise ValueError(f"Sampler.call: {method} is not a sampling method")
        with self.lock:
            self._sync(sync)
            reply = answer(lambda: getattr(self.service, method)(body))
        return {**reply, "replica": self.replica, "generation": self.generation}

    @torch.no_grad()
    def logprobs(self, token_ids: list[int], sync: dict[str, Any] | None) -> dict[str, Any]:
        """Per-token logprobs of a sequence under this replica's weights after syncing (tests and checks)."""
        with self.lock:
            self._sync(sync)
            policy = self.service.policy
            policy.model.eval()
            ids = torch.tensor([token_ids], dtype=torch.long)
            values = policy._shifted_logprobs(policy.model, ids, torch.ones_like(ids))[0].tolist()  # noqa: SLF001
            return {"logprobs": values, "replica": self.replica, "policyVersion": policy.policy_version, "generation": self.generation}


class Learner:
    """Forward/backward, optimizer and checkpoints, over `workers` data-parallel ranks."""

    def __init__(self, *, model: str, max_model_len: int, micro_batch_tokens: int, state_root: str | None, workers: int, worker_cpus: float, worker_gpus: float, backend: str, threads: int = 1) -> None:
        actor = ray.remote(LearnerWorker)
        options = {"num_cpus": worker_cpus, "num_gpus": worker_gpus}
        self.workers = [
            actor.options(**options).remote(rank=rank, world_size=workers, model=model, max_model_len=max_model_len, micro_batch_tokens=micro_batch_tokens, state_root=state_root, threads=threads)
            for rank in range(workers)
        ]
        host, port = ray.get(self.workers[0].rendezvous.remote())
        ray.get([worker.join.remote(host, port, backend) for worker in self.workers])
        self.generation = 0
        self.sync: dict[str, Any] | None = None
        self.lock = asyncio.Lock()

    async def policy_version(self) -> int:
        return await self.workers[0].policy_version.remote()

    async def forward_backward(self, request: dict[str, Any]) -> dict[str, Any]:
        samples = request["samples"]
        aggregation = request["loss"].get("aggregation", "token-mean")
        total = batch_share(samples, aggregation)
        parts = split_batch(samples, len(self.workers))
        calls = []
        for worker, indices in zip(self.workers, parts, strict=True):
            part = [samples[index] for index in indices]
            share = batch_share(part, aggregation) / total if total > 0 else 0.0
            calls.append(worker.forward_backward.remote({**request, "samples": part}, share))
        async with self.lock:
            replies = await asyncio.gather(*calls)
        for reply in replies:
            if "error" in reply:
                return reply
        results = [reply["ok"] for reply in replies]
        tokens = sum(result["metrics"].get("tokens", 0.0) for result in results)
        metrics: dict[str, float] = {"tokens": tokens}
        for key in {key for result in results for key in result["metrics"]} - {"tokens"}:
            weighted = sum(result["metrics"].get(key, 0.0) * result["metrics"].get("tokens", 0.0) for result in results)
            metrics[key] = weighted / tokens if tokens > 0 else 0.0
        return {"ok": {"loss": sum(result["loss"] for result in results), "metrics": metrics}}

    async def _publish(self) -> dict[str, Any]:
        """New weights for the samplers: rank 0's, in the object store, under the next generation."""
        self.generation += 1
        ref = self.workers[0].weights.remote()
        version = await self.workers[0].policy_version.remote()
        # In a list, so that the ref travels as a ref (a sampler fetches it only when it lacks this generation).
        self.sync = {"generation": self.generation, "weights": [ref], "policyVersion": version}
        return self.sync

    async def optim_step(self, request: dict[str, Any]) -> dict[str, Any]:
        async with self.lock:
            replies = await asyncio.gather(*(worker.optim_step.remote(request) for worker in self.workers))
            reply = replies[0]
            if "ok" in reply:
                return {**reply, "sync": await self._publish()}
            return reply

    async def save_state(self, request: dict[str, Any]) -> dict[str, Any]:
        async with self.lock:
            return await self.workers[0].save_state.remote(request)

    async def load_state(self, request: dict[str, Any]) -> dict[str, Any]:
        async with self.lock:
            replies = await asyncio.gather(*(worker.load_state.remote(request) for worker in self.workers))
            for reply in replies:
                if "error" in reply:
                    return reply
            return {**replies[0], "sync": await self._publish()}

    async def current_sync(self) -> dict[str, Any] | None:
        return self.sync

    async def gradients(self) -> list[torch.Tensor]:
        """Every rank's accumulated gradient (tests: they are equal after the all-reduce)."""
        return await asyncio.gather(*(worker.gradients.remote() for worker in self.workers))

    async def logprobs(self, token_ids: list[int]) -> list[float]:
        return await self.workers[0].logprobs.remote(token_ids)


def sampler_deployment(*, replicas: int | None, autoscaling: dict[str, Any] | None, cpus: float, gpus: float) -> Any:
    options: dict[str, Any] = {"ray_actor_options": {"num_cpus": cpus, "num_gpus": gpus}, "max_ongoing_requests": 8}
    if autoscaling:
        options["autoscaling_config"] = autoscaling
    else:
        options["num_replicas"] = replicas
    return serve.deployment(Sampler, name="Sampler", **options)


def learner_deployment() -> Any:
    return serve.deployment(Learner, name="Learner", num_replicas=1, ray_actor_options={"num_cpus": 0}, max_ongoing_requests=16)
