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
    except RequestError as error:
        return {"error": {"kind": "request", "code": error.code, "message": str(error), "field": error.field}}
    except ConfigError as error:
        return {"error": {"kind": "config", "code": error.code, "message": str(error)}}
    except BackendError as error:
        return {"error": {"kind": "backend", "code": error.code, "message": str(error)}}


def unwrap(reply: dict[str, Any]) -> Any:
    if "ok" in reply:
        return reply["ok"]
    raw = reply["error"]
    if raw["kind"] == "request":
        error: BackendError = RequestError.__new__(RequestError)
        BackendError.__init__(error, raw["code"], raw["message"])
        error.field = raw["field"]  # type: ignore[attr-defined]
        raise error
    raise (ConfigError if raw["kind"] == "config" else BackendError)(raw["code"], raw["message"])
