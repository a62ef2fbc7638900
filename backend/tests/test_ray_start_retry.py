"""A local Ray cluster that fails to come up on a busy machine (the raylet gives up waiting for its agents, seen at
load 8-30) is started again, a bounded number of times; any other failure is not retried."""

from __future__ import annotations

import pytest

from ajet_backend.ray_serve.__main__ import LOCAL_START_ATTEMPTS, init_local_cluster


class FakeRay:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.inits = 0
        self.shutdowns = 0

    def init(self, **kwargs: object) -> None:
        self.inits += 1
        if self.failures:
            raise self.failures.pop(0)

    def shutdown(self) -> None:
        self.shutdowns += 1


def startup_timeout() -> Exception:
    return Exception("The current node timed out during startup. This could happen because some of the raylet failed to startup or the GCS has become overloaded.")


def test_a_startup_timeout_is_retried_after_a_shutdown() -> None:
    fake = FakeRay([startup_timeout()])
    init_local_cluster(fake, pause_s=0)
    assert fake.inits == 2
    assert fake.shutdowns == 1


def test_retries_are_bounded_and_the_last_error_is_raised() -> None:
    fake = FakeRay([startup_timeout() for _ in range(LOCAL_START_ATTEMPTS)])
    with pytest.raises(Exception, match="timed out during startup"):
        init_local_cluster(fake, pause_s=0)
    assert fake.inits == LOCAL_START_ATTEMPTS


def test_other_failures_are_not_retried() -> None:
    fake = FakeRay([ValueError("bad num_cpus")])
    with pytest.raises(ValueError, match="bad num_cpus"):
        init_local_cluster(fake, pause_s=0)
    assert fake.inits == 1
