"""`python -m ajet_backend serve --model builtin:tinylm-calculator`: the tinylm policy behind the same
BackboneService and gRPC server as a transformers model."""

from __future__ import annotations

import asyncio
from typing import Any

from ajet_backend.policy import Policy, PolicySettings
from ajet_backend.service import BackboneService, ServiceInfo
from ajet_backend.tinylm.loading import TOKENIZER_NAME, load_tinylm


def build_tinylm_service(*, model: str, max_model_len: int, micro_batch_tokens: int = 8192, state_root: str | None = None) -> BackboneService:
    """float32 on the CPU whatever --dtype says: tinylm is small, and float32 is what the TypeScript one computes in."""
    folder, network, renderer = load_tinylm(model)
    policy = Policy(network, PolicySettings(micro_batch_tokens=micro_batch_tokens, device="cpu"))
    policy.policy_version = folder.policy_version
    info = ServiceInfo(model=folder.name, tokenizer=TOKENIZER_NAME, max_model_len=min(max_model_len, folder.config.max_seq_len))
    return BackboneService(policy=policy, renderer=renderer, info=info, state_root=state_root)  # type: ignore[arg-type]


def run_tinylm_server(settings: Any) -> None:
    from ajet_backend.grpc_server import serve_fronts

    service = build_tinylm_service(model=settings.model, max_model_len=settings.max_model_len, micro_batch_tokens=settings.micro_batch_tokens, state_root=settings.state_root)
    banner = f"(tinylm {service.info.model}, float32 on the CPU, max model len {service.info.max_model_len})"
    asyncio.run(serve_fronts(service=service, settings=settings, banner=banner))
