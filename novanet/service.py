"""The novanet-network daemon runtime: manager, RPC server, heartbeat, periodic tasks.

Theory of operation
-------------------
Start order (nova's, minus eventlet): ``manager.init_host()`` makes the host
match the store; the first heartbeat creates or refreshes this host's
``services`` row; the RPC server starts consuming ``<topic>``,
``<topic>.<host>`` and the fanout; then two threads run: the heartbeat (every
``report_interval`` seconds) and the periodic tasks (first after a random
delay in ``[0, periodic_fuzzy_delay]``, then every ``periodic_interval``).

Requests run on oslo.messaging's threading executor: a pool of real threads,
so the manager and the store must be (and are) thread-safe; there is no
eventlet anywhere in the process.

Stop order (SIGTERM or SIGINT): cancel the AMQP consumers (requests not yet
delivered stay on the broker for another host or for this one's restart;
see :mod:`novanet.rpc.drain` for why oslo.messaging's own stop is not
enough), wait for the requests taken to finish (bounded by
``graceful_shutdown_timeout``), stop the heartbeat and periodic threads,
close the transport, exit 0. A request in flight that itself calls "any
network host" (the topic) can only be answered by another host while this
one drains. If requests are
still running when the bound expires, the process exits with status 1
without waiting for them (a request cut short is what a crash leaves, and
the store is built to survive that, see DESIGN.md "Facts first").

A failing heartbeat or periodic run (database unreachable, a bug) is logged
and retried at the next interval; it never stops the daemon. Broker outages
are oslo.messaging's to ride out: its rabbit driver reconnects and
re-declares the queues, and the server resumes consuming.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from novanet.context import get_admin_context
from novanet.rpc import drain
from novanet.rpc import transport as rpc_transport
from novanet.rpc.bridge_socket import BridgeSocketServer
from novanet.rpc.endpoints import BaseEndpoint, NetworkEndpoint
from novanet.rpc.endpoints.baremetal import BaremetalEndpoint

LOG = logging.getLogger(__name__)

BINARY = "novanet-network"

Heartbeat = Callable[[str, str, str | None], Any]


def _store_heartbeat(host: str, binary: str, topic: str | None) -> Any:
    from novanet.db import api as db

    return db.service_heartbeat(host, binary, topic)


class Service:
    """One network host's service.

    :param manager: the network manager (anything with the
        :class:`novanet.rpc.manager_api.ManagerAPI` methods).
    :param transport: the RPC transport the server consumes from.
    :param heartbeat: records liveness; default is the store's
        ``service_heartbeat``.
    """

    def __init__(self, manager: Any, transport: Any, host: str, *, topic: str = "network", binary: str = BINARY,
                 report_interval: float = 10, periodic_enable: bool = True, periodic_interval: float = 60,
                 periodic_fuzzy_delay: float = 0, graceful_shutdown_timeout: float = 60,
                 heartbeat: Heartbeat = _store_heartbeat, endpoints: Sequence[Any] | None = None,
                 bridge_socket: str = "") -> None:
        self.manager = manager
        self.transport = transport
        self.host = host
        self.topic = topic
        self.binary = binary
        self.report_interval = report_interval
        self.periodic_enable = periodic_enable
        self.periodic_interval = periodic_interval
        self.periodic_fuzzy_delay = periodic_fuzzy_delay
        self.graceful_shutdown_timeout = graceful_shutdown_timeout
        self._heartbeat = heartbeat
        self.endpoints = list(endpoints) if endpoints is not None else [
            NetworkEndpoint(manager), BaseEndpoint(), BaremetalEndpoint(manager)]
        self.server: Any = None
        self.bridge = BridgeSocketServer(manager, bridge_socket) if bridge_socket else None
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.beats = 0
        self.periodic_runs = 0

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        LOG.info("Starting %s on host %s (topic %s)", self.binary, self.host, self.topic)
        if self.bridge is not None:
            # Before init_host: the dnsmasqs it starts ask for their leases here.
            self.bridge.start()
        self.manager.init_host()
        self.report_state()
        self.server = rpc_transport.get_server(self.transport, self.host, self.endpoints, self.topic)
        self.server.start()
        self._spawn("heartbeat", self._heartbeat_loop)
        if self.periodic_enable:
            self._spawn("periodic", self._periodic_loop)
        LOG.info("%s on %s is serving", self.binary, self.host)

    def stop(self) -> bool:
        """Stop consuming, let in-flight requests finish, stop the threads.

        :returns: True when everything finished within
            ``graceful_shutdown_timeout``.
        """
        LOG.info("Stopping %s on %s: no new requests; waiting up to %ss for those in flight",
                 self.binary, self.host, self.graceful_shutdown_timeout)
        deadline = time.monotonic() + self.graceful_shutdown_timeout
        self._stopping.set()
        finished = True
        if self.server is not None:
            finished = drain.stop_server(self.server, deadline)
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            finished = finished and not thread.is_alive()
        if self.bridge is not None:
            self.bridge.stop()
        if finished:
            self.transport.cleanup()
            LOG.info("%s on %s stopped", self.binary, self.host)
        else:
            LOG.warning("%s on %s: work still running after %ss; exiting without it",
                        self.binary, self.host, self.graceful_shutdown_timeout)
        return finished

    def run_until_signalled(self) -> int:
        """Start, serve until SIGTERM/SIGINT, stop; the process exit status.

        SIGHUP re-reads the configuration files' mutable options (e.g. ``debug``).
        """
        stop_requested = threading.Event()

        def request_stop(signum: int, frame: Any) -> None:
            LOG.info("Caught %s", signal.Signals(signum).name)
            stop_requested.set()

        def reload(signum: int, frame: Any) -> None:
            from novanet.conf import CONF

            LOG.info("Caught SIGHUP: reloading mutable options")
            CONF.mutate_config_files()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGHUP, reload)
        self.start()
        while not stop_requested.wait(1.0):
            pass
        return 0 if self.stop() else 1

    # -- background work -----------------------------------------------------------------

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def report_state(self) -> None:
        """One heartbeat; a failure is logged and the next one retries."""
        try:
            self._heartbeat(self.host, self.binary, self.topic)
            self.beats += 1
        except Exception:
            LOG.exception("Heartbeat of %s on %s failed; retrying in %ss", self.binary, self.host,
                          self.report_interval)

    def _heartbeat_loop(self) -> None:
        while not self._stopping.wait(self.report_interval):
            self.report_state()

    def run_periodic_tasks(self) -> None:
        """One run of the manager's periodic tasks; a failure is logged, not raised."""
        try:
            self.manager.run_periodic_tasks(get_admin_context())
            self.periodic_runs += 1
        except Exception:
            LOG.exception("Periodic tasks of %s on %s failed", self.binary, self.host)

    def _periodic_loop(self) -> None:
        delay = random.uniform(0, self.periodic_fuzzy_delay) if self.periodic_fuzzy_delay > 0 else 0.0
        if self._stopping.wait(delay):
            return
        while not self._stopping.is_set():
            self.run_periodic_tasks()
            if self._stopping.wait(self.periodic_interval):
                return


def exit_now(status: int) -> NoReturn:
    """Leave without joining request threads that are still running."""
    logging.shutdown()
    os._exit(status)
