"""Fixtures of the RPC unit tests: an in-memory transport per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from novanet.conf import CONF
from novanet.rpc import policy, transport


@pytest.fixture
def fake_transport() -> Iterator[Any]:
    """oslo.messaging's in-memory transport (it polls every 50 ms: wiring, not timing)."""
    t = transport.get_transport(CONF, url="fake:")
    yield t
    t.cleanup()


@pytest.fixture
def topic() -> str:
    return "network-" + uuid.uuid4().hex[:8]


@pytest.fixture(autouse=True)
def fresh_policy() -> Iterator[None]:
    policy.reset()
    yield
    policy.reset()
