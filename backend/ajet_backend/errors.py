"""Errors with a stable code, mirroring @ajet/spec's AjetError family."""


class BackendError(Exception):
    """A request the backend cannot serve; `code` is stable, the message says what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ConfigError(BackendError):
    """A bad setting: a flag, a loss spec field, a model folder."""
