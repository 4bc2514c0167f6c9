"""The store's one retry loop (db/session.py)."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.db import session


def test_each_attempt_is_numbered_and_a_conflict_retried() -> None:
    seen: list[int] = []

    def operation(attempt: int) -> str:
        seen.append(attempt)
        if attempt < 2:
            raise session.RetryRequest()
        return "done"

    assert session.retried(operation) == "done" and seen == [0, 1, 2]


def test_a_non_conflict_is_not_retried() -> None:
    seen: list[int] = []

    def operation(attempt: int) -> None:
        seen.append(attempt)
        raise exception.NoMoreFixedIps(net="n")

    with pytest.raises(exception.NoMoreFixedIps):
        session.retried(operation, lambda: exception.FixedIpAssociateFailed(net="n"))
    assert seen == [0]


def test_running_out_of_attempts_raises_the_named_error() -> None:
    def always_lose(attempt: int) -> None:
        raise session.RetryRequest()

    with pytest.raises(exception.FixedIpAssociateFailed) as info:
        session.retried(always_lose, lambda: exception.FixedIpAssociateFailed(net="n"))
    assert isinstance(info.value.__cause__, session.RetryRequest)
    with pytest.raises(session.RetryRequest):
        session.retried(always_lose)  # nothing named: the last conflict itself


def test_the_decorator_uses_the_same_loop() -> None:
    calls: list[int] = []

    @session.retry_on_conflict
    def flaky(value: int) -> int:
        calls.append(value)
        if len(calls) == 1:
            raise session.RetryRequest()
        return value * 2

    assert flaky(21) == 42 and calls == [21, 21] and flaky.__name__ == "flaky"
