"""The gRPC front door: the ingress deployment Serve's gRPC proxy calls for every ajet.v1.Backend method. It maps
messages with the same servicer as `ajet_backend serve` (grpc_server.build_servicer) over RayBackboneService,
which routes sampling to the Sampler replicas and training to the Learner, and renders chats itself."""

from __future__ import annotations

from typing import Any

import grpc

from ajet_backend.grpc_server import build_servicer
from ajet_backend.proto_stubs import load_stubs
from ajet_backend.ray_serve.model_service import build_model_service
from ajet_backend.ray_serve.remote_errors import unwrap
from ajet_backend.request_checks import check_forward_backward, check_optim_step


class RayBackboneService:
    """BackboneService's methods (service.py), answered by the application's deployments."""

    def __init__(self, *, sampler: Any, learner: Any, options: dict[str, Any]) -> None:
        self.sampler = sampler
        self.learner = learner
        # Rendering and limits: the tokenizer and the model's config (tinylm's whole model is small enough to load).
        self.local = build_model_service(options=options, role="front")
        self.sync: dict[str, Any] | None = None
        self.synced = False

    def _current_sync(self) -> dict[str, Any] | None:
        # A restarted front asks the learner which weights are current.
        if not self.synced:
            self.sync = self.learner.current_sync.remote().result()
            self.synced = True
        return self.sync

    def get_info(self) -> dict[str, Any]:
        info = self.local.get_info()
        version = self.learner.policy_version.remote().result()
        if isinstance(version, dict):
            self._with_sync(version)  # raises LEARNER_RESTARTED
        return {**info, "policyVersion": version}

    def render_chat(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.local.render_chat(request)

    def detokenize(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.local.detokenize(request)

    def sample(self, request: dict[str, Any]) -> dict[str, Any]:
        return unwrap(self.sampler.call.remote("sample", request, self._current_sync()).result())

    def sample_chat(self, request: dict[str, Any]) -> dict[str, Any]:
        return unwrap(self.sampler.call.remote("sample_chat", request, self._current_sync()).result())

    def forward_backward(self, request: dict[str, Any]) -> dict[str, Any]:
        check_forward_backward(request, self.local.limits)
        return self._with_sync(self.learner.forward_backward.remote(request).result())

    def _with_sync(self, reply: dict[str, Any]) -> Any:
        """The learner's answer; new weights for the samplers when it published some (a step, a load, a restart)."""
        if "sync" in reply:
            self.sync = reply["sync"]
            self.synced = True
        return unwrap(reply)

    def optim_step(self, request: dict[str, Any]) -> dict[str, Any]:
        check_optim_step(request)
        return self._with_sync(self.learner.optim_step.remote(request).result())

    def save_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._with_sync(self.learner.save_state.remote(request).result())

    def load_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._with_sync(self.learner.load_state.remote(request).result())


class _Aborted(Exception):
    pass


class _Context:
    """What build_servicer needs of a grpc.aio context, over Serve's RayServegRPCContext. An abort sets the status,
    details and trailing metadata there; the front then answers an empty message, with which the proxy sends
    them (Serve keeps trailing metadata only on a response)."""

    def __init__(self, context: Any) -> None:
        self.context = context

    def invocation_metadata(self) -> Any:
        return self.context.invocation_metadata()

    async def abort(self, code: grpc.StatusCode, details: str, trailing_metadata: Any = ()) -> None:
        self.context.set_code(code)
        self.context.set_details(details)
        if trailing_metadata:
            self.context.set_trailing_metadata(list(trailing_metadata))
        raise _Aborted(details)


class Backend:
    """The ingress: one method per ajet.v1.Backend RPC, as Serve's gRPC proxy calls them."""

    def __init__(self, sampler: Any, learner: Any, *, options: dict[str, Any], token: str | None) -> None:
        self.pb, _ = load_stubs()
        self.service = RayBackboneService(sampler=sampler, learner=learner, options=options)
        self.servicer = build_servicer(self.service, token, serialize=False)  # type: ignore[arg-type]

    async def _unary(self, method: str, response: str, request: Any, grpc_context: Any) -> Any:
        try:
            return await getattr(self.servicer, method)(request, _Context(grpc_context))
        except _Aborted:
            return getattr(self.pb, response)()

    async def GetInfo(self, request: Any, grpc_context: Any) -> Any:  # noqa: N802 (RPC names)
        return await self._unary("GetInfo", "GetInfoResponse", request, grpc_context)

    async def RenderChat(self, request: Any, grpc_context: Any) -> Any:  # noqa: N802
        return await self._unary("RenderChat", "RenderChatResponse", request, grpc_context)

    async def SampleChat(self, request: Any, grpc_context: Any) -> Any:  # noqa: N802
        return await self._unary("SampleChat", "SampleChatResponse", request, grpc_context)

    async def Detokenize(self, request: Any, grpc_context: Any) -> Any:  # noqa: N802
        return await self._unary("Detokenize", "DetokenizeResponse", request, grpc_context)

    async def ForwardBackward(self, request: Any, grpc_context: Any) -> Any:  # noqa: N802
        return await self._unary("ForwardBackward", "ForwardBackwardResponse", request, grpc_context)

    async def OptimStep(self, request: Any, grpc_context: Any) -> Any:  # noqa: N802
        return await self._unary("OptimStep", "OptimStepResponse", request, grpc_context)

    async def SaveState(self, request: Any, grpc_context: Any) -> Any:  # noqa: N802
        return await self._unary("SaveState", "StateResponse", request, grpc_context)

    async def LoadState(self, request: Any, grpc_context: Any) -> Any:  # noqa: N802
        return await self._unary("LoadState", "StateResponse", request, grpc_context)

    async def Sample(self, request: Any, grpc_context: Any) -> Any:  # noqa: N802
        try:
            async for chunk in self.servicer.Sample(request, _Context(grpc_context)):
                yield chunk
        except _Aborted:
            # One empty chunk carries the error status and trailing metadata to the proxy.
            yield self.pb.SampleChunk()
