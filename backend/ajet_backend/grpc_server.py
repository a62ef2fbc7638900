"""The ajet.v1.Backend gRPC server (grpcio aio) over BackboneService."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc

from ajet_backend.errors import BackendError
from ajet_backend.proto_stubs import load_stubs
from ajet_backend.request_checks import RequestError
from ajet_backend.service import BackboneService, decode_float32, decode_int32, encode_float32, encode_int32

# The trailing metadata key of a failed call's ErrorDetail (backend.proto).
ERROR_DETAIL_KEY = "ajet-error-detail-bin"
AGGREGATIONS = {0: "token-mean", 1: "token-mean", 2: "seq-mean"}
FINISH_REASONS = {"stop": 1, "length": 2, "abort": 3}


def error_detail(pb: Any, error: BackendError) -> bytes:
    """The serialized ErrorDetail of an error; its code must be a name of backend.proto's ErrorCode."""
    return pb.ErrorDetail(code=error.code, message=error.message, hint=error.hint, retryable=error.retryable).SerializeToString()


def _message(message: Any) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "role": message.role,
        "content": message.content,
        "toolCalls": [{"id": call.id, "name": call.name, "arguments": call.arguments} for call in message.tool_calls],
    }
    if message.HasField("tool_call_id"):
        converted["toolCallId"] = message.tool_call_id
    if message.HasField("name"):
        converted["name"] = message.name
    return converted


def _tool(index: int, tool: Any) -> dict[str, Any]:
    try:
        parameters = json.loads(tool.parameters_json) if tool.parameters_json else {}
    except json.JSONDecodeError as error:
        raise RequestError(f"tools[{index}].parametersJson", f' of tool "{tool.name[:80]}" is not JSON ({error.msg})') from error
    return {"name": tool.name, "description": tool.description, "parameters": parameters}


def _sampling(params: Any) -> dict[str, Any]:
    sampling: dict[str, Any] = {"stop": list(params.stop)}
    for proto_name, name in (("temperature", "temperature"), ("top_p", "topP"), ("max_tokens", "maxTokens"), ("seed", "seed")):
        if params.HasField(proto_name):
            sampling[name] = getattr(params, proto_name)
    return sampling


def _loss(spec: Any) -> dict[str, Any]:
    kind = spec.WhichOneof("loss")
    if kind is None:
        raise BackendError("LOSS_MISSING", "ForwardBackward: loss is unset; send cross_entropy, ppo or importance_sampling")
    body = getattr(spec, kind)
    loss: dict[str, Any] = {"type": kind, "aggregation": AGGREGATIONS[body.aggregation]}
    if kind == "ppo":
        loss.update(clipLow=body.clip_low, clipHigh=body.clip_high)
        if body.HasField("dual_clip"):
            loss["dualClip"] = body.dual_clip
    if kind != "cross_entropy" and body.HasField("kl"):
        loss["kl"] = {"beta": body.kl.beta, "estimator": "k3"}
    return loss


