"""The model layer: any causal LM whose forward takes `input_ids` (and optionally `past_key_values`,
`use_cache`) and returns an object with `.logits` (B, T, V). transformers models fit; so do small test models."""

from __future__ import annotations

import copy
import math
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import torch

from ajet_backend.errors import BackendError, ConfigError
from ajet_backend.losses import LossSpec, compute_loss, token_logprobs


@dataclass(frozen=True)
class PolicySettings:
    micro_batch_tokens: int = 8192
    keep_reference: bool = True
    device: str = "cpu"


@dataclass(frozen=True)
class TrainingSample:
    token_ids: list[int]
    # 0/1 per token for the spec's losses; under a summed loss (aggregation "sum") any weight >= 0 (Tinker's
    # per-token `weights`).
    loss_mask: list[float]
    sampler_logprobs: list[float]
    advantage: float
    # One advantage per token (Tinker's `advantages`); when set it replaces `advantage`.
    token_advantages: list[float] | None = None


@dataclass(frozen=True)
class Completion:
    token_ids: list[int]
    logprobs: list[float]
    finish_reason: str


@dataclass(frozen=True)
class SamplingParams:
    max_tokens: int
    temperature: float = 1.0
    top_p: float = 1.0
    stop_token_ids: tuple[int, ...] = ()
    seed: int | None = None
    # Called with a row's tokens so far; True ends that completion (text stop strings).
    should_stop: Callable[[list[int]], bool] | None = None
    # The stop strings themselves, for an engine that matches them on its own (vLLM).
    stop: tuple[str, ...] = ()


class SamplingEngine(Protocol):
    """A faster sampler beside the trainer (vllm_engine.VllmEngine): it samples, and takes new weights after a step."""

    def sample(self, *, prompt_ids: list[int], n: int, params: SamplingParams) -> list[Completion]: ...

    def load_weights(self, weights: Iterable[tuple[str, torch.Tensor]]) -> None: ...

    def load_adapter(self, *, path: str, version: int) -> None: ...


@dataclass
class OptimizerParams:
    learning_rate: float
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0
    max_grad_norm: float = 0.0


@dataclass
class _ForwardBackwardTotals:
    loss: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)
    # Per sample, in request order: the policy's logprob of each token given the ones before it (0 at position 0).
    token_logprobs: list[list[float]] = field(default_factory=list)


def _micro_batches(samples: list[TrainingSample], token_budget: int) -> list[list[int]]:
    """Index groups whose padded size (count x longest) stays within the budget; one sample always fits."""
    order = sorted(range(len(samples)), key=lambda index: len(samples[index].token_ids))
    groups: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = len(samples[index].token_ids)
        if current and (len(current) + 1) * longest > token_budget:
            groups.append(current)
            current = []
        current.append(index)
    if current:
        groups.append(current)
    return groups


