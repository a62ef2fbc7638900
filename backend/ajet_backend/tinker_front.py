"""ajet's backend over the Tinker HTTP API (the wire format of the official SDK, tinker==0.38.0), served beside the
gRPC front on the same BackboneService: one policy, one optimizer, one lock (service.lock) for both fronts.

What a Tinker client sees (docs/tinker.md, "ajet's own backend"):
- POSTs under /api/v1/, the key in X-API-Key (checked when the server has --token); queued calls answer a future
  (`request_id`) that /api/v1/retrieve_future resolves: `{"type": "try_again"}` while it runs (each poll is held up
  to `long_poll_s`), then the result, or `{"error", "category"}` plus ajet's `code` and `hint`.
- One training model: every `create_model` for the served model names the same policy (the weights the gRPC front
  trains too); `lora_config` is taken as given, `get_info` reports what the server trains.
- Calls on a training model run in `seq_id` order (the SDK submits a forward_backward's chunks out of order).
- forward_backward takes JSON or the SDK's protobuf body (zstd too); `cross_entropy` (per-token `weights`),
  `importance_sampling` and `ppo` (per-token `advantages`, `clip_low_threshold`/`clip_high_threshold`, default 0.8
  and 1.2), all sums over tokens as Tinker defines them; targets must be the inputs shifted by one token.
  Results: per datum `logprobs`; metrics `loss:sum`, `tokens:sum` and ratio/clip means. forward_backward and sample
  results come as protobuf when the client asks for it (the SDK does), else as JSON.
- Sampling runs on the current weights: a sampler (save_weights_for_sampler, create_sampling_session, or the base
  model) serves while the weights it names are the current ones and is refused after they change.
- save_weights / load_weights are the service's SaveState / LoadState under --state-root, by name; paths come back as
  `tinker://<model_id>/weights/<name>`, and load_weights takes such a path or a bare name.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import json
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ajet_backend.errors import BackendError
from ajet_backend.losses import LossSpec
from ajet_backend.policy import TrainingSample
from ajet_backend.request_checks import RequestError, _check_finite, _check_token_ids, _number
from ajet_backend.service import BackboneService

PROTOBUF = "application/x-protobuf"
SDK_VERSION = "0.38.0"
TRAINING_LOSSES = ("cross_entropy", "importance_sampling", "ppo")
# Tinker's ppo clips the ratio to [0.8, 1.2] unless loss_fn_config says otherwise (its docs: epsilon 0.2).
PPO_DEFAULT_LOW, PPO_DEFAULT_HIGH = 0.8, 1.2
# Completed futures are kept this long for a client that polls again (a retried retrieve_future).
KEEP_DONE_S = 600.0

# What /api/v1/client/config tells the SDK: API keys (no JWT exchange), per-request retrieve_future (no
# retrieve_futures poller, no join_sampling_session), uncompressed protobuf forward_backward bodies.
CLIENT_CONFIG = {
    "pjwt_auth_enabled": False,
    "credential_default_source": "api_key",
    "parallel_fwdbwd_chunks": True,
    "proto_compress_fwdbwd": False,
    "sample_use_retrieve_futures": False,
    "custom_loss_server_side": False,
    "sample_join_sampling_session": False,
}


@dataclass
class _Future:
    kind: str
    done: asyncio.Event = field(default_factory=asyncio.Event)
    result: Any = None
    error: dict[str, Any] | None = None
    finished_at: float = 0.0


@dataclass
class _TrainingModel:
    model_id: str
    base_model: str
    lora_rank: int
    next_seq: int = 1
    turn: asyncio.Condition = field(default_factory=asyncio.Condition)


@dataclass(frozen=True)
class _Sampler:
    """Sampling from the weights of `generation` (Policy.weights_generation); `path` is the tinker:// name."""

    generation: int
    path: str | None
    base_model: str


MAX_BODY_BYTES = 256 * 1024 * 1024


class TinkerError(Exception):
    """An HTTP-level refusal (before anything is queued): status and a one-line detail."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _tinker_path(model_id: str, kind: str, name: str) -> str:
    return f"tinker://{model_id}/{kind}/{name}"


def state_name(path: str) -> str:
    """The state name in a tinker://<model_id>/weights/<name> path, or the path itself when it is a bare name."""
    if path.startswith("tinker://"):
        marker = path.find("/weights/")
        if marker < 0:
            raise RequestError("path", f'="{path[:200]}" is not a tinker://<model>/weights/<name> path from save_weights')
        return path[marker + len("/weights/") :]
    return path