def build_servicer(service: BackboneService, token: str | None, *, serialize: bool = True) -> Any:
    pb, pb_grpc = load_stubs()
    # One model, one optimizer: calls run one at a time on a worker thread so the event loop stays free. A service
    # that orders its own calls (the Ray front, ray_serve/front.py) passes serialize=False.
    lock = service.lock if serialize else contextlib.nullcontext()

    expected = f"Bearer {token}".encode() if token is not None else None

    async def run(context: grpc.aio.ServicerContext, work: Callable[[], Any]) -> Any:
        if expected is not None:
            given = str(dict(context.invocation_metadata() or ()).get("authorization", "")).encode()
            if not hmac.compare_digest(given, expected):
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong bearer token: set the client's token to the server's --token")

        def locked() -> Any:
            with lock:
                return work()

        try:
            return await asyncio.to_thread(locked)
        except BackendError as error:
            # Code, message and hint travel as backend.proto's ErrorDetail, as a TypeScript server sends them.
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"{error.code}: {error}", trailing_metadata=((ERROR_DETAIL_KEY, error_detail(pb, error)),))

    def _render_body(request: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"messages": [_message(m) for m in request.messages], "tools": [_tool(index, t) for index, t in enumerate(request.tools)]}
        if request.HasField("prefix"):
            body["prefix"] = {"tokenIds": decode_int32(request.prefix.token_ids), "messageCount": request.prefix.message_count}
        return body

    def _chunk(index: int, completion: dict[str, Any], policy_version: int) -> Any:
        return pb.SampleChunk(
            index=index,
            token_ids=encode_int32(completion["tokenIds"]),
            logprobs=encode_float32(completion["logprobs"]),
            text=completion["text"],
            finish_reason=FINISH_REASONS[completion["finishReason"]],
            policy_version=policy_version,
        )

    class Servicer(pb_grpc.BackendServicer):
        async def GetInfo(self, request: Any, context: Any) -> Any:
            info = await run(context, service.get_info)
            capabilities = info["capabilities"]
            return pb.GetInfoResponse(
                model=info["model"],
                tokenizer=info["tokenizer"],
                policy_version=info["policyVersion"],
                capabilities=pb.Capabilities(trainable=capabilities["trainable"], lora=capabilities["lora"], max_model_len=capabilities["maxModelLen"], vocab_size=capabilities.get("vocabSize", 0)),
            )

        async def RenderChat(self, request: Any, context: Any) -> Any:
            def work() -> Any:
                body = _render_body(request)
                if request.HasField("add_generation_prompt"):
                    body["addGenerationPrompt"] = request.add_generation_prompt
                return service.render_chat(body)

            result = await run(context, work)
            return pb.RenderChatResponse(token_ids=encode_int32(result["tokenIds"]))

        async def SampleChat(self, request: Any, context: Any) -> Any:
            def work() -> Any:
                body = _render_body(request)
                body.update(n=request.n or 1, sampling=_sampling(request.sampling))
                return service.sample_chat(body)

            result = await run(context, work)
            return pb.SampleChatResponse(
                rendered_ids=encode_int32(result["renderedIds"]),
                completions=[_chunk(index, completion, result["policyVersion"]) for index, completion in enumerate(result["completions"])],
                policy_version=result["policyVersion"],
            )

        async def Detokenize(self, request: Any, context: Any) -> Any:
            result = await run(context, lambda: service.detokenize({"tokenIds": decode_int32(request.token_ids)}))
            return pb.DetokenizeResponse(pieces=result["pieces"])

        async def Sample(self, request: Any, context: Any) -> AsyncIterator[Any]:
            body = {"promptIds": decode_int32(request.prompt_ids), "n": request.n or 1, "sampling": _sampling(request.sampling)}
            result = await run(context, lambda: service.sample(body))
            for index, completion in enumerate(result["completions"]):
                yield _chunk(index, completion, result["policyVersion"])

        async def ForwardBackward(self, request: Any, context: Any) -> Any:
            def work() -> Any:
                samples = [
                    {
                        "tokenIds": decode_int32(sample.token_ids),
                        "lossMask": list(sample.loss_mask),
                        "samplerLogprobs": decode_float32(sample.sampler_logprobs),
                        "advantage": sample.advantage,
                    }
                    for sample in request.samples
                ]
                body = {"samples": samples, "loss": _loss(request.loss), "lossScale": request.loss_scale if request.HasField("loss_scale") else 1.0, "temperature": request.temperature if request.HasField("temperature") else 1.0}
                return service.forward_backward(body)

            result = await run(context, work)
            return pb.ForwardBackwardResponse(loss=result["loss"], metrics=result["metrics"])

        async def OptimStep(self, request: Any, context: Any) -> Any:
            body = {
                "learningRate": request.learning_rate,
                "beta1": request.beta1,
                "beta2": request.beta2,
                "eps": request.eps,
                "weightDecay": request.weight_decay,
                "maxGradNorm": request.max_grad_norm,
            }
            result = await run(context, lambda: service.optim_step(body))
            return pb.OptimStepResponse(policy_version=result["policyVersion"], grad_norm=result["gradNorm"])

        async def SaveState(self, request: Any, context: Any) -> Any:
            result = await run(context, lambda: service.save_state({"name": request.name, "includeOptimizer": request.include_optimizer, "remove": list(request.remove)}))
            return pb.StateResponse(path=result["path"])

        async def LoadState(self, request: Any, context: Any) -> Any:
            result = await run(context, lambda: service.load_state({"name": request.name, "includeOptimizer": request.include_optimizer}))
            return pb.StateResponse(path=result["path"])

    return Servicer()


