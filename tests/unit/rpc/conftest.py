"""Fixtures of the RPC unit tests: an in-memory transport per test, an endpoint over a stub manager."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from novanet.conf import CONF
from novanet.rpc import policy, transport
from novanet.rpc.endpoints import NetworkEndpoint
from tests.unit.rpc.stub import StubManager


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


@pytest.fixture
def stub() -> StubManager:
    return StubManager()


@pytest.fixture
def endpoint(stub: StubManager) -> NetworkEndpoint:
    return NetworkEndpoint(stub)  # type: ignore[arg-type]