def _tensor_values(field_name: str, tensor: Any) -> np.ndarray:
    """A TensorData (JSON dict) as a flat numpy array, densifying CSR."""
    if not isinstance(tensor, dict) or "data" not in tensor:
        raise RequestError(field_name, ": expected a TensorData {data, dtype, shape}")
    dtype = np.int64 if tensor.get("dtype") == "int64" else np.float64
    data = np.asarray(tensor["data"], dtype=dtype).reshape(-1)
    rows, columns, shape = tensor.get("sparse_crow_indices"), tensor.get("sparse_col_indices"), tensor.get("shape")
    if rows is not None and columns is not None and shape is not None:
        dense = np.zeros(int(np.prod(shape)), dtype=dtype)
        width = int(shape[-1]) if len(shape) > 1 else int(shape[0])
        for row in range(len(rows) - 1):
            for index in range(rows[row], rows[row + 1]):
                dense[row * width + columns[index]] = data[index]
        return dense
    return data


# The SDK's protobuf forward_backward body, as the JSON form read below.
_PROTO_DTYPES = {1: ("float32", np.float32), 2: ("int64", np.int64), 3: ("int64", np.int32)}


def _proto_tensor(field_name: str, message: Any) -> dict[str, Any]:
    if message.dtype not in _PROTO_DTYPES:
        raise RequestError(field_name, f".dtype={message.dtype}: expected float32 or int64")
    name, numpy_type = _PROTO_DTYPES[message.dtype]
    shape = list(message.shape)
    if message.WhichOneof("encoding") == "sparse_csr":
        csr = message.sparse_csr
        return {
            "data": np.frombuffer(csr.values, dtype=numpy_type).tolist(),
            "dtype": name,
            "shape": shape,
            "sparse_crow_indices": np.frombuffer(csr.crow_indices, dtype=np.int64).tolist(),
            "sparse_col_indices": np.frombuffer(csr.col_indices, dtype=np.int64).tolist(),
        }
    return {"data": np.frombuffer(message.dense, dtype=numpy_type).tolist(), "dtype": name, "shape": shape}


def forward_backward_from_proto(messages: dict[str, type], body: bytes) -> dict[str, Any]:
    """tinker_public.ForwardBackwardRequest bytes as the JSON request (forward_backward_input and all)."""
    request = messages["ForwardBackwardRequest"].FromString(body)
    data = []
    for index, datum in enumerate(request.data):
        chunks = []
        for position, chunk in enumerate(datum.model_input):
            kind = chunk.WhichOneof("chunk")
            if kind != "encoded_text":
                raise RequestError(f"data[{index}].model_input.chunks[{position}]", f" is a {kind} chunk: this server reads encoded_text only")
            chunks.append({"type": "encoded_text", "tokens": np.frombuffer(chunk.encoded_text.tokens, dtype=np.int32).tolist()})
        inputs = {name: _proto_tensor(f"data[{index}].loss_fn_inputs.{name}", tensor) for name, tensor in datum.loss_fn_inputs.items()}
        data.append({"model_input": {"chunks": chunks}, "loss_fn_inputs": inputs})
    config: dict[str, Any] = dict(request.loss_fn_config)
    for name, value in request.loss_fn_config_v2.items():
        config[name] = value.number if value.WhichOneof("value") == "number" else value.text
    return {
        "model_id": request.model_id,
        "seq_id": request.seq_id or None,
        "forward_only": request.forward_only,
        "forward_backward_input": {"data": data, "loss_fn": request.loss_fn, "loss_fn_config": config or None},
    }


def _datum_tokens(index: int, datum: dict[str, Any]) -> list[int]:
    tokens: list[int] = []
    for position, chunk in enumerate((datum.get("model_input") or {}).get("chunks") or []):
        if chunk.get("type", "encoded_text") != "encoded_text":
            raise RequestError(f"data[{index}].model_input.chunks[{position}]", f' is a {chunk.get("type")} chunk: this server reads encoded_text only')
        tokens.extend(int(token) for token in chunk.get("tokens") or [])
    return tokens