async def start_server(*, service: BackboneService, address: str, token: str | None = None) -> tuple[grpc.aio.Server, int]:
    """Starts serving; returns the server and the bound port (address may end in :0)."""
    _, pb_grpc = load_stubs()
    limit = 256 * 1024 * 1024
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)])
    pb_grpc.add_BackendServicer_to_server(build_servicer(service, token), server)
    port = server.add_insecure_port(address)
    await server.start()
    return server, port


def run_server(settings: Any) -> None:
    """Loads the model named by ServeSettings and serves until interrupted."""
    from ajet_backend.model_loading import ModelSettings, load_model
    from ajet_backend.policy import Policy, PolicySettings
    from ajet_backend.rendering import ChatRenderer
    from ajet_backend.service import ServiceInfo

    import torch

    from ajet_backend.vllm_engine import VllmEngine, VllmSettings, resolve_engine, vllm_installed

    engine_name = resolve_engine(settings.engine, vllm_available=vllm_installed(), cuda_available=torch.cuda.is_available())
    model_settings = ModelSettings(model=settings.model, dtype=settings.dtype, lora_rank=settings.lora_rank)
    model, tokenizer = load_model(model_settings)
    renderer = ChatRenderer(tokenizer)
    engine = None
    if engine_name == "vllm":
        engine = VllmEngine(VllmSettings(model=settings.model, dtype=settings.dtype, max_model_len=settings.max_model_len, gpu_memory_utilization=settings.gpu_memory_utilization, lora_rank=settings.lora_rank))
    service = BackboneService(
        policy=Policy(model, PolicySettings(micro_batch_tokens=settings.micro_batch_tokens, device=model_settings.device), engine=engine),
        renderer=renderer,
        info=ServiceInfo(model=settings.model, tokenizer=settings.model, max_model_len=settings.max_model_len),
        state_root=settings.state_root,
    )

    asyncio.run(serve_fronts(service=service, settings=settings, banner=f"(sampler: {engine_name}; prefix-preserving template: {renderer.check_prefix_preserving()})"))


async def serve_fronts(*, service: BackboneService, settings: Any, banner: str) -> None:
    """The gRPC front, and the Tinker HTTP front when settings.tinker_port is set, on one service until stopped."""
    server, port = await start_server(service=service, address=f"{settings.host}:{settings.port}", token=settings.token)
    print(f"ajet_backend: serving {settings.model} on port {port} {banner}", flush=True)
    tinker = None
    if getattr(settings, "tinker_port", None) is not None:
        from ajet_backend.tinker_front import TinkerFront, start_tinker_server

        front = TinkerFront(service, api_key=settings.token, lora_rank=settings.lora_rank)
        tinker, tinker_port, _ = await start_tinker_server(front=front, host=settings.host, port=settings.tinker_port)
        print(f"ajet_backend: Tinker API on http://{settings.host}:{tinker_port} (base model name: {service.info.model})", flush=True)
    print(f"ajet_backend: checkpoints (SaveState) go under {settings.state_root}", flush=True)
    try:
        await server.wait_for_termination()
    finally:
        if tinker is not None:
            tinker.should_exit = True
