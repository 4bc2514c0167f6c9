"""The daemon runtime: start order, heartbeats, periodic tasks, graceful stop."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from novanet.rpc.client import NetworkAPI
from novanet.context import get_admin_context
from novanet.service import Service
from tests.fixtures.wait import wait_until
from tests.unit.rpc.stub import UUID, StubManager


class Beats:
    def __init__(self, failures: int = 0) -> None:
        self.calls: list[tuple[str, str, str | None]] = []
        self.failures = failures

    def __call__(self, host: str, binary: str, topic: str | None) -> None:
        self.calls.append((host, binary, topic))
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database unreachable")


def make_service(fake_transport: Any, topic: str, stub: StubManager, beats: Beats, **kwargs: Any) -> Service:
    options: dict[str, Any] = {"report_interval": 0.05, "periodic_interval": 0.05, "periodic_fuzzy_delay": 0,
                               "graceful_shutdown_timeout": 10}
    options.update(kwargs)
    return Service(stub, fake_transport, "host-a", topic=topic, heartbeat=beats, **options)


def test_start_order_heartbeats_and_periodic_tasks(fake_transport: Any, topic: str) -> None:
    stub, beats = StubManager(), Beats()
    order: list[str] = []
    stub.hooks["init_host"] = lambda: order.append(f"init_host, beats={len(beats.calls)}")
    service = make_service(fake_transport, topic, stub, beats)
    service.start()
    try:
        assert order == ["init_host, beats=0"]
        assert beats.calls[0] == ("host-a", "novanet-network", topic)
        wait_until(lambda: len(beats.calls) >= 3 and stub.names().count("run_periodic_tasks") >= 3, timeout=10)
        periodic = stub.last("run_periodic_tasks")
        assert periodic.context.is_admin
        api = NetworkAPI(transport_=fake_transport, topic=topic, timeout=10)
        assert api.ping(get_admin_context(), "x", host="host-a") == {"service": "network", "arg": "x"}
    finally:
        assert service.stop() is True


def test_failures_are_logged_and_retried(fake_transport: Any, topic: str, caplog: pytest.LogCaptureFixture) -> None:
    stub, beats = StubManager(), Beats(failures=2)
    stub.raises["run_periodic_tasks"] = RuntimeError("periodic bug")
    service = make_service(fake_transport, topic, stub, beats)
    service.start()
    try:
        wait_until(lambda: service.beats >= 2 and stub.names().count("run_periodic_tasks") >= 2, timeout=10)
    finally:
        service.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert any("Heartbeat of novanet-network on host-a failed" in m for m in messages)
    assert any("Periodic tasks of novanet-network on host-a failed" in m for m in messages)
    assert service.periodic_runs == 0


def test_periodic_tasks_can_be_disabled(fake_transport: Any, topic: str) -> None:
    stub, beats = StubManager(), Beats()
    service = make_service(fake_transport, topic, stub, beats, periodic_enable=False)
    service.start()
    wait_until(lambda: len(beats.calls) >= 3, timeout=10)
    service.stop()
    assert "run_periodic_tasks" not in stub.names()


def _blocked_request(fake_transport: Any, topic: str, stub: StubManager) -> tuple[threading.Event, list[Any]]:
    """Start an allocate whose manager call waits for the returned event."""
    release = threading.Event()
    stub.hooks["allocate_for_instance"] = lambda: (release.wait(30), None)[1]
    replies: list[Any] = []
    api = NetworkAPI(transport_=fake_transport, topic=topic, timeout=30)

    def call() -> None:
        try:
            replies.append(api.allocate_for_instance(get_admin_context(), UUID, project_id="p1"))
        except Exception as error:  # the assertion below shows it
            replies.append(error)

    threading.Thread(target=call, daemon=True).start()
    wait_until(lambda: "allocate_for_instance" in stub.names(), timeout=10)
    return release, replies


def test_stop_lets_in_flight_requests_finish(fake_transport: Any, topic: str) -> None:
    stub, beats = StubManager(), Beats()
    service = make_service(fake_transport, topic, stub, beats)
    service.start()
    release, replies = _blocked_request(fake_transport, topic, stub)
    outcome: list[bool] = []
    stopper = threading.Thread(target=lambda: outcome.append(service.stop()))
    stopper.start()
    wait_until(lambda: service.stopping, timeout=10)
    assert outcome == [] and replies == []  # still waiting for the request
    release.set()
    stopper.join(20)
    assert outcome == [True]
    wait_until(lambda: replies, timeout=10)
    assert len(replies[0]) == 1  # the NetworkInfo of the stub: the caller got its answer


def test_stop_gives_up_after_the_grace_period(fake_transport: Any, topic: str) -> None:
    stub, beats = StubManager(), Beats()
    service = make_service(fake_transport, topic, stub, beats, graceful_shutdown_timeout=0.3)
    service.start()
    release, _ = _blocked_request(fake_transport, topic, stub)
    try:
        assert service.stop() is False
    finally:
        release.set()