def training_sample(index: int, datum: dict[str, Any], loss_fn: str, limits: Any) -> TrainingSample:
    """One Tinker datum as a TrainingSample of the policy: tokens = inputs + the last target; position t+1 holds
    target t's weight (cross_entropy) or its sampler logprob and advantage (importance_sampling, ppo)."""
    field_name = f"data[{index}]"
    tokens = _datum_tokens(index, datum)
    inputs = datum.get("loss_fn_inputs") or {}
    if "target_tokens" not in inputs:
        raise RequestError(f"{field_name}.loss_fn_inputs", " has no target_tokens")
    targets = _tensor_values(f"{field_name}.loss_fn_inputs.target_tokens", inputs["target_tokens"]).astype(np.int64).tolist()
    length = len(tokens)
    if length == 0 or len(targets) != length:
        raise RequestError(f"{field_name}.loss_fn_inputs.target_tokens", f" has {len(targets)} entries; model_input has {length} tokens (at least 1)")
    if targets[:-1] != tokens[1:]:
        raise RequestError(f"{field_name}.loss_fn_inputs.target_tokens", ": expected model_input shifted by one token (targets[i] = tokens[i + 1]); this server scores next tokens only")
    token_ids = [*tokens, targets[-1]]
    if len(token_ids) > limits.max_model_len:
        raise RequestError(f"{field_name}.model_input", f" has {length} tokens plus a target; the model reads at most {limits.max_model_len}")
    _check_token_ids(f"{field_name}.loss_fn_inputs.target_tokens", targets, limits)
    _check_token_ids(f"{field_name}.model_input", tokens, limits)

    def per_token(name: str, *, required: bool, default: float = 0.0, minimum: float | None = None) -> list[float]:
        if name not in inputs:
            if required:
                raise RequestError(f"{field_name}.loss_fn_inputs", f" has no {name} ({loss_fn} needs target_tokens, logprobs and advantages)")
            return [default] * length
        values = _tensor_values(f"{field_name}.loss_fn_inputs.{name}", inputs[name]).astype(np.float64).tolist()
        if len(values) != length:
            raise RequestError(f"{field_name}.loss_fn_inputs.{name}", f" has {len(values)} entries; target_tokens has {length}")
        for position, value in enumerate(values):
            _check_finite(f"{field_name}.loss_fn_inputs.{name}[{position}]", value, minimum=minimum)
        return values

    for per_token_config in ("clip_low_threshold", "clip_high_threshold"):
        if per_token_config in inputs:
            raise RequestError(f"{field_name}.loss_fn_inputs.{per_token_config}", ": per-token thresholds are not served; put them in loss_fn_config")
    if loss_fn == "cross_entropy":
        weights = per_token("weights", required=False, default=1.0, minimum=0)
        return TrainingSample(token_ids=token_ids, loss_mask=[0.0, *weights], sampler_logprobs=[0.0] * (length + 1), advantage=0.0)
    logprobs = per_token("logprobs", required=True)
    advantages = per_token("advantages", required=True)
    # A token with advantage 0 adds nothing to the sum: masked out, it stays out of the ratio and clip metrics too.
    mask = [0.0] + [1.0 if advantage != 0 else 0.0 for advantage in advantages]
    return TrainingSample(token_ids=token_ids, loss_mask=mask, sampler_logprobs=[0.0, *logprobs], advantage=0.0, token_advantages=[0.0, *advantages])


def loss_spec(loss_fn: str, config: dict[str, Any] | None) -> LossSpec:
    if loss_fn not in TRAINING_LOSSES:
        raise RequestError("loss_fn", f'="{str(loss_fn)[:60]}": this server trains with cross_entropy, importance_sampling or ppo')
    if loss_fn != "ppo":
        return LossSpec(type=loss_fn, aggregation="sum")  # type: ignore[arg-type]
    config = config or {}
    low = config.get("clip_low_threshold", PPO_DEFAULT_LOW)
    high = config.get("clip_high_threshold", PPO_DEFAULT_HIGH)
    _check_finite("loss_fn_config.clip_low_threshold", low, minimum=0, maximum=1)
    _check_finite("loss_fn_config.clip_high_threshold", high, minimum=1)
    return LossSpec(type="ppo", aggregation="sum", clip_low=1.0 - float(low), clip_high=float(high) - 1.0)


