"""``novanet-dhcpbridge``: dnsmasq's ``--dhcp-script``.

dnsmasq runs it as ``novanet-dhcpbridge <add|old|del> <mac> <ip> [<hostname>]``
for every lease event and as ``novanet-dhcpbridge init`` at start-up (its
lease file is read-only: the leases come from the store). The environment
carries ``CONFIG_FILE`` (a JSON list of configuration files) and
``NETWORK_ID`` (the network, for ``init``).

* ``add`` and ``del`` become ``lease_fixed_ip`` and ``release_fixed_ip``
  (with the MAC, so a late event about a previous owner is ignored) on this
  host's novanet-network, where dnsmasq runs: through the daemon's UNIX
  socket (``NOVANET_DHCPBRIDGE_SOCKET``, see :mod:`novanet.rpc.bridge_socket`;
  no broker, nothing heavy imported, reachable from dnsmasq in another
  network namespace), or, when the daemon does not answer there, as RPC
  casts to ``network.<host>`` that the broker keeps for its restart.
* ``old`` returns at once, before anything is imported (nova-network bug
  1532809: slow no-op runs backed up dnsmasq's script queue).
* ``init`` prints the leases the store knows (asked of the daemon through
  its socket, else read from the store).

It never makes dnsmasq's lease handling fail on bad input: a malformed event
is logged on stderr (dnsmasq logs it) and ignored with exit status 0. A
broker that cannot be reached is retried briefly, then the event is logged
and dropped; the store heals through the lease timeout.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

import netaddr

_MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")
#: Attempts of the cast when the broker is unreachable (each blocks briefly).
CAST_RETRIES = 2


class BadEvent(Exception):
    pass


def parse_event(argv: Sequence[str]) -> tuple[str, str | None, str | None]:
    """(action, mac, ip) from dnsmasq's arguments.

    :raises BadEvent: with a message naming what is wrong.
    """
    if not argv:
        raise BadEvent("no action given (expected add, old, del or init)")
    action = argv[0]
    if action == "init":
        return action, None, None
    if action not in ("add", "old", "del"):
        raise BadEvent(f"unknown action {action!r} (expected add, old, del or init)")
    if len(argv) < 3:
        raise BadEvent(f"{action} needs a MAC and an IP address, got {list(argv[1:])!r}")
    mac, ip = argv[1], argv[2]
    if not _MAC.match(mac):
        raise BadEvent(f"{mac!r} is not a MAC address")
    try:
        address = str(netaddr.IPAddress(ip))
    except (netaddr.AddrFormatError, ValueError):
        raise BadEvent(f"{ip!r} is not an IP address")
    return action, mac.lower(), address


def config_files(env: Mapping[str, str]) -> list[str]:
    """``CONFIG_FILE`` as a list of paths (empty: oslo.config's defaults).

    :raises BadEvent: it is set but not a JSON list of strings.
    """
    raw = env.get("CONFIG_FILE")
    if not raw:
        return []
    try:
        files = json.loads(raw)
    except ValueError:
        raise BadEvent(f"CONFIG_FILE is not JSON: {raw!r}")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise BadEvent(f"CONFIG_FILE must be a JSON list of paths, not {raw!r}")
    return files


def _say(err: TextIO, message: str) -> None:
    """One line on stderr: dnsmasq copies a script's stderr into its log."""
    err.write(f"novanet-dhcpbridge: {message}\n")
    err.flush()


def run(argv: Sequence[str], env: Mapping[str, str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        action, mac, address = parse_event(argv)
        if action == "old":
            return 0
        files = config_files(env)
    except BadEvent as error:
        _say(err, f"ignoring a bad event {list(argv)}: {error}")
        return 0
    socket_path = env.get("NOVANET_DHCPBRIDGE_SOCKET")
    if socket_path:
        request: dict[str, object] = {"action": action, "mac": mac, "address": address}
        if action == "init":
            request = {"action": "init", "network_id": int(env["NETWORK_ID"])} \
                if env.get("NETWORK_ID", "").isdigit() else {}
        if request:
            answer = ask_daemon(socket_path, request)
            if answer is not None:
                if answer.get("ok"):
                    out.write(str(answer.get("output", "")))
                    return 0
                _say(err, f"the daemon refused {action} {address or ''}: {answer.get('error')}")
                return 0 if action != "init" else 1
    from novanet.conf import CONF

    try:
        CONF([a for path in files for a in ("--config-file", path)], project="novanet")
    except Exception as error:  # a broken configuration must not break dnsmasq
        _say(err, f"cannot read the configuration {files}: {error}")
        return 0 if action != "init" else 1
    if action == "init":
        return print_leases(env, out, err)
    return send_event(action, mac, address, err)


def ask_daemon(path: str, request: dict[str, object], timeout: float = 30) -> dict[str, object] | None:
    """One request on the daemon's socket; None when the daemon does not answer."""
    import socket

    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall((json.dumps(request) + "\n").encode())
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        answer = json.loads(data.decode())
    except (OSError, ValueError):
        return None
    return answer if isinstance(answer, dict) else None


def print_leases(env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    from novanet import exception
    from novanet.drivers.dnsmasq import render_leases
    from novanet.manager.queries import Queries

    raw = env.get("NETWORK_ID", "")
    if not raw.isdigit():
        _say(err, f"Environment variable 'NETWORK_ID' must be set to the network's id (got {raw!r})")
        return 1
    try:
        out.write(render_leases(Queries().get_dhcp_leases(int(raw))))
    except exception.NovanetError as error:
        _say(err, f"cannot list the leases of network {raw}: {error}")
        return 1
    return 0


def send_event(action: str, mac: str | None, address: str | None, err: TextIO) -> int:
    from novanet.conf import CONF
    from novanet.rpc import NetworkAPI, get_admin_context

    assert address is not None
    context = get_admin_context()
    for attempt in range(1, CAST_RETRIES + 1):
        try:
            api = NetworkAPI()
            if action == "add":
                api.lease_fixed_ip(context, CONF.host, address, mac)
            else:
                api.release_fixed_ip(context, CONF.host, address, mac)
            return 0
        except Exception as error:  # broker down, timeouts: log, never break dnsmasq
            _say(err, f"{action} of {address} ({mac}) not delivered (attempt {attempt}): {error}")
    return 0
