"""The ajet.v1 Backbone semantics (packages/spec/src/backbone.ts) over a Policy and a ChatRenderer, with
request and response objects in the spec's camelCase shape. The gRPC layer only maps messages to these."""

from __future__ import annotations

import json
import shutil
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ajet_backend.errors import BackendError
from ajet_backend.losses import KlPenalty, LossSpec
from ajet_backend.policy import OptimizerParams, Policy, SamplingParams, TrainingSample
from ajet_backend.rendering import ChatRenderer, Prefix
from ajet_backend.request_checks import RequestLimits, check_detokenize, check_forward_backward, check_optim_step, check_render_chat, check_sample, check_sample_chat
from ajet_backend.state_root import seal_state, state_damage, state_folder


def encode_int32(values: list[int]) -> bytes:
    return np.asarray(values, dtype="<i4").tobytes()


def decode_int32(data: bytes) -> list[int]:
    return np.frombuffer(data, dtype="<i4").tolist()


def encode_float32(values: list[float]) -> bytes:
    return np.asarray(values, dtype="<f4").tobytes()


def decode_float32(data: bytes) -> list[float]:
    return np.frombuffer(data, dtype="<f4").tolist()


def to_template_message(message: dict[str, Any]) -> dict[str, Any]:
    """ChatMessage (spec) to the dict a transformers chat template reads."""
    converted: dict[str, Any] = {"role": message["role"], "content": message.get("content", "")}
    tool_calls = message.get("toolCalls") or []
    if tool_calls:
        converted["tool_calls"] = [
            {"type": "function", "id": call.get("id"), "function": {"name": call["name"], "arguments": _parse_arguments(call["arguments"])}}
            for call in tool_calls
        ]
    if message.get("name"):
        converted["name"] = message["name"]
    if message.get("toolCallId"):
        converted["tool_call_id"] = message["toolCallId"]
    return converted