def sample_request(body: dict[str, Any]) -> dict[str, Any]:
    """A Tinker SampleRequest as the service's Sample request (promptIds, n, sampling, stopTokenIds)."""
    for name in ("topk_prompt_logprobs", "topk_sample_logprobs", "prompt_alt_tokens_k"):
        if body.get(name):
            raise RequestError(name, f"={_number(body[name])}: this server returns no top-k logprobs; send 0")
    for name in ("prompt_logprobs", "target_prompt_logprobs", "record_stability_info"):
        if body.get(name):
            raise RequestError(name, ": this server does not serve it; leave it unset")
    prompt = _datum_tokens(0, {"model_input": body.get("prompt") or {}})
    params = body.get("sampling_params") or {}
    top_k = params.get("top_k", -1)
    if top_k not in (-1, 0, None):
        raise RequestError("sampling_params.top_k", f"={_number(top_k)}: this server samples without top-k; send -1")
    sampling: dict[str, Any] = {"temperature": params.get("temperature", 1.0), "topP": params.get("top_p", 1.0)}
    if params.get("max_tokens") is not None:
        sampling["maxTokens"] = params["max_tokens"]
    if params.get("seed") is not None:
        sampling["seed"] = params["seed"]
    stop = params.get("stop")
    stop_token_ids: list[int] | None = None
    if isinstance(stop, str):
        sampling["stop"] = [stop]
    elif isinstance(stop, list) and stop and all(isinstance(item, str) for item in stop):
        sampling["stop"] = stop
    elif isinstance(stop, list):
        # Token ids replace the end-of-sequence tokens ([]: no stop token at all).
        if not all(isinstance(item, int) and not isinstance(item, bool) for item in stop):
            raise RequestError("sampling_params.stop", ": expected strings or token ids, not a mix")
        stop_token_ids = stop
    return {"promptIds": prompt, "n": body.get("num_samples", 1), "sampling": sampling, "stopTokenIds": stop_token_ids}


