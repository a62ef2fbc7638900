"""`python -m ajet_backend serve ...`: flags, model loading, and the server."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from ajet_backend.errors import BackendError, ConfigError
from ajet_backend.model_loading import DTYPES


@dataclass(frozen=True)
class ServeSettings:
    model: str
    port: int
    host: str
    lora_rank: int
    dtype: str
    max_model_len: int
    gpu_memory_utilization: float
    token: str | None
    micro_batch_tokens: int
    engine: str = "auto"
    state_root: str = "ajet_backend_state"
    # Also serve the Tinker HTTP API on this port (0: a free one); None: gRPC only.
    tinker_port: int | None = None


def parse_serve_arguments(argv: list[str]) -> ServeSettings:
    parser = argparse.ArgumentParser(prog="python -m ajet_backend")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve ajet.v1.Backend over gRPC")
    serve.add_argument("--model", required=True, help="hub id or folder, or builtin:NAME / a folder with model.json for a tinylm model")
    serve.add_argument("--port", type=int, default=50051, help="0 picks a free port (printed when serving)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default this machine only; 0.0.0.0: every interface, with --token)")
    serve.add_argument("--lora-rank", type=int, default=0, help="0 trains all weights")
    serve.add_argument("--dtype", default="bf16", choices=sorted(DTYPES))
    serve.add_argument("--max-model-len", type=int, default=4096)
    serve.add_argument("--gpu-memory-utilization", type=float, default=0.5, help="share of GPU memory for the vLLM engine")
    serve.add_argument("--token", default=None, help="clients must send this bearer token")
    serve.add_argument("--engine", default="auto", choices=["auto", "hf", "vllm"], help="sampler: vllm (the vllm extra, GPU), hf (transformers), auto (vllm when installed and a GPU is present)")
    serve.add_argument("--micro-batch-tokens", type=int, default=8192, help="padded tokens per forward/backward pass")
    serve.add_argument("--state-root", default="ajet_backend_state", help="folder on this machine where SaveState writes checkpoints, by the name a trainer gives; no client reaches outside it")
    serve.add_argument("--tinker-port", type=int, default=None, help="also serve the Tinker HTTP API (tinker==0.38.0's wire format) on this port, same host, same model; 0 picks a free port (printed). --token is then the X-API-Key a client must send")
    arguments = parser.parse_args(argv)
    if not 0 < arguments.gpu_memory_utilization <= 1:
        raise ConfigError("serve_gpu_memory", f"--gpu-memory-utilization is {arguments.gpu_memory_utilization}: pass a share in (0, 1]")
    if arguments.tinker_port is not None and not 0 <= arguments.tinker_port <= 65535:
        raise ConfigError("serve_flags", f"--tinker-port is {arguments.tinker_port}: pass a port in 0..65535 (0 picks a free one)")
    if arguments.lora_rank < 0 or arguments.max_model_len <= 0 or arguments.micro_batch_tokens <= 0:
        raise ConfigError("serve_flags", "--lora-rank must be >= 0, --max-model-len and --micro-batch-tokens > 0")
    return ServeSettings(
        model=arguments.model,
        port=arguments.port,
        host=arguments.host,
        lora_rank=arguments.lora_rank,
        dtype=arguments.dtype,
        max_model_len=arguments.max_model_len,
        gpu_memory_utilization=arguments.gpu_memory_utilization,
        token=arguments.token,
        micro_batch_tokens=arguments.micro_batch_tokens,
        engine=arguments.engine,
        state_root=os.path.abspath(arguments.state_root),
        tinker_port=arguments.tinker_port,
    )


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def bind_warnings(*, host: str, token: str | None) -> list[str]:
    """What to tell the user before serving: off loopback without a token, anyone who reaches the port trains."""
    if token or host in LOOPBACK_HOSTS:
        return []
    return [f"serving on {host} without a token: anyone who can reach the port can sample, train and save; pass --token (clients send it as a bearer token)"]


def serve(settings: ServeSettings) -> None:
    from ajet_backend.tinylm.loading import is_tinylm_model

    for warning in bind_warnings(host=settings.host, token=settings.token):
        print(f"ajet_backend: warning: {warning}", file=sys.stderr, flush=True)
    if is_tinylm_model(settings.model):
        from ajet_backend.tinylm.serving import run_tinylm_server

        run_tinylm_server(settings)
        return
    from ajet_backend.grpc_server import run_server

    run_server(settings)


def main(argv: list[str] | None = None) -> int:
    try:
        serve(parse_serve_arguments(sys.argv[1:] if argv is None else argv))
    except BackendError as error:
        print(f"ajet_backend: {error} [{error.code}]", file=sys.stderr)
        return 2
    return 0
