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
from ajet_backend.ray_serve.model_service import build_model_service, import_weights
from ajet_backend.ray_serve.remote_errors import answer

# How long a learner worker has to answer a liveness probe after a failed call (a rank stuck in a collective whose
# peer died does not answer).
WORKER_PROBE_S = 30.0


class Sampler:
    """Samples with its own copy of the model; before a call, loads the weights the call names when it has others."""

    def __init__(self, *, options: dict[str, Any], threads: int = 1) -> None:
        torch.set_num_threads(threads)
        self.service = build_model_service(options=options, role="sampler")
        self.generation = 0
        self.lock = threading.Lock()
        self.replica = f"{os.getpid()}"

    def _sync(self, sync: dict[str, Any] | None) -> None:
        if sync is None or sync["generation"] == self.generation:
            return
        weights, version = ray.get(sync["weights"][0])
        import_weights(self.service, weights, version)
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
            ids = torch.tensor([token_ids], dtype=torch.long, device=policy.settings.device)
            values = policy._shifted_logprobs(policy.model, ids, torch.ones_like(ids))[0].tolist()  # noqa: SLF001
            return {"logprobs": values, "replica": self.replica, "policyVersion": policy.policy_version, "generation": self.generation}


class Learner:
    """Forward/backward, optimizer and checkpoints, over `workers` data-parallel ranks. When a worker dies (its
    process killed, out of memory, its node lost) the call that finds it answers LEARNER_RESTARTED (retryable)
    after every worker was replaced and the new ones loaded the last state saved or loaded through this learner
    (or, with none, the initial model); the gradients accumulated since the last OptimStep are lost."""

    def __init__(self, *, options: dict[str, Any], micro_batch_tokens: int, state_root: str | None, workers: int, worker_cpus: float, worker_gpus: float, backend: str, threads: int = 1) -> None:
        self.options = options
        self.micro_batch_tokens = micro_batch_tokens
        self.state_root = state_root
        self.world_size = workers
        self.actor_options = {"num_cpus": worker_cpus, "num_gpus": worker_gpus}
        self.backend = backend
        self.threads = threads
        self.workers = self._create_workers()
        host, port = ray.get(self.workers[0].rendezvous.remote())
        ray.get([worker.join.remote(host, port, backend) for worker in self.workers])
        self.generation = 0
        self.sync: dict[str, Any] | None = None
        self.lock = asyncio.Lock()
        # The last state saved or loaded through this learner ({"name", "includeOptimizer"}): a restart loads it.
        self.last_state: dict[str, Any] | None = None
        self.restarts = 0

    def _create_workers(self) -> list[Any]:
        actor = ray.remote(LearnerWorker)
        return [
            actor.options(**self.actor_options).remote(rank=rank, world_size=self.world_size, options=self.options, micro_batch_tokens=self.micro_batch_tokens, state_root=self.state_root, threads=self.threads)
            for rank in range(self.world_size)
        ]

    async def _restart(self, cause: BaseException) -> dict[str, Any]:
        """Replaces every worker (a torch.distributed group does not take a new rank in), loads the last state,
        publishes the weights; answers LEARNER_RESTARTED with the sync the front passes on to the samplers."""
        for worker in self.workers:
            ray.kill(worker, no_restart=True)
        self.workers = self._create_workers()
        host, port = await self.workers[0].rendezvous.remote()
        await asyncio.gather(*(worker.join.remote(host, port, self.backend) for worker in self.workers))
        restored = "the initial model (no state was saved or loaded through this learner)"
        if self.last_state is not None:
            replies = await asyncio.gather(*(worker.load_state.remote(self.last_state) for worker in self.workers))
            failed = next((reply["error"] for reply in replies if "error" in reply), None)
            restored = f"state {self.last_state['name']}" if failed is None else f"the initial model (loading state {self.last_state['name']} failed: {failed['message']})"
        self.restarts += 1
        sync = await self._publish()
        first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        message = f"a learner worker died ({first_line[:200]}); the learner restarted from {restored} at policy version {sync['policyVersion']}, and the gradients accumulated since the last OptimStep are lost"
        hint = "Repeat the training step from its first ForwardBackward (or resume the run from its last checkpoint)."
        return {"error": {"kind": "backend", "code": "LEARNER_RESTARTED", "message": message, "hint": hint, "retryable": True}, "sync": sync}

    async def _on_workers(self, calls: Any) -> list[Any] | dict[str, Any]:
        """Awaits one call per worker (`calls()` makes them; run under self.lock). A worker call that raises (its
        actor died, or a collective failed because a peer did) restarts the learner: the restart's error reply."""
        try:
            return list(await asyncio.gather(*calls()))
        except ray.exceptions.RayActorError as error:
            return await self._restart(error)
        except ray.exceptions.RayTaskError as error:
            # An exception inside a live worker is a bug to surface as is, unless a peer died under it (gloo
            # reports a closed connection): then some worker is dead or still stuck in the collective.
            if await self._all_alive():
                raise
            return await self._restart(error)

    async def _all_alive(self) -> bool:
        try:
            await asyncio.wait_for(asyncio.gather(*(worker.pid.remote() for worker in self.workers)), timeout=WORKER_PROBE_S)
        except (ray.exceptions.RayActorError, asyncio.TimeoutError):
            return False
        return True

    async def policy_version(self) -> int | dict[str, Any]:
        """The policy version, or the restart's error reply when rank 0 had died."""
        async with self.lock:
            replies = await self._on_workers(lambda: [self.workers[0].policy_version.remote()])
        return replies[0] if isinstance(replies, list) else replies

    async def forward_backward(self, request: dict[str, Any]) -> dict[str, Any]:
        samples = request["samples"]
        aggregation = request["loss"].get("aggregation", "token-mean")
        total = batch_share(samples, aggregation)
        parts = split_batch(samples, self.world_size)

        def calls() -> list[Any]:
            pending = []
            for worker, indices in zip(self.workers, parts, strict=True):
                part = [samples[index] for index in indices]
                share = batch_share(part, aggregation) / total if total > 0 else 0.0
                pending.append(worker.forward_backward.remote({**request, "samples": part}, share))
            return pending

        async with self.lock:
            replies = await self._on_workers(calls)
        if isinstance(replies, dict):
            return replies
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
            replies = await self._on_workers(lambda: [worker.optim_step.remote(request) for worker in self.workers])
            if isinstance(replies, dict):
                return replies
            reply = replies[0]
            if "ok" in reply:
                return {**reply, "sync": await self._publish()}
            return reply

    async def save_state(self, request: dict[str, Any]) -> dict[str, Any]:
        async with self.lock:
            replies = await self._on_workers(lambda: [self.workers[0].save_state.remote(request)])
            if isinstance(replies, dict):
                return replies
            if "ok" in replies[0]:
                self.last_state = {"name": request["name"], "includeOptimizer": bool(request.get("includeOptimizer", True))}
            return replies[0]

    async def load_state(self, request: dict[str, Any]) -> dict[str, Any]:
        async with self.lock:
            replies = await self._on_workers(lambda: [worker.load_state.remote(request) for worker in self.workers])
            if isinstance(replies, dict):
                return replies
            for reply in replies:
                if "error" in reply:
                    return reply
            self.last_state = {"name": request["name"], "includeOptimizer": bool(request.get("includeOptimizer", True))}
            return {**replies[0], "sync": await self._publish()}

    async def current_sync(self) -> dict[str, Any] | None:
        return self.sync

    async def worker_pids(self) -> list[int]:
        """The workers' process ids (tests kill one)."""
        return await asyncio.gather(*(worker.pid.remote() for worker in self.workers))

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
