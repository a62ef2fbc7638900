"""BackendErrors answered as data by a Ray replica and raised again by the front keep code, message, hint and field."""

from __future__ import annotations

import pytest

from ajet_backend.errors import BackendError, ConfigError
from ajet_backend.ray_serve.remote_errors import answer, unwrap
from ajet_backend.request_checks import RequestError


def _raise(error: Exception) -> None:
    raise error


@pytest.mark.parametrize(
    "error",
    [
        BackendError("STATE_NAME_INVALID", 'state name "../x" has a ".." part', hint="Use a relative name."),
        ConfigError("LOSS_MISSING", "loss is unset"),
        RequestError("promptIds[1]", "=-1 is outside the vocabulary (0..449)"),
    ],
)
def test_an_error_crosses_a_ray_call_whole(error: BackendError) -> None:
    reply = answer(lambda: _raise(error))
    with pytest.raises(BackendError) as raised:
        unwrap(reply)
    again = raised.value
    assert type(again) is type(error)
    assert (again.code, again.message, again.hint, str(again)) == (error.code, error.message, error.hint, str(error))
    assert getattr(again, "field", None) == getattr(error, "field", None)


def test_a_value_crosses_unchanged() -> None:
    assert unwrap(answer(lambda: {"policyVersion": 3})) == {"policyVersion": 3}
