"""The daemon's local door for novanet-dhcpbridge: lease events without a broker round trip.

Theory of operation
-------------------
dnsmasq runs ``novanet-dhcpbridge`` for every lease event, on the network's
host, which is this daemon's host. Through this UNIX socket (path in
``[dnsmasq] bridge_socket``, handed to the script by dnsmasq's environment)
the script delivers the event straight to this daemon's manager: exactly
what its ``lease_fixed_ip``/``release_fixed_ip`` cast to ``network.<host>``
would do, without loading oslo.messaging for each event. ``init`` returns the
leases the store knows.

It also works when dnsmasq runs inside ``[linux_net] namespace``: a UNIX
socket is a file, so it is reachable from any network namespace, where the
broker's 127.0.0.1 is not. When the socket is missing (the daemon is down),
the script falls back to the RPC cast, which the broker keeps for the
daemon's restart.

One JSON object per line in each direction. Requests:
``{"action": "add"|"del", "mac": ..., "address": ...}`` and
``{"action": "init", "network_id": N}``; answers ``{"ok": true,
"output": "..."}`` or ``{"ok": false, "error": "..."}``. The socket is
created mode 0600: only root (dnsmasq's script runs as root) may talk.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from typing import Any

from novanet import exception
from novanet.context import get_admin_context

LOG = logging.getLogger(__name__)

MAX_REQUEST = 4096


class BridgeSocketServer:
    """Serve lease events to ``manager`` on a UNIX socket at ``path``."""

    def __init__(self, manager: Any, path: str) -> None:
        self.manager = manager
        self.path = path
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        try:
            os.unlink(self.path)  # a socket file left by a previous run
        except FileNotFoundError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(self.path)
        finally:
            os.umask(old)
        sock.listen(64)
        sock.settimeout(0.5)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, name="dhcpbridge-socket", daemon=True)
        self._thread.start()
        LOG.info("Lease events from novanet-dhcpbridge accepted on %s", self.path)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                raise
            threading.Thread(target=self._handle, args=(conn,), name="dhcpbridge-event", daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            try:
                data = b""
                while not data.endswith(b"\n") and len(data) <= MAX_REQUEST:
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    data += chunk
                answer = self.answer(data)
            except (OSError, TimeoutError) as error:
                LOG.warning("dhcpbridge socket: %s", error)
                return
            try:
                conn.sendall((json.dumps(answer) + "\n").encode())
            except OSError:
                pass

    def answer(self, data: bytes) -> dict[str, Any]:
        """Handle one request (bytes of one JSON line); never raises."""
        try:
            request = json.loads(data.decode("utf-8", "replace")) if len(data) <= MAX_REQUEST else None
        except ValueError:
            request = None
        if not isinstance(request, dict):
            return {"ok": False, "error": "the request is not a JSON object"}
        action = request.get("action")
        context = get_admin_context()
        try:
            if action == "add":
                self.manager.lease_fixed_ip(context, str(request.get("address")), str(request.get("mac")))
                return {"ok": True, "output": ""}
            if action == "del":
                self.manager.release_fixed_ip(context, str(request.get("address")), str(request.get("mac")))
                return {"ok": True, "output": ""}
            if action == "init":
                from novanet.drivers.dnsmasq import render_leases

                network_id = request.get("network_id")
                if not isinstance(network_id, int):
                    return {"ok": False, "error": f"network_id must be an integer, not {network_id!r}"}
                return {"ok": True, "output": render_leases(self.manager.queries.get_dhcp_leases(network_id))}
        except exception.NovanetError as error:
            LOG.warning("dhcpbridge %s refused: %s", action, error)
            return {"ok": False, "error": str(error)}
        except Exception as error:  # never let a bad event kill the thread silently
            LOG.exception("dhcpbridge %s failed", action)
            return {"ok": False, "error": f"{type(error).__name__}: {error}"}
        return {"ok": False, "error": f"unknown action {action!r}"}