class TinkerFront:
    """The Tinker API's state over one BackboneService: sessions, the training model, samplers and futures."""

    def __init__(self, service: BackboneService, *, api_key: str | None = None, lora_rank: int = 0, long_poll_s: float = 20.0, seq_gap_s: float = 60.0) -> None:
        self.service = service
        self.api_key = api_key
        self.lora_rank = lora_rank
        self.long_poll_s = long_poll_s
        # A seq_id that never arrives (a client that gave up on a call) holds later calls this long, not forever.
        self.seq_gap_s = seq_gap_s
        # The gRPC front's message cap: a request body (after zstd) past it is refused, never read whole.
        self.max_body_bytes = MAX_BODY_BYTES
        self.sessions: dict[str, float] = {}
        self.models: dict[str, _TrainingModel] = {}
        self.samplers: dict[str, _Sampler] = {}
        self.futures: dict[str, _Future] = {}
        self._ids = itertools.count(1)
        self._messages: dict[str, type] | None = None
        # Futures' tasks, kept referenced until they finish.
        self._tasks: set[asyncio.Task[Any]] = set()
        # Calls per endpoint, for measuring (GET /api/v1/ajet/calls).
        self.calls: dict[str, int] = {}

    @property
    def messages(self) -> dict[str, type]:
        if self._messages is None:
            from ajet_backend.proto_stubs import load_tinker_public

            self._messages = load_tinker_public()
        return self._messages

    @property
    def model_name(self) -> str:
        return self.service.info.model

    # -- futures -------------------------------------------------------------------------------------------------

    def _queue(self, kind: str, work: Callable[[], Any], *, model: _TrainingModel | None = None, seq_id: int | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Runs `work` under the service lock on a worker thread, in seq_id order for a training model; answers the
        future at once."""
        self._forget_old()
        request_id = f"ajet-{next(self._ids)}-{uuid.uuid4().hex[:8]}"
        future = _Future(kind=kind)
        self.futures[request_id] = future

        async def run() -> None:
            try:
                if model is not None and seq_id is not None:
                    await self._wait_turn(model, seq_id)
                try:
                    future.result = await asyncio.to_thread(self._locked, work)
                except BackendError as error:
                    future.error = {"error": error.message, "category": "user", "code": error.code, "hint": error.hint}
                except Exception as error:  # noqa: BLE001 - every failure must reach the client as a failed future
                    future.error = {"error": f"{type(error).__name__}: {error}", "category": "server"}
            finally:
                if model is not None and seq_id is not None:
                    async with model.turn:
                        model.next_seq = max(model.next_seq, seq_id + 1)
                        model.turn.notify_all()
                future.finished_at = time.monotonic()
                future.done.set()

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        answer: dict[str, Any] = {"request_id": request_id}
        if model is not None:
            answer["model_id"] = model.model_id
        answer.update(extra or {})
        return answer

    def _locked(self, work: Callable[[], Any]) -> Any:
        with self.service.lock:
            return work()

    async def _wait_turn(self, model: _TrainingModel, seq_id: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seq_gap_s
        async with model.turn:
            while model.next_seq < seq_id:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    # The calls before this one never came: go on rather than wait forever.
                    model.next_seq = seq_id
                    break
                try:
                    await asyncio.wait_for(model.turn.wait(), remaining)
                except TimeoutError:
                    pass

    def _forget_old(self) -> None:
        now = time.monotonic()
        for request_id in [key for key, future in self.futures.items() if future.done.is_set() and now - future.finished_at > KEEP_DONE_S]:
            del self.futures[request_id]

    async def retrieve(self, body: dict[str, Any], accept: str) -> tuple[Any, str]:
        """(payload, content type) of a future: try_again while it runs, then its result or error."""
        request_id = str(body.get("request_id", ""))
        future = self.futures.get(request_id)
        if future is None:
            raise TinkerError(404, f"request_id {request_id[:80]!r} is unknown to this server (finished more than {int(KEEP_DONE_S)} s ago, or from another server)")
        try:
            await asyncio.wait_for(future.done.wait(), self.long_poll_s)
        except TimeoutError:
            return {"type": "try_again", "request_id": request_id, "queue_state": "active"}, "application/json"
        if future.error is not None:
            return future.error, "application/json"
        if PROTOBUF in accept and future.kind in ("sample", "forward_backward"):
            return self._proto_result(future), PROTOBUF
        return self._json_result(future), "application/json"

    def _json_result(self, future: _Future) -> dict[str, Any]:
        result = future.result
        if future.kind == "sample":
            return {
                "type": "sample",
                "sequences": [{"tokens": c["tokenIds"], "logprobs": c["logprobs"], "stop_reason": c["finishReason"]} for c in result["completions"]],
                "prompt_logprobs": None,
            }
        if future.kind == "forward_backward":
            return {
                "loss_fn_output_type": "ArrayRecord",
                "loss_fn_outputs": [{"logprobs": {"data": row, "dtype": "float32", "shape": [len(row)]}} for row in result["logprobs"]],
                "metrics": result["metrics"],
            }
        return result

    def _proto_result(self, future: _Future) -> bytes:
        messages, result = self.messages, future.result
        if future.kind == "sample":
            response = messages["SampleResponse"]()
            for completion in result["completions"]:
                sequence = response.sequences.add()
                sequence.stop_reason = 0 if completion["finishReason"] == "stop" else 1
                sequence.tokens = np.asarray(completion["tokenIds"], dtype="<i4").tobytes()
                sequence.logprobs = np.asarray(completion["logprobs"], dtype="<f4").tobytes()
            return response.SerializeToString()
        output = messages["ForwardBackwardOutput"](loss_fn_output_type="ArrayRecord")
        for name, value in result["metrics"].items():
            output.metrics[name] = value
        record = output.loss_fn_outputs.add(type_tag="ArrayRecord", num_datums=len(result["logprobs"]))
        rows = result["logprobs"]
        tensor = record.fields["logprobs"]
        tensor.dtype = 1
        tensor.data = np.asarray([value for row in rows for value in row], dtype="<f4").tobytes()
        tensor.offsets = (np.cumsum([0, *[len(row) for row in rows]], dtype=np.int64) * 4).astype("<i8").tobytes()
        return output.SerializeToString()

    # -- sessions and models ---------------------------------------------------------------------------------------

    def create_session(self, body: dict[str, Any]) -> dict[str, Any]:
        session_id = f"ajet-session-{uuid.uuid4().hex[:12]}"
        self.sessions[session_id] = time.monotonic()
        return {"type": "create_session", "session_id": session_id}

    def heartbeat(self, body: dict[str, Any]) -> dict[str, Any]:
        session_id = str(body.get("session_id", ""))
        if session_id in self.sessions:
            self.sessions[session_id] = time.monotonic()
        return {"type": "session_heartbeat"}

    def capabilities(self) -> dict[str, Any]:
        return {"supported_models": [{"model_name": self.model_name, "max_context_length": self.service.info.max_model_len, "trainable": True, "sampleable": True}]}

    def _check_base_model(self, base_model: Any) -> str:
        if base_model != self.model_name:
            raise RequestError("base_model", f'="{str(base_model)[:200]}": this server serves "{self.model_name}" only')
        return base_model

    def create_model(self, body: dict[str, Any]) -> dict[str, Any]:
        session_id = str(body.get("session_id", ""))
        model_id = f"{session_id}:train:{body.get('model_seq_id', 0)}"
        rank = int((body.get("lora_config") or {}).get("rank", 0) or 0)

        def work() -> dict[str, Any]:
            self._check_base_model(body.get("base_model"))
            self.models[model_id] = _TrainingModel(model_id=model_id, base_model=self.model_name, lora_rank=rank)
            return {"type": "create_model", "model_id": model_id}

        return self._queue("create_model", work, extra={"model_id": model_id})

    def _model(self, body: dict[str, Any]) -> _TrainingModel:
        model_id = str(body.get("model_id", ""))
        model = self.models.get(model_id)
        if model is None:
            raise TinkerError(404, f"model_id {model_id[:200]!r} is unknown: create it with create_model first (this server keeps models in memory only)")
        return model

    def get_info(self, body: dict[str, Any]) -> dict[str, Any]:
        model = self._model(body)
        policy = self.service.policy
        return {
            "type": "get_info",
            "model_id": model.model_id,
            "model_data": {"arch": type(policy.model).__name__, "model_name": self.model_name, "tokenizer_id": self.service.info.tokenizer},
            "is_lora": policy.is_lora,
            "lora_rank": self.lora_rank if policy.is_lora else None,
            "model_name": self.model_name,
        }

    # -- training --------------------------------------------------------------------------------------------------

    def forward_backward(self, body: dict[str, Any]) -> dict[str, Any]:
        model = self._model(body)
        given = body.get("forward_backward_input") or {}
        forward_only = bool(body.get("forward_only", False))

        def work() -> dict[str, Any]:
            spec = loss_spec(str(given.get("loss_fn")), given.get("loss_fn_config"))
            limits = self.service.limits
            samples = [training_sample(index, datum, spec.type, limits) for index, datum in enumerate(given.get("data") or [])]
            if not samples:
                raise RequestError("forward_backward_input.data", " is empty")
            totals = self.service.policy.forward_backward(samples=samples, spec=spec, forward_only=forward_only)
            metrics = {"loss:sum": totals.loss}
            for name, value in totals.metrics.items():
                metrics[f"{'ratio' if name == 'ratio_mean' else name}:{'sum' if name == 'tokens' else 'mean'}"] = value
            return {"logprobs": [row[1:] for row in totals.token_logprobs], "metrics": metrics}

        return self._queue("forward_backward", work, model=model, seq_id=body.get("seq_id"))

    def optim_step(self, body: dict[str, Any]) -> dict[str, Any]:
        model = self._model(body)
        params = body.get("adam_params") or body.get("optim_params")
        if params is None:
            raise TinkerError(400, "optim_step: adam_params is missing (this server steps with AdamW only)")

        def work() -> dict[str, Any]:
            request = {
                "learningRate": params.get("learning_rate", 1e-4),
                "beta1": params.get("beta1", 0.9),
                "beta2": params.get("beta2", 0.95),
                "eps": params.get("eps", 1e-12),
                "weightDecay": params.get("weight_decay", 0.0),
                "maxGradNorm": params.get("grad_clip_norm", 0.0),
            }
            result = self.service.optim_step(request)
            metrics = {"policy_version": float(result["policyVersion"])}
            # A step skipped for a non-finite loss or gradient reports no gradient norm (JSON has no NaN).
            if math.isfinite(result["gradNorm"]):
                metrics["grad_norm"] = result["gradNorm"]
            else:
                metrics["skipped_non_finite"] = 1.0
            return {"type": "optim_step", "metrics": metrics}

        return self._queue("optim_step", work, model=model, seq_id=body.get("seq_id"))

    def save_weights(self, body: dict[str, Any]) -> dict[str, Any]:
        model = self._model(body)
        name = body.get("path") or f"ajet-state-{next(self._ids)}"

        def work() -> dict[str, Any]:
            self.service.save_state({"name": state_name(str(name)), "includeOptimizer": True})
            return {"type": "save_weights", "path": _tinker_path(model.model_id, "weights", state_name(str(name)))}

        return self._queue("save_weights", work, model=model, seq_id=body.get("seq_id"))

    def load_weights(self, body: dict[str, Any]) -> dict[str, Any]:
        """Into a training model (model_id), or into a new one (session_id, model_seq_id: the SDK's
        create_training_client_from_state)."""
        path = str(body.get("path", ""))
        created: str | None = None
        if body.get("model_id") is None:
            created = f"{body.get('session_id', '')}:train:{body.get('model_seq_id', 0)}"
            model = None
        else:
            model = self._model(body)

        def work() -> dict[str, Any]:
            nonlocal model
            if created is not None:
                self._check_base_model(body.get("base_model") or self.model_name)
            self.service.load_state({"name": state_name(path), "includeOptimizer": bool(body.get("optimizer", False))})
            if model is None and created is not None:
                model = self.models[created] = _TrainingModel(model_id=created, base_model=self.model_name, lora_rank=self.lora_rank)
            return {"type": "load_weights", "path": path, "model_id": model.model_id if model else created}

        if model is None:
            return self._queue("load_weights", work, extra={"model_id": created})
        return self._queue("load_weights", work, model=model, seq_id=body.get("seq_id"))

    # -- sampling --------------------------------------------------------------------------------------------------

    def _current_sampler(self, path: str | None) -> _Sampler:
        return _Sampler(generation=self.service.policy.weights_generation, path=path, base_model=self.model_name)

    def save_weights_for_sampler(self, body: dict[str, Any]) -> dict[str, Any]:
        """Nothing is written: the path names the current weights, which the live policy samples while they last."""
        model = self._model(body)

        def work() -> dict[str, Any]:
            name = body.get("path") or f"step-{self.service.policy.policy_version}-{next(self._ids)}"
            path = _tinker_path(model.model_id, "sampler_weights", str(name))
            sampler = self._current_sampler(path)
            self.samplers[path] = sampler
            answer: dict[str, Any] = {"type": "save_weights_for_sampler", "path": path}
            if body.get("sampling_session_seq_id") is not None:
                session_id = f"ajet-sampler-{next(self._ids)}"
                self.samplers[session_id] = sampler
                answer = {"type": "save_weights_for_sampler", "sampling_session_id": session_id}
            return answer

        return self._queue("save_weights_for_sampler", work, model=model, seq_id=body.get("seq_id"))

    def _sampler_for(self, *, model_path: Any, base_model: Any) -> _Sampler:
        if model_path:
            sampler = self.samplers.get(str(model_path))
            if sampler is None:
                raise RequestError("model_path", f'="{str(model_path)[:200]}" was not saved on this server (save_weights_for_sampler names it)')
            return sampler
        self._check_base_model(base_model)
        # The base model is the weights the server started with.
        return _Sampler(generation=0, path=None, base_model=self.model_name)

    def create_sampling_session(self, body: dict[str, Any]) -> dict[str, Any]:
        sampler = self._sampler_for(model_path=body.get("model_path"), base_model=body.get("base_model"))
        session_id = f"ajet-sampler-{next(self._ids)}"
        self.samplers[session_id] = sampler
        return {"type": "create_sampling_session", "sampling_session_id": session_id}

    def get_sampler(self, sampler_id: str) -> dict[str, Any]:
        sampler = self.samplers.get(sampler_id)
        if sampler is None:
            raise TinkerError(404, f"sampler {sampler_id[:200]!r} is unknown")
        return {"sampler_id": sampler_id, "base_model": sampler.base_model, "model_path": sampler.path}

    def asample(self, body: dict[str, Any]) -> dict[str, Any]:
        session_id = body.get("sampling_session_id")
        count = int(body.get("num_samples", 1) or 1)

        def work() -> dict[str, Any]:
            if session_id is not None:
                sampler = self.samplers.get(str(session_id))
                if sampler is None:
                    raise RequestError("sampling_session_id", f'="{str(session_id)[:200]}" is unknown to this server')
            else:
                sampler = self._sampler_for(model_path=body.get("model_path"), base_model=body.get("base_model"))
            current = self.service.policy.weights_generation
            if sampler.generation != current:
                what = sampler.path or "the base model"
                raise RequestError(
                    "sampling_session_id" if session_id is not None else ("model_path" if sampler.path else "base_model"),
                    f": {what} names weights this server no longer holds (they changed since; ajet's backend samples its current weights only); save_weights_for_sampler again",
                )
            request = sample_request(body)
            if request["stopTokenIds"]:
                _check_token_ids("sampling_params.stop", request["stopTokenIds"], self.service.limits)
            return self.service.sample(request)

        sequence_ids = [f"{session_id or 'sample'}:{uuid.uuid4().hex[:8]}:{index}" for index in range(count)]
        return self._queue("sample", work, extra={"sample_sequence_ids": sequence_ids})


def build_app(front: TinkerFront) -> Any:
    """The Starlette application serving `front` under /api/v1."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    def authorized(request: Request) -> bool:
        if front.api_key is None:
            return True
        return hmac.compare_digest(request.headers.get("x-api-key", "").encode(), front.api_key.encode())

    def too_large() -> TinkerError:
        return TinkerError(413, f"the request body is over {front.max_body_bytes} bytes: send fewer or shorter data per call")

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > front.max_body_bytes:
            raise too_large()
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > front.max_body_bytes:
                raise too_large()
            chunks.append(chunk)
        raw = b"".join(chunks)
        if request.headers.get("content-encoding", "") == "zstd":
            import zstandard

            # Streamed, so a small frame that claims or inflates to gigabytes stops at the cap.
            raw = zstandard.ZstdDecompressor().stream_reader(raw).read(front.max_body_bytes + 1)
            if len(raw) > front.max_body_bytes:
                raise too_large()
        return raw

    async def read_json(request: Request) -> dict[str, Any]:
        raw = await read_body(request)
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as error:
            raise TinkerError(400, f"the body is not JSON ({error.msg})") from error
        if not isinstance(body, dict):
            raise TinkerError(400, "the body is not a JSON object")
        return body

    def endpoint(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def wrapped(request: Request) -> Response:
            name = request.url.path.removeprefix("/api/v1/")
            front.calls[name] = front.calls.get(name, 0) + 1
            if not authorized(request):
                return JSONResponse({"detail": "missing or wrong X-API-Key: send the server's --token as the API key (TINKER_API_KEY)"}, status_code=401)
            try:
                result = await handler(request)
            except TinkerError as error:
                return JSONResponse({"detail": error.detail}, status_code=error.status)
            except BackendError as error:
                return JSONResponse({"detail": error.message, "code": error.code, "hint": error.hint}, status_code=400)
            if isinstance(result, Response):
                return result
            return JSONResponse(result)

        return wrapped

    def post(handler: Callable[[dict[str, Any]], Any]) -> Callable[[Request], Any]:
        async def call(request: Request) -> Any:
            return handler(await read_json(request))

        return endpoint(call)

    async def forward_backward(request: Request) -> Any:
        if PROTOBUF in request.headers.get("content-type", ""):
            raw = await read_body(request)
            try:
                body = forward_backward_from_proto(front.messages, raw)
            except BackendError:
                raise
            except Exception as error:  # noqa: BLE001 - a body that is not the message
                raise TinkerError(400, f"the protobuf body is not a tinker_public.ForwardBackwardRequest ({error})") from error
        else:
            body = await read_json(request)
        return front.forward_backward(body)

    async def retrieve_future(request: Request) -> Any:
        payload, content_type = await front.retrieve(await read_json(request), request.headers.get("accept", ""))
        if content_type == PROTOBUF:
            return Response(payload, media_type=PROTOBUF)
        return JSONResponse(payload)

    async def get_sampler(request: Request) -> Any:
        return front.get_sampler(request.path_params["sampler_id"])

    async def capabilities(request: Request) -> Any:
        return front.capabilities()

    async def healthz(request: Request) -> Any:
        return {"status": "ok"}

    async def calls(request: Request) -> Any:
        return dict(front.calls)

    routes = [
        Route("/api/v1/healthz", endpoint(healthz), methods=["GET", "POST"]),
        Route("/api/v1/client/config", post(lambda body: CLIENT_CONFIG), methods=["POST"]),
        Route("/api/v1/client/dynamic_config", post(lambda body: {}), methods=["POST"]),
        Route("/api/v1/get_server_capabilities", endpoint(capabilities), methods=["GET", "POST"]),
        Route("/api/v1/create_session", post(front.create_session), methods=["POST"]),
        Route("/api/v1/session_heartbeat", post(front.heartbeat), methods=["POST"]),
        Route("/api/v1/sessions/{session_id}/finish", post(lambda body: {}), methods=["POST"]),
        Route("/api/v1/telemetry", post(lambda body: {"status": "accepted"}), methods=["POST"]),
        Route("/api/v1/create_model", post(front.create_model), methods=["POST"]),
        Route("/api/v1/get_info", post(front.get_info), methods=["POST"]),
        Route("/api/v1/forward_backward", endpoint(forward_backward), methods=["POST"]),
        Route("/api/v1/optim_step", post(front.optim_step), methods=["POST"]),
        Route("/api/v1/save_weights", post(front.save_weights), methods=["POST"]),
        Route("/api/v1/load_weights", post(front.load_weights), methods=["POST"]),
        Route("/api/v1/save_weights_for_sampler", post(front.save_weights_for_sampler), methods=["POST"]),
        Route("/api/v1/create_sampling_session", post(front.create_sampling_session), methods=["POST"]),
        Route("/api/v1/samplers/{sampler_id}", endpoint(get_sampler), methods=["GET"]),
        Route("/api/v1/asample", post(front.asample), methods=["POST"]),
        Route("/api/v1/retrieve_future", endpoint(retrieve_future), methods=["POST"]),
        Route("/api/v1/ajet/calls", endpoint(calls), methods=["GET"]),
    ]
    return Starlette(routes=routes)


async def start_tinker_server(*, front: TinkerFront, host: str, port: int) -> tuple[Any, int, asyncio.Task[Any]]:
    """Serves the front with uvicorn on the running loop; (server, bound port, its task). Stop: server.should_exit."""
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    config = uvicorn.Config(build_app(front), log_level="warning", lifespan="off", timeout_keep_alive=75)
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    return server, sock.getsockname()[1], task
