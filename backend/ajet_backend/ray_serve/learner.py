"""The learner: N data-parallel workers (Ray actors), each with the whole model and an optimizer. A ForwardBackward
batch is split across them; each computes its part's loss, scaled by its share of the batch, so that the summed
gradients (torch.distributed all-reduce; gloo on CPU, NCCL on GPUs) are the gradient of the whole batch. Every
worker then takes the same optimizer step and keeps identical weights; rank 0 saves and hands out the weights."""

from __future__ import annotations

import math
import os
import socket
from typing import Any

import torch
import torch.distributed as dist

from ajet_backend.ray_serve.model_service import build_model_service, export_weights
from ajet_backend.ray_serve.remote_errors import answer


def split_batch(samples: list[dict[str, Any]], parts: int) -> list[list[int]]:
    """Sample indices per worker: longest first, each to the worker with the fewest tokens so far."""
    loads = [0] * parts
    assignment: list[list[int]] = [[] for _ in range(parts)]
    for index in sorted(range(len(samples)), key=lambda i: -len(samples[i]["tokenIds"])):
        worker = min(range(parts), key=lambda w: (loads[w], w))
        assignment[worker].append(index)
        loads[worker] += len(samples[index]["tokenIds"])
    return [sorted(indices) for indices in assignment]


def batch_share(samples: list[dict[str, Any]], aggregation: str) -> float:
    """What a part weighs in its batch's loss: trained tokens (token-mean) or sequences with any (seq-mean)."""
    if aggregation == "seq-mean":
        return float(sum(1 for sample in samples if sum(sample["lossMask"]) > 0))
    return float(sum(sum(sample["lossMask"]) for sample in samples))


class LearnerWorker:
    """One data-parallel rank (created as a Ray actor by the Learner deployment)."""

    def __init__(self, *, rank: int, world_size: int, options: dict[str, Any], micro_batch_tokens: int, state_root: str | None, threads: int = 1) -> None:
        torch.set_num_threads(threads)
        self.rank = rank
        self.world_size = world_size
        self.service = build_model_service(options=options, role="learner", micro_batch_tokens=micro_batch_tokens, state_root=state_root)

    def rendezvous(self) -> tuple[str, int]:
        """Rank 0's address and a free port for the process group."""
        host = "127.0.0.1" if os.environ.get("AJET_RAY_LOOPBACK") else socket.gethostbyname(socket.gethostname())
        with socket.socket() as probe:
            probe.bind(("", 0))
            return host, probe.getsockname()[1]

    def join(self, host: str, port: int, backend: str) -> None:
        dist.init_process_group(backend=backend, init_method=f"tcp://{host}:{port}", rank=self.rank, world_size=self.world_size)

    def _trainable(self) -> list[torch.nn.Parameter]:
        return [parameter for parameter in self.service.policy.model.parameters() if parameter.requires_grad]

    def forward_backward(self, request: dict[str, Any], share: float) -> dict[str, Any]:
        """This rank's part (request["samples"], maybe empty) with its loss scaled by `share`, then the gradients
        summed over ranks. Answers this part's loss and metrics (already scaled) and its trained-token count."""

        def work() -> dict[str, Any]:
            result = {"loss": 0.0, "metrics": {"tokens": 0.0}}
            if request["samples"] and share > 0:
                scaled = {**request, "lossScale": float(request.get("lossScale", 1.0)) * share}
                result = self.service.forward_backward(scaled)
            return result

        # Gradients accumulate over calls until optim_step: what earlier calls left is already summed over ranks, so
        # only this call's part is all-reduced (summing the whole gradient again would count it world_size times).
        trainable = self._trainable()
        earlier = [None if parameter.grad is None else parameter.grad.detach().clone() for parameter in trainable]
        reply = answer(work)
        # Every rank reaches the all-reduce, even after an error, or the others would wait forever.
        for parameter in trainable:
            if parameter.grad is None:
                parameter.grad = torch.zeros_like(parameter)
        local_loss = reply["ok"]["loss"] if "ok" in reply else 0.0
        grad = trainable[0].grad
        parts = [parameter.grad.reshape(-1) if before is None else (parameter.grad - before).reshape(-1) for parameter, before in zip(trainable, earlier, strict=True)]
        flat = torch.cat(parts + [torch.tensor([local_loss], dtype=grad.dtype, device=grad.device)])
        if self.world_size > 1:
            dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        offset = 0
        for parameter, before in zip(trainable, earlier, strict=True):
            size = parameter.grad.numel()
            summed = flat[offset : offset + size].view_as(parameter.grad)
            parameter.grad.copy_(summed if before is None else before + summed)
            offset += size
        # A non-finite loss anywhere skips the next step on every rank (Policy.optim_step).
        if not math.isfinite(float(flat[-1])):
            self.service.policy._non_finite_loss = True  # noqa: SLF001 (the flag Policy.forward_backward sets)
        return reply

    def optim_step(self, request: dict[str, Any]) -> dict[str, Any]:
        return answer(lambda: self.service.optim_step(request))

    def save_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return answer(lambda: self.service.save_state(request))

    def load_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return answer(lambda: self.service.load_state(request))

    def weights(self) -> tuple[dict[str, torch.Tensor], int]:
        """The trainable weights (detached copies; the adapter only under LoRA) and their policy version."""
        return export_weights(self.service)

    def pid(self) -> int:
        """This worker's process id (tests kill it)."""
        return os.getpid()

    def policy_version(self) -> int:
        return self.service.policy.policy_version

    def gradients(self) -> torch.Tensor:
        """The accumulated gradient, flat (tests)."""
        return torch.cat([(parameter.grad if parameter.grad is not None else torch.zeros_like(parameter)).reshape(-1) for parameter in self._trainable()]).cpu()

    @torch.no_grad()
    def logprobs(self, token_ids: list[int]) -> list[float]:
        """Per-token logprobs of a sequence under the current weights (position 0 is 0) (tests)."""
        policy = self.service.policy
        policy.model.eval()
        ids = torch.tensor([token_ids], dtype=torch.long, device=policy.settings.device)
        return policy._shifted_logprobs(policy.model, ids, torch.ones_like(ids))[0].tolist()  # noqa: SLF001

    def close(self) -> None:
        if dist.is_initialized():
            dist.destroy_process_group()
