"""Stopping the RPC server: consumers cancelled in the polling thread, leftovers dispatched."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from novanet.rpc import drain


class Operations:
    """Like the rabbit listener's operations queue: tasks run in the polling thread."""

    def __init__(self) -> None:
        self.tasks: queue.Queue[Any] = queue.Queue()
        self.thread_names: list[str] = []
        self.poller = threading.Thread(target=self._poll, name="poller", daemon=True)
        self.poller.start()

    def _poll(self) -> None:
        while True:
            task = self.tasks.get()
            self.thread_names.append(threading.current_thread().name)
            task()

    def do(self, task: Any) -> None:
        self.tasks.put(task)


class Connection:
    def __init__(self, events: list[str]) -> None:
        self.events = events

    def reset(self) -> None:
        self.events.append("cancel consumers")


class FakeServer:
    def __init__(self) -> None:
        self.events: list[str] = []
        poll = type("PollListener", (), {})()
        poll._message_operations_handler = Operations()
        poll.conn = Connection(self.events)
        poll.incoming = []
        self.listener = type("Listener", (), {"_poll_style_listener": poll})()
        self.poll = poll

    def stop(self) -> None:
        self.events.append("stop")

    def wait(self) -> None:
        self.events.append("wait")
        self.poll.incoming.append("late request")  # delivered during the cancel, never polled

    def _process_incoming(self, batch: list[str]) -> None:
        self.events.append(f"dispatch {batch[0]}")


def test_consumers_cancelled_in_the_polling_thread_then_leftovers_dispatched() -> None:
    server = FakeServer()
    assert drain.stop_server(server, time.monotonic() + 10) is True
    assert server.events == ["cancel consumers", "stop", "wait", "dispatch late request"]
    assert server.poll._message_operations_handler.thread_names == ["poller"]


def test_other_transports_are_stopped_plainly() -> None:
    events: list[str] = []
    server = type("Plain", (), {"stop": lambda self: events.append("stop"),
                                "wait": lambda self: events.append("wait")})()
    assert drain.stop_server(server, time.monotonic() + 10) is True
    assert events == ["stop", "wait"]


def test_deadline_bounds_the_wait() -> None:
    release = threading.Event()
    server = FakeServer()
    server.wait = lambda: release.wait(30)  # type: ignore[method-assign]
    try:
        assert drain.stop_server(server, time.monotonic() + 0.2) is False
    finally:
        release.set()
