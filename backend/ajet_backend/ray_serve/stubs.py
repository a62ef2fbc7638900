"""What Serve's gRPC proxy imports (gRPCOptions.grpc_servicer_functions): ajet.v1.Backend's registration function,
from the stubs ajet_backend generates on first use."""

from __future__ import annotations

from typing import Any

from ajet_backend.proto_stubs import load_stubs

SERVICER_FUNCTION = "ajet_backend.ray_serve.stubs.add_BackendServicer_to_server"


def add_BackendServicer_to_server(servicer: Any, server: Any) -> None:  # noqa: N802 (grpc's name)
    _, pb_grpc = load_stubs()
    pb_grpc.add_BackendServicer_to_server(servicer, server)
