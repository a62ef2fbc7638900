"""The rules every request meets before it touches the model: the one Python copy of
packages/spec/src/backbone-request-checks.ts (same rules, same field paths, same messages). Requests are the
spec's camelCase dicts that service.py takes."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ajet_backend.errors import BackendError

DEFAULT_MAX_COMPLETIONS = 64
MAX_STOP_STRINGS = 32
MAX_STOP_STRING_CHARS = 1000
CHAT_ROLES = ("system", "user", "assistant", "tool")
INVALID_REQUEST = "BACKBONE_INVALID_REQUEST"
# The hint @ajet/spec's BackboneRequestError gives.
INVALID_REQUEST_HINT = "The request was refused before it reached the model; fix the caller."


def default_max_render_chars(max_model_len: int) -> int:
    """No tokenizer turns more than 64 characters into one token, so a longer chat cannot fit the model. At least
    4 Mi characters: a chat only somewhat past the context still renders, and the runtime ends that episode with
    finish reason `length` rather than an error."""
    return max(4 * 1024 * 1024, max_model_len * 64)


@dataclass(frozen=True)
class RequestLimits:
    max_model_len: int
    # Token ids must be in 0..vocab_size-1; unchecked when None.
    vocab_size: int | None = None
    max_completions: int = DEFAULT_MAX_COMPLETIONS
    max_render_chars: int | None = None


class RequestError(BackendError):
    """A request that breaks a rule of the backend protocol; `field` is the path to the bad value."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(INVALID_REQUEST, f"{field}{problem}.", hint=INVALID_REQUEST_HINT)
        self.field = field


