"""BackendErrors across Ray calls: a replica answers them as data and the front raises them again, so the gRPC
layer maps them as it does in `ajet_backend serve` (a RayTaskError keeps neither the code nor the field)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ajet_backend.errors import BackendError, ConfigError
from ajet_backend.request_checks import RequestError


def answer(work: Callable[[], Any]) -> dict[str, Any]:
    try:
        return {"ok": work()}
    except BackendError as error:
        kind = "request" if isinstance(error, RequestError) else "config" if isinstance(error, ConfigError) else "backend"
        # message and hint apart: the gRPC layer sends them as ErrorDetail's own fields.
        raw = {"kind": kind, "code": error.code, "message": error.message, "hint": error.hint, "retryable": error.retryable}
        if isinstance(error, RequestError):
            raw["field"] = error.field
        return {"error": raw}


def unwrap(reply: dict[str, Any]) -> Any:
    if "ok" in reply:
        return reply["ok"]
    raw = reply["error"]
    if raw["kind"] == "request":
        error: BackendError = RequestError.__new__(RequestError)
        BackendError.__init__(error, raw["code"], raw["message"], raw["hint"], retryable=raw.get("retryable", False))
        error.field = raw["field"]  # type: ignore[attr-defined]
        raise error
    raise (ConfigError if raw["kind"] == "config" else BackendError)(raw["code"], raw["message"], raw["hint"], retryable=raw.get("retryable", False))