def _parse_arguments(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def loss_spec_from_request(raw: dict[str, Any]) -> LossSpec:
    kl = raw.get("kl")
    return LossSpec(
        type=raw["type"],
        aggregation=raw.get("aggregation", "token-mean"),
        clip_low=float(raw.get("clipLow", 0.2)),
        clip_high=float(raw.get("clipHigh", 0.2)),
        dual_clip=float(raw["dualClip"]) if raw.get("dualClip") is not None else None,
        kl=KlPenalty(beta=float(kl["beta"]), estimator=kl.get("estimator", "k3")) if kl else None,
    )


@dataclass(frozen=True)
class ServiceInfo:
    model: str
    tokenizer: str
    max_model_len: int


class BackboneService:
    def __init__(self, *, policy: Policy, renderer: ChatRenderer, info: ServiceInfo, state_root: str | None = None) -> None:
        self.policy = policy
        self.renderer = renderer
        self.info = info
        # SaveState/LoadState names live under this folder; without it both are refused.
        self.state_root = state_root
        # One model, one optimizer: every front (gRPC, Tinker HTTP) runs its calls one at a time under this lock.
        self.lock = threading.Lock()

    @property
    def limits(self) -> RequestLimits:
        return RequestLimits(max_model_len=self.info.max_model_len, vocab_size=self.policy.vocab_size)

    def get_info(self) -> dict[str, Any]:
        capabilities: dict[str, Any] = {"trainable": True, "lora": self.policy.is_lora, "maxModelLen": self.info.max_model_len}
        if self.policy.vocab_size is not None:
            capabilities["vocabSize"] = self.policy.vocab_size
        return {"model": self.info.model, "tokenizer": self.info.tokenizer, "policyVersion": self.policy.policy_version, "capabilities": capabilities}

    def render_chat(self, request: dict[str, Any]) -> dict[str, Any]:
        check_render_chat(request, self.limits)
        prefix = request.get("prefix")
        token_ids = self.renderer.render(
            messages=[to_template_message(message) for message in request["messages"]],
            tools=[{"type": "function", "function": tool} for tool in request.get("tools") or []] or None,
            add_generation_prompt=request.get("addGenerationPrompt", True),
            prefix=Prefix(token_ids=list(prefix["tokenIds"]), message_count=int(prefix["messageCount"])) if prefix else None,
        )
        return {"tokenIds": token_ids}

    def detokenize(self, request: dict[str, Any]) -> dict[str, Any]:
        check_detokenize(request, self.limits)
        return {"pieces": self.renderer.detokenize(list(request["tokenIds"]))}

    def sample(self, request: dict[str, Any]) -> dict[str, Any]:
        check_sample(request, self.limits)
        sampling = request.get("sampling") or {}
        prompt = list(request["promptIds"])
        room = self.info.max_model_len - len(prompt)
        if room <= 0:
            raise BackendError("SAMPLE_PROMPT_TOO_LONG", f"Sample: the prompt has {len(prompt)} tokens but --max-model-len is {self.info.max_model_len}; shorten the episode or raise --max-model-len")
        stop_strings = list(sampling.get("stop") or [])
        renderer = self.renderer

        def should_stop(tokens: list[int]) -> bool:
            tail = renderer.stop_tail(prompt, tokens)
            return any(stop in tail for stop in stop_strings)

        params = SamplingParams(
            max_tokens=min(int(sampling.get("maxTokens", room)), room),
            temperature=float(sampling.get("temperature", 1.0)),
            top_p=float(sampling.get("topP", 1.0)),
            # The tokenizer's end tokens, unless the request names its own (Tinker's stop token ids; [] for none).
            stop_token_ids=tuple(self.renderer.stop_token_ids if request.get("stopTokenIds") is None else request["stopTokenIds"]),
            seed=sampling.get("seed"),
            should_stop=should_stop if stop_strings else None,
            stop=tuple(stop_strings),
        )
        completions = self.policy.sample(prompt_ids=prompt, n=int(request.get("n", 1)), params=params)
        return {
            "completions": [
                {
                    "tokenIds": completion.token_ids,
                    "logprobs": completion.logprobs,
                    "text": renderer.completion_text(prompt, completion.token_ids),
                    "finishReason": completion.finish_reason,
                }
                for completion in completions
            ],
            "policyVersion": self.policy.policy_version,
        }

    def sample_chat(self, request: dict[str, Any]) -> dict[str, Any]:
        """render_chat (with the generation prompt) then sample on prefix + rendered tokens, maxTokens clamped to
        the room left; no completions when there is none."""
        check_sample_chat(request, self.limits)
        prefix = request.get("prefix")
        rendered = self.render_chat({key: request[key] for key in ("messages", "tools", "prefix") if key in request})["tokenIds"]
        prompt = [*(prefix["tokenIds"] if prefix else []), *rendered]
        if len(prompt) >= self.info.max_model_len:
            return {"renderedIds": rendered, "completions": [], "policyVersion": self.policy.policy_version}
        sampled = self.sample({"promptIds": prompt, "n": request.get("n", 1), "sampling": request.get("sampling") or {}})
        return {"renderedIds": rendered, **sampled}

    def forward_backward(self, request: dict[str, Any]) -> dict[str, Any]:
        check_forward_backward(request, self.limits)
        samples = [
            TrainingSample(
                token_ids=list(sample["tokenIds"]),
                loss_mask=[int(value) for value in sample["lossMask"]],
                sampler_logprobs=[float(value) for value in sample["samplerLogprobs"]],
                advantage=float(sample["advantage"]),
            )
            for sample in request["samples"]
        ]
        totals = self.policy.forward_backward(samples=samples, spec=loss_spec_from_request(request["loss"]), loss_scale=float(request.get("lossScale", 1.0)), temperature=float(request.get("temperature", 1.0)))
        return {"loss": totals.loss, "metrics": totals.metrics}

    def optim_step(self, request: dict[str, Any]) -> dict[str, Any]:
        """After a non-finite loss or gradient norm nothing is applied: gradNorm comes back NaN, policyVersion unchanged."""
        check_optim_step(request)
        version, grad_norm = self.policy.optim_step(
            OptimizerParams(
                learning_rate=float(request["learningRate"]),
                beta1=float(request.get("beta1", 0.9)),
                beta2=float(request.get("beta2", 0.999)),
                eps=float(request.get("eps", 1e-8)),
                weight_decay=float(request.get("weightDecay", 0.0)),
                max_grad_norm=float(request.get("maxGradNorm", 0.0)),
            )
        )
        return {"policyVersion": version, "gradNorm": grad_norm}

    def _state_folder(self, name: str) -> str:
        if self.state_root is None:
            raise BackendError("STATE_ROOT_MISSING", "this server keeps no state: it was started without a state root", hint="Start `python -m ajet_backend serve` with --state-root DIR.")
        return state_folder(self.state_root, name)

    def save_state(self, request: dict[str, Any]) -> dict[str, Any]:
        """Saves under the state root by `name`; answers the absolute folder on this machine."""
        path = self._state_folder(request["name"])
        # Checked before saving, so a bad name to remove fails the call before anything is written.
        removed = [self._state_folder(name) for name in request.get("remove", [])]
        self.policy.save_state(path=path, include_optimizer=bool(request.get("includeOptimizer", True)))
        seal_state(path)
        for folder in removed:
            if folder != path:
                shutil.rmtree(folder, ignore_errors=True)
        return {"path": path}

    def load_state(self, request: dict[str, Any]) -> dict[str, Any]:
        path = self._state_folder(request["name"])
        damage = state_damage(path)
        if damage is not None:
            raise BackendError("STATE_DAMAGED", f"state {request['name']} is damaged: {damage}", hint="Load an older state; the trainer’s --resume does so by itself.")
        self.policy.load_state(path=path, include_optimizer=bool(request.get("includeOptimizer", True)))
        return {"path": path}