def _number(value: float) -> str:
    """Numbers written as JavaScript writes them, so both servers give the same message."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
    return str(value)


def _check_token_ids(field: str, token_ids: Sequence[int], limits: RequestLimits) -> None:
    top = 0x7FFFFFFF if limits.vocab_size is None else limits.vocab_size - 1
    for index, token in enumerate(token_ids):
        if not isinstance(token, int) or token < 0 or token > top:
            shown = "int32" if limits.vocab_size is None else str(top)
            raise RequestError(f"{field}[{index}]", f"={_number(token)} is outside the vocabulary (0..{shown})")


def _describe(minimum: float | None, above: float | None, maximum: float | None, below: float | None) -> str:
    parts = []
    if minimum is not None:
        parts.append(f">= {_number(minimum)}")
    if above is not None:
        parts.append(f"> {_number(above)}")
    if maximum is not None:
        parts.append(f"<= {_number(maximum)}")
    if below is not None:
        parts.append(f"< {_number(below)}")
    return f" {' and '.join(parts)}" if parts else ""


def _check_finite(field: str, value: Any, *, minimum: float | None = None, above: float | None = None, maximum: float | None = None, below: float | None = None) -> None:
    if value is None:
        return
    bad = (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or (minimum is not None and value < minimum)
        or (above is not None and value <= above)
        or (maximum is not None and value > maximum)
        or (below is not None and value >= below)
    )
    if bad:
        raise RequestError(field, f"={_number(value)}: expected a finite number{_describe(minimum, above, maximum, below)}")


def _check_whole(field: str, value: Any, *, minimum: int, maximum: int | None = None) -> None:
    if value is None:
        return
    whole = isinstance(value, int) and not isinstance(value, bool)
    if not whole or value < minimum or (maximum is not None and value > maximum):
        upper = f" to {maximum}" if maximum is not None else ""
        raise RequestError(field, f"={_number(value)}: expected a whole number from {minimum}{upper}")


def _check_sampling(sampling: dict[str, Any]) -> None:
    _check_finite("sampling.temperature", sampling.get("temperature"), minimum=0)
    _check_finite("sampling.topP", sampling.get("topP"), above=0, maximum=1)
    # No upper bound: the service clamps maxTokens to the room left in max_model_len.
    _check_whole("sampling.maxTokens", sampling.get("maxTokens"), minimum=0)
    seed = sampling.get("seed")
    if seed is not None and (not isinstance(seed, int) or abs(seed) > 2**53 - 1):
        raise RequestError("sampling.seed", f"={_number(seed)}: expected a whole number")
    stop = list(sampling.get("stop") or [])
    if len(stop) > MAX_STOP_STRINGS:
        raise RequestError("sampling.stop", f" has {len(stop)} strings; at most {MAX_STOP_STRINGS}")
    for index, text in enumerate(stop):
        if len(text) > MAX_STOP_STRING_CHARS:
            raise RequestError(f"sampling.stop[{index}]", f" has {len(text)} characters; at most {MAX_STOP_STRING_CHARS}")


def _check_completions(n: Any, limits: RequestLimits) -> None:
    _check_whole("n", n, minimum=1, maximum=limits.max_completions)


def _message_chars(message: dict[str, Any]) -> int:
    chars = len(message.get("content") or "") + len(message.get("name") or "") + len(message.get("toolCallId") or "")
    for call in message.get("toolCalls") or []:
        chars += len(call.get("id") or "") + len(call.get("name") or "") + len(call.get("arguments") or "")
    return chars


def _tool_chars(tool: dict[str, Any]) -> int:
    return len(tool.get("name") or "") + len(tool.get("description") or "") + len(json.dumps(tool.get("parameters") or {}, separators=(",", ":")))


def _check_chat(request: dict[str, Any], limits: RequestLimits) -> None:
    max_chars = limits.max_render_chars if limits.max_render_chars is not None else default_max_render_chars(limits.max_model_len)
    messages = request.get("messages") or []
    chars = 0
    for index, message in enumerate(messages):
        role = message.get("role")
        if role not in CHAT_ROLES:
            raise RequestError(f"messages[{index}].role", f'="{str(role)[:40]}": expected system, user, assistant or tool')
        chars += _message_chars(message)
        if chars > max_chars:
            raise RequestError(f"messages[{index}]", f": the chat passes {max_chars} characters, more than the model can read")
    for index, tool in enumerate(request.get("tools") or []):
        chars += _tool_chars(tool)
        if chars > max_chars:
            raise RequestError(f"tools[{index}]", f": the chat passes {max_chars} characters, more than the model can read")
    prefix = request.get("prefix")
    if prefix:
        _check_whole("prefix.messageCount", prefix.get("messageCount"), minimum=0, maximum=len(messages))
        token_ids = prefix.get("tokenIds") or []
        if len(token_ids) > limits.max_model_len:
            raise RequestError("prefix.tokenIds", f" has {len(token_ids)} tokens; the model reads at most {limits.max_model_len}")
        _check_token_ids("prefix.tokenIds", token_ids, limits)


def check_render_chat(request: dict[str, Any], limits: RequestLimits) -> None:
    _check_chat(request, limits)


def check_sample_chat(request: dict[str, Any], limits: RequestLimits) -> None:
    _check_chat(request, limits)
    _check_completions(request.get("n"), limits)
    _check_sampling(request.get("sampling") or {})


def check_sample(request: dict[str, Any], limits: RequestLimits) -> None:
    prompt = request.get("promptIds") or []
    if len(prompt) > limits.max_model_len:
        raise RequestError("promptIds", f" has {len(prompt)} tokens; the model reads at most {limits.max_model_len}")
    _check_token_ids("promptIds", prompt, limits)
    _check_completions(request.get("n"), limits)
    _check_sampling(request.get("sampling") or {})


def check_detokenize(request: dict[str, Any], limits: RequestLimits) -> None:
    _check_token_ids("tokenIds", request.get("tokenIds") or [], limits)


def _check_loss(loss: dict[str, Any]) -> None:
    kind = loss.get("type")
    if kind == "cross_entropy":
        return
    if kind == "ppo":
        _check_finite("loss.clipLow", loss.get("clipLow"), minimum=0)
        _check_finite("loss.clipHigh", loss.get("clipHigh"), minimum=0)
        _check_finite("loss.dualClip", loss.get("dualClip"), above=1)
    _check_finite("loss.kl.beta", (loss.get("kl") or {}).get("beta"), minimum=0)


def check_forward_backward(request: dict[str, Any], limits: RequestLimits) -> None:
    _check_loss(request.get("loss") or {})
    _check_finite("lossScale", request.get("lossScale"), minimum=0)
    _check_finite("temperature", request.get("temperature"), above=0)
    for index, sample in enumerate(request.get("samples") or []):
        field = f"samples[{index}]"
        token_ids, mask, logprobs = sample["tokenIds"], sample["lossMask"], sample["samplerLogprobs"]
        length = len(token_ids)
        if length > limits.max_model_len:
            raise RequestError(f"{field}.tokenIds", f" has {length} tokens; the model reads at most {limits.max_model_len}")
        if len(mask) != length:
            raise RequestError(f"{field}.lossMask", f" has {len(mask)} entries; tokenIds has {length}")
        if len(logprobs) != length:
            raise RequestError(f"{field}.samplerLogprobs", f" has {len(logprobs)} entries; tokenIds has {length}")
        _check_token_ids(f"{field}.tokenIds", token_ids, limits)
        for position in range(length):
            if mask[position] not in (0, 1):
                raise RequestError(f"{field}.lossMask[{position}]", f"={_number(mask[position])}: expected 0 or 1")
            if not math.isfinite(logprobs[position]):
                raise RequestError(f"{field}.samplerLogprobs[{position}]", f"={_number(logprobs[position])}: expected a finite number")
        _check_finite(f"{field}.advantage", sample.get("advantage"))


def check_optim_step(request: dict[str, Any]) -> None:
    _check_finite("learningRate", request.get("learningRate"), minimum=0)
    _check_finite("beta1", request.get("beta1"), minimum=0, below=1)
    _check_finite("beta2", request.get("beta2"), minimum=0, below=1)
    _check_finite("eps", request.get("eps"), above=0)
    _check_finite("weightDecay", request.get("weightDecay"), minimum=0)
    _check_finite("maxGradNorm", request.get("maxGradNorm"), minimum=0)
