"""A recording host side and small builders for the auto-allocation store tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from novanet import exception
from novanet.db import models, session
from novanet.db.models import Network
from novanet.manager.autoalloc import admin
from novanet.manager.autoalloc.allocator import AutoAllocator
from novanet.manager.autoalloc.options import AutoOptions
from novanet.manager.create import Defaults
from novanet.manager.strategy import VlanNetworks
from novanet.manager.vlan import VlanManager


class FakeHost:
    """Records what the allocator asks of the host; can fail or pause on request."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.bridges: set[str] = set()
        self.interfaces = {"pub0"}
        self.fail_with: Exception | None = None
        self.pause: threading.Event | None = None
        self.entered = threading.Event()
        self._lock = threading.Lock()

    def setup_network(self, network: Network) -> None:
        with self._lock:
            self.calls.append(("realise", str(network.bridge)))
            self.bridges.add(str(network.bridge))
        self.entered.set()
        if self.pause is not None:
            assert self.pause.wait(60), "the test never released the paused build"
        if self.fail_with is not None:
            raise self.fail_with

    def discard_network(self, network: Network) -> None:
        with self._lock:
            self.calls.append(("unrealise", str(network.bridge)))
            self.bridges.discard(str(network.bridge))

    def device_exists(self, name: str) -> bool | None:
        return name in self.interfaces

    def count(self, what: str) -> int:
        return sum(1 for call, _ in self.calls if call == what)


def options(**overrides: Any) -> Callable[[], AutoOptions]:
    values: dict[str, Any] = {"vlan_start": 100, "vlan_end": 4094, "claim_lease": 5, "build_timeout": 30,
                              "failed_build_hold": 2, "retry_jitter_ms": 20, "allocation_retries": 30,
                              "create_defaults": Defaults(vlan_interface="eth1")}
    values.update(overrides)
    frozen = AutoOptions(**values)
    return lambda: frozen


def allocator(host_side: FakeHost | None = None, host: str = "net-1", **overrides: Any) -> AutoAllocator:
    return AutoAllocator(host, VlanNetworks(), VlanManager.create_rules(), host_side or FakeHost(), options(**overrides))


def ready_pool(prefix: str = "10.128.0.0/24", prefixlen: int = 26) -> None:
    admin.create_pool("auto", [prefix], prefixlen, is_default=True)
    admin.create_egress("out", "pub0", "172.24.4.1", is_default=True)


def dump_store() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for "nothing changed" comparisons."""
    engine = session.get_engine()
    with engine.connect() as conn:
        return {table.name: sorted(tuple(map(str, row)) for row in conn.execute(sa.select(table)))
                for table in models.Base.metadata.sorted_tables}


def raises_reason(call: Callable[[], Any], reason: str) -> exception.AutoAllocationFailure:
    try:
        call()
    except exception.AutoAllocationFailure as error:
        assert error.reason == reason, error
        return error
    raise AssertionError(f"expected AutoAllocationFailure({reason})")