class Policy:
    """Sampling and training on one causal LM. Gradients accumulate across forward_backward until optim_step."""

    def __init__(self, model: torch.nn.Module, settings: PolicySettings | None = None, engine: SamplingEngine | None = None) -> None:
        self.settings = settings or PolicySettings()
        # Samples come from the engine when there is one (vLLM), else from the model itself (HF, KV cache).
        self.engine = engine
        self._adapter_folder: tempfile.TemporaryDirectory[str] | None = None
        self.model = model.to(self.settings.device)
        # Under LoRA the reference policy is the base weights: the same model with its adapter turned off.
        self.is_lora = hasattr(model, "disable_adapter") and hasattr(model, "peft_config")
        self.reference = self._frozen_copy(model) if self.settings.keep_reference and not self.is_lora else None
        self.optimizer: torch.optim.AdamW | None = None
        self.policy_version = 0
        # Counts every change of the weights (an applied step, a loaded state); samplers pinned to weights
        # (tinker_front.py) check it. policy_version may return to an earlier value on load; this never does.
        self.weights_generation = 0
        # A forward_backward since the last optim_step gave a non-finite loss: that step is skipped.
        self._non_finite_loss = False

    @property
    def vocab_size(self) -> int | None:
        """Rows of the input embedding: the token ids the model can read (None when the model does not say)."""
        embeddings = getattr(self.model, "get_input_embeddings", None)
        table = embeddings() if embeddings is not None else None
        rows = getattr(table, "num_embeddings", None)
        if rows is None:
            rows = getattr(getattr(self.model, "config", None), "vocab_size", None)
        return int(rows) if rows is not None else None

    @staticmethod
    def _frozen_copy(model: torch.nn.Module) -> torch.nn.Module:
        reference = copy.deepcopy(model)
        reference.eval()
        for parameter in reference.parameters():
            parameter.requires_grad_(False)
        return reference

    def _trainable(self) -> list[torch.nn.Parameter]:
        return [parameter for parameter in self.model.parameters() if parameter.requires_grad]

    def _batch_tensors(self, batch: list[TrainingSample]) -> dict[str, torch.Tensor]:
        length = max(len(sample.token_ids) for sample in batch)
        device = self.settings.device
        ids = torch.zeros((len(batch), length), dtype=torch.long, device=device)
        attention = torch.zeros((len(batch), length), dtype=torch.long, device=device)
        mask = torch.zeros((len(batch), length), dtype=torch.float32, device=device)
        sampler = torch.zeros((len(batch), length), dtype=torch.float32, device=device)
        per_token = any(sample.token_advantages is not None for sample in batch)
        token_advantages = torch.zeros((len(batch), length), dtype=torch.float32, device=device)
        for row, sample in enumerate(batch):
            size = len(sample.token_ids)
            ids[row, :size] = torch.tensor(sample.token_ids)
            attention[row, :size] = 1
            mask[row, :size] = torch.tensor(sample.loss_mask, dtype=torch.float32)
            sampler[row, :size] = torch.tensor(sample.sampler_logprobs, dtype=torch.float32)
            values = sample.token_advantages if sample.token_advantages is not None else [sample.advantage] * size
            token_advantages[row, :size] = torch.tensor(values, dtype=torch.float32)
        # (B,) broadcast over each sequence, or (B, T) when a sample carries one advantage per token.
        advantages = token_advantages if per_token else torch.tensor([sample.advantage for sample in batch], dtype=torch.float32, device=device)
        return {"ids": ids, "attention": attention, "mask": mask, "sampler": sampler, "advantages": advantages}

    def _shifted_logprobs(self, model: torch.nn.Module, ids: torch.Tensor, attention: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
        logits = model(input_ids=ids, attention_mask=attention).logits
        if temperature != 1.0:
            logits = logits / temperature
        # logits[t] predicts token t+1; position 0 has no prediction and is padded with 0 (mask is 0 there).
        shifted = token_logprobs(logits[:, :-1, :], ids[:, 1:])
        return torch.cat([torch.zeros_like(shifted[:, :1]), shifted], dim=1)

    @torch.no_grad()
    def _reference_logprobs(self, ids: torch.Tensor, attention: torch.Tensor, temperature: float = 1.0) -> torch.Tensor | None:
        if self.is_lora:
            with self.model.disable_adapter():
                return self._shifted_logprobs(self.model, ids, attention, temperature)
        if self.reference is None:
            return None
        return self._shifted_logprobs(self.reference, ids, attention, temperature)

    def forward_backward(self, *, samples: list[TrainingSample], spec: LossSpec, loss_scale: float = 1.0, temperature: float = 1.0, forward_only: bool = False) -> _ForwardBackwardTotals:
        """The loss of `samples` (its gradients added to the accumulated ones unless `forward_only`), its metrics,
        and each sample's token logprobs."""
        spec.validate()
        for position, sample in enumerate(samples):
            sizes = {len(sample.token_ids), len(sample.loss_mask), len(sample.sampler_logprobs)}
            if sample.token_advantages is not None:
                sizes.add(len(sample.token_advantages))
            if len(sizes) != 1:
                raise BackendError("SAMPLE_SHAPE", f"samples[{position}]: tokenIds, lossMask and samplerLogprobs differ in length ({sorted(sizes)}); send arrays of one length")
            if sample.loss_mask and sample.loss_mask[0] != 0:
                raise BackendError("SAMPLE_MASK", f"samples[{position}].lossMask[0] is 1: the first token has no prediction; mask it out")
        total_mask = sum(sum(sample.loss_mask) for sample in samples)
        total_sequences = sum(1 for sample in samples if sum(sample.loss_mask) > 0)
        self.model.train()
        totals = _ForwardBackwardTotals(metrics={"tokens": float(sum(sum(1 for value in sample.loss_mask if value > 0) for sample in samples))})
        totals.token_logprobs = [[] for _ in samples]
        weighted: dict[str, float] = {}
        for group in _micro_batches(samples, self.settings.micro_batch_tokens):
            batch = [samples[index] for index in group]
            tensors = self._batch_tensors(batch)
            with torch.set_grad_enabled(not forward_only):
                logprobs = self._shifted_logprobs(self.model, tensors["ids"], tensors["attention"], temperature)
            rows = logprobs.detach().tolist()
            for row, index in enumerate(group):
                totals.token_logprobs[index] = rows[row][: len(samples[index].token_ids)]
            reference = None
            if spec.kl is not None and spec.type != "cross_entropy":
                reference = self._reference_logprobs(tensors["ids"], tensors["attention"], temperature)
            result = compute_loss(
                spec=spec,
                logprobs=logprobs,
                mask=tensors["mask"],
                sampler_logprobs=tensors["sampler"],
                advantages=tensors["advantages"],
                reference_logprobs=reference,
            )
            # Micro-batch means are reweighted so that the sum equals the mean over the whole call.
            group_mask = float(tensors["mask"].sum().item())
            group_sequences = float((tensors["mask"].sum(dim=-1) > 0).sum().item())
            if spec.aggregation == "sum":
                weight = 1.0
            elif spec.aggregation == "token-mean":
                weight = group_mask / max(total_mask, 1)
            else:
                weight = group_sequences / max(total_sequences, 1)
            if not forward_only:
                (result.loss * weight * loss_scale).backward()
            totals.loss += float(result.loss.item()) * weight * loss_scale
            for key, value in result.metrics.items():
                if key != "tokens":
                    weighted[key] = weighted.get(key, 0.0) + value * group_mask / max(total_mask, 1)
        totals.metrics.update(weighted)
        if not forward_only and not math.isfinite(totals.loss):
            self._non_finite_loss = True
        return totals

    def optim_step(self, params: OptimizerParams) -> tuple[int, float]:
        """One AdamW step; (policy version, gradient norm before clipping). After a non-finite loss or gradient
        norm nothing is applied: the gradients are zeroed, the version stays, and the norm comes back non-finite."""
        if params.learning_rate < 0:
            raise ConfigError("OPTIM_LEARNING_RATE", f"learningRate is {params.learning_rate}: it must be >= 0")
        trainable = self._trainable()
        gradients = [parameter.grad for parameter in trainable if parameter.grad is not None]
        grad_norm = float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.float()) for g in gradients])).item()) if gradients else 0.0
        non_finite_loss, self._non_finite_loss = self._non_finite_loss, False
        if non_finite_loss or not math.isfinite(grad_norm):
            for parameter in trainable:
                parameter.grad = None
            return self.policy_version, grad_norm if not math.isfinite(grad_norm) else math.nan
        if self.optimizer is None:
            self.optimizer = torch.optim.AdamW(trainable, lr=params.learning_rate)
        for group in self.optimizer.param_groups:
            group.update(lr=params.learning_rate, betas=(params.beta1, params.beta2), eps=params.eps, weight_decay=params.weight_decay)
        if gradients and params.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(trainable, params.max_grad_norm)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.policy_version += 1
        self.weights_generation += 1
        self._sync_engine()
        return self.policy_version, grad_norm

    def _sync_engine(self) -> None:
        """After the weights change, the engine samples with the new ones: the adapter under LoRA, else all weights."""
        if self.engine is None:
            return
        if self.is_lora:
            if self._adapter_folder is None:
                self._adapter_folder = tempfile.TemporaryDirectory(prefix="ajet-adapter-")
            path = os.path.join(self._adapter_folder.name, f"v{self.policy_version}")
            self.model.save_pretrained(path)
            self.engine.load_adapter(path=path, version=self.policy_version)
        else:
            self.engine.load_weights(self.model.named_parameters())

    @torch.no_grad()
    def _recompute_logprobs(self, prompt_ids: list[int], completions: list[Completion], temperature: float) -> list[Completion]:
        """Logprobs of each completion under softmax(logits / temperature) from this model (no top-p truncation)."""
        self.model.eval()
        recomputed = []
        for completion in completions:
            if not completion.token_ids:
                recomputed.append(completion)
                continue
            ids = torch.tensor([prompt_ids + completion.token_ids], dtype=torch.long, device=self.settings.device)
            logprobs = self._shifted_logprobs(self.model, ids, torch.ones_like(ids), temperature)[0, len(prompt_ids) :]
            recomputed.append(Completion(token_ids=completion.token_ids, logprobs=logprobs.tolist(), finish_reason=completion.finish_reason))
        return recomputed

    @torch.no_grad()
    def sample(self, *, prompt_ids: list[int], n: int, params: SamplingParams) -> list[Completion]:
        """Batched ancestral sampling with a KV cache (or the engine); logprobs under softmax(logits / temperature), before top-p."""
        if not prompt_ids:
            raise BackendError("SAMPLE_EMPTY_PROMPT", "Sample: promptIds is empty; render a chat first")
        if self.engine is not None:
            from ajet_backend.vllm_engine import needs_logprob_recompute

            completions = self.engine.sample(prompt_ids=prompt_ids, n=n, params=params)
            if needs_logprob_recompute(params):
                completions = self._recompute_logprobs(prompt_ids, completions, params.temperature)
            return completions
        self.model.eval()
        generator = torch.Generator(device=self.settings.device)
        if params.seed is not None:
            generator.manual_seed(params.seed)
        else:
            generator.seed()
        ids = torch.tensor([prompt_ids] * n, dtype=torch.long, device=self.settings.device)
        output = self.model(input_ids=ids, use_cache=True)
        past = getattr(output, "past_key_values", None)
        logits = output.logits[:, -1, :]
        tokens: list[list[int]] = [[] for _ in range(n)]
        logprobs: list[list[float]] = [[] for _ in range(n)]
        finished = [False] * n
        reasons = ["length"] * n
        stop = set(params.stop_token_ids)
        sequence = ids
        for _ in range(params.max_tokens):
            logp = self._sampling_logprobs(logits.float(), params)
            if params.temperature <= 0:
                chosen = logp.argmax(dim=-1)
            else:
                chosen = torch.multinomial(self._nucleus(logp, params.top_p).exp(), 1, generator=generator).squeeze(-1)
            # The reported logprob is under the tempered distribution before top-p truncation (backbone.ts).
            chosen_logp = logp.gather(-1, chosen.unsqueeze(-1)).squeeze(-1)
            # One device-to-host copy per step rather than one per row.
            chosen_list, chosen_logp_list = chosen.tolist(), chosen_logp.tolist()
            for row in range(n):
                if finished[row]:
                    continue
                token = chosen_list[row]
                tokens[row].append(token)
                logprobs[row].append(chosen_logp_list[row])
                if token in stop or (params.should_stop is not None and params.should_stop(tokens[row])):
                    finished[row] = True
                    reasons[row] = "stop"
            if all(finished):
                break
            step = chosen.unsqueeze(-1)
            if past is not None:
                output = self.model(input_ids=step, past_key_values=past, use_cache=True)
                past = output.past_key_values
            else:
                sequence = torch.cat([sequence, step], dim=1)
                output = self.model(input_ids=sequence)
            logits = output.logits[:, -1, :]
        return [Completion(token_ids=tokens[row], logprobs=logprobs[row], finish_reason=reasons[row]) for row in range(n)]

    @staticmethod
    def _sampling_logprobs(logits: torch.Tensor, params: SamplingParams) -> torch.Tensor:
        """log softmax(logits / temperature); untempered when greedy."""
        scaled = logits / params.temperature if params.temperature > 0 else logits
        return torch.log_softmax(scaled, dim=-1)

    @staticmethod
    def _nucleus(logp: torch.Tensor, top_p: float) -> torch.Tensor:
        """logp renormalised over the smallest set of most likely tokens holding at least top_p of the mass."""
        if top_p >= 1.0:
            return logp
        sorted_logp, order = logp.sort(dim=-1, descending=True)
        cumulative = sorted_logp.exp().cumsum(dim=-1)
        drop_sorted = cumulative - sorted_logp.exp() >= top_p
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        return torch.log_softmax(logp.masked_fill(drop, float("-inf")), dim=-1)

    def save_state(self, *, path: str, include_optimizer: bool) -> None:
        os.makedirs(path, exist_ok=True)
        save_pretrained = getattr(self.model, "save_pretrained", None)
        if save_pretrained is not None:
            save_pretrained(path)
        else:
            torch.save(self.model.state_dict(), os.path.join(path, "model.pt"))
        state = {"policy_version": self.policy_version}
        if include_optimizer and self.optimizer is not None:
            state["optimizer"] = self.optimizer.state_dict()
        torch.save(state, os.path.join(path, "trainer_state.pt"))

    def load_state(self, *, path: str, include_optimizer: bool) -> None:
        state_file = os.path.join(path, "trainer_state.pt")
        if not os.path.isfile(state_file):
            raise BackendError("STATE_MISSING", f"LoadState: {state_file} does not exist; pass a folder written by SaveState")
        adapter_file = os.path.join(path, "adapter_model.safetensors")
        if self.is_lora and os.path.isfile(adapter_file):
            from peft import set_peft_model_state_dict
            from safetensors.torch import load_file

            set_peft_model_state_dict(self.model, load_file(adapter_file))
        else:
            self.model.load_state_dict(self._read_weights(path), strict=False)
        state = torch.load(state_file, weights_only=True)
        self.policy_version = int(state["policy_version"])
        self.weights_generation += 1
        self._non_finite_loss = False
        self._sync_engine()
        if include_optimizer:
            # A state saved before any step has no optimizer: the restored policy starts with a fresh one.
            self.optimizer = None
            if "optimizer" in state:
                self.optimizer = torch.optim.AdamW(self._trainable(), lr=1e-6)
                self.optimizer.load_state_dict(state["optimizer"])

    @staticmethod
    def _read_weights(path: str) -> dict[str, torch.Tensor]:
        safetensors_file = os.path.join(path, "model.safetensors")
        if os.path.isfile(safetensors_file):
            from safetensors.torch import load_file

            return load_file(safetensors_file)
        plain = os.path.join(path, "model.pt")
        if os.path.isfile(plain):
            return torch.load(plain, weights_only=True)
        raise BackendError("STATE_WEIGHTS_MISSING", f"LoadState: no model.safetensors or model.pt in {path}; pass a folder written by SaveState")
