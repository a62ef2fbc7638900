"""Sampling with vLLM in process (the `vllm` extra), behind the same interface as the HF path in policy.py.

UNTESTED against a real vLLM: CI has no GPU and no vLLM. The pure parts (engine choice, parameter mapping,
output conversion) are unit-tested with plain data; the calls into vLLM follow its documented offline API:
`LLM(...)`, `LLM.generate` with `{"prompt_token_ids": ...}` prompts and `SamplingParams`, `LLM.collective_rpc`
with a `worker_extension_cls` for weight updates, `LLM.reset_prefix_cache`, and `LoRARequest` for adapters.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ajet_backend.errors import BackendError, ConfigError

if TYPE_CHECKING:
    import torch

    from ajet_backend.policy import Completion, SamplingParams

ENGINES = ("auto", "hf", "vllm")
FINISH_REASONS = {"stop": "stop", "length": "length", "abort": "abort"}
DTYPES = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}


def vllm_installed() -> bool:
    return importlib.util.find_spec("vllm") is not None


def resolve_engine(requested: str, *, vllm_available: bool, cuda_available: bool) -> str:
    """`--engine auto` picks vLLM when it is installed and a GPU is present, else the HF path."""
    if requested not in ENGINES:
        raise ConfigError("serve_engine", f"--engine {requested} is unknown: use auto, hf or vllm")
    if requested == "vllm" and not vllm_available:
        raise ConfigError("serve_engine_vllm_missing", "--engine vllm needs vLLM: pip install 'ajet_backend[vllm]' on a GPU machine, or pass --engine hf")
    if requested == "vllm" and not cuda_available:
        raise ConfigError("serve_engine_vllm_no_gpu", "--engine vllm needs a CUDA GPU; on CPU pass --engine hf")
    if requested == "auto":
        return "vllm" if vllm_available and cuda_available else "hf"
    return requested


def sampling_arguments(*, params: SamplingParams, n: int) -> dict[str, Any]:
    """Keyword arguments for `vllm.SamplingParams` from ours.

    `logprobs=0` returns the sampled token's logprob only. With the engine's `logprobs_mode="processed_logprobs"`
    that is the logprob under softmax(logits / temperature) (untempered when greedy), taken after top-p: for
    top_p < 1 the policy recomputes logprobs (see `needs_logprob_recompute`). top_k stays off: any truncation
    biases the importance ratio.
    """
    arguments: dict[str, Any] = {
        "n": n,
        "temperature": max(params.temperature, 0.0),
        "top_p": params.top_p,
        "max_tokens": params.max_tokens,
        "logprobs": 0,
        "stop_token_ids": list(params.stop_token_ids),
        "skip_special_tokens": False,
    }
    if params.stop:
        arguments["stop"] = list(params.stop)
        # The runtime keeps every sampled token; the text should show the stop string that ended it.
        arguments["include_stop_str_in_output"] = True
    if params.seed is not None:
        arguments["seed"] = int(params.seed)
    return arguments


def needs_logprob_recompute(params: SamplingParams) -> bool:
    """vLLM reports logprobs after top-p truncation; backbone.ts wants them before it."""
    return params.temperature > 0 and params.top_p < 1.0


def completions_from_output(request_output: Any) -> list[Completion]:
    """One vLLM `RequestOutput` (its `.outputs`: token_ids, logprobs as one {token id: Logprob} per token,
    finish_reason) to our Completions, in the order vLLM numbered them."""
    from ajet_backend.policy import Completion

    completions: list[Completion] = []
    for output in sorted(request_output.outputs, key=lambda item: item.index):
        token_ids = [int(token) for token in output.token_ids]
        if output.logprobs is None or len(output.logprobs) != len(token_ids):
            raise BackendError("VLLM_LOGPROBS_MISSING", f"vLLM returned {0 if output.logprobs is None else len(output.logprobs)} logprobs for {len(token_ids)} tokens; the engine must be built with logprobs enabled")
        logprobs = []
        for token, candidates in zip(token_ids, output.logprobs):
            entry = candidates.get(token)
            if entry is None:
                raise BackendError("VLLM_LOGPROBS_MISSING", f"vLLM gave no logprob for the sampled token {token}")
            logprobs.append(float(entry.logprob if hasattr(entry, "logprob") else entry))
        # finish_reason None means vLLM ran out of room, which the spec calls length.
        finish = FINISH_REASONS.get(output.finish_reason or "length", "length")
        completions.append(Completion(token_ids=token_ids, logprobs=logprobs, finish_reason=finish))
    return completions


@dataclass(frozen=True)
class VllmSettings:
    model: str
    dtype: str = "bf16"
    max_model_len: int = 4096
    gpu_memory_utilization: float = 0.5
    lora_rank: int = 0


class WeightLoader:
    """vLLM worker extension (`worker_extension_cls`): takes (name, tensor) pairs with the HF checkpoint names."""

    def ajet_load_weights(self, weights: list[tuple[str, Any]]) -> None:
        self.model_runner.model.load_weights(weights=weights)  # type: ignore[attr-defined]


class VllmEngine:
    """vLLM in this process, sharing the GPU with the trainer (`--gpu-memory-utilization` is its share)."""

    def __init__(self, settings: VllmSettings) -> None:
        # The engine core runs in this process, so collective_rpc hands tensors over without copies between processes.
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        from vllm import LLM

        if settings.dtype not in DTYPES:
            raise ConfigError("model_dtype", f"--dtype {settings.dtype} is unknown: use one of {', '.join(DTYPES)}")
        extra: dict[str, Any] = {}
        if settings.lora_rank > 0:
            extra.update(enable_lora=True, max_lora_rank=settings.lora_rank, max_loras=1)
        self.llm = LLM(
            model=settings.model,
            dtype=DTYPES[settings.dtype],
            max_model_len=settings.max_model_len,
            gpu_memory_utilization=settings.gpu_memory_utilization,
            logprobs_mode="processed_logprobs",
            # Sampling defaults from the model's generation_config (e.g. Qwen's top_k 20) would bias the ratio.
            generation_config="vllm",
            worker_extension_cls="ajet_backend.vllm_engine.WeightLoader",
            **extra,
        )
        self.adapter: Any = None

    def sample(self, *, prompt_ids: list[int], n: int, params: SamplingParams) -> list[Completion]:
        from vllm import SamplingParams as VllmSamplingParams

        sampling = VllmSamplingParams(**sampling_arguments(params=params, n=n))
        outputs = self.llm.generate([{"prompt_token_ids": list(prompt_ids)}], sampling, lora_request=self.adapter, use_tqdm=False)
        return completions_from_output(outputs[0])

    def load_weights(self, weights: Iterable[tuple[str, torch.Tensor]]) -> None:
        """Full weights after an optimizer step or LoadState; drops cached prefixes computed with the old ones."""
        self.llm.collective_rpc("ajet_load_weights", args=([(name, tensor.detach()) for name, tensor in weights],))
        self.llm.reset_prefix_cache()

    def load_adapter(self, *, path: str, version: int) -> None:
        """LoRA: the adapter folder written by save_pretrained becomes the one every later sample uses."""
        from vllm.lora.request import LoRARequest

        self.adapter = LoRARequest(f"policy-{version}", version + 1, path)
        self.llm.reset_prefix_cache()
