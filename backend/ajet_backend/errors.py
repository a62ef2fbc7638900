"""Errors with a stable code, mirroring @ajet/spec's AjetError family. Errors a server sends use the names of
backend.proto's ErrorCode (upper case; tests/test_grpc_server.py checks them), and reach a TypeScript client in an
ErrorDetail with the same code, message and hint. Lower-case codes are for start-up errors that never cross the
wire (bad flags, a missing model)."""


class BackendError(Exception):
    """A request the backend cannot serve; `code` is stable, `message` says what went wrong, `hint` what to do."""

    def __init__(self, code: str, message: str, hint: str = "", *, retryable: bool = False) -> None:
        super().__init__(f"{message} {hint}" if hint else message)
        self.code = code
        self.message = message
        self.hint = hint
        # Whether the same call may succeed when repeated (ErrorDetail.retryable).
        self.retryable = retryable


class ConfigError(BackendError):
    """A bad setting: a flag, a loss spec field, a model folder."""
