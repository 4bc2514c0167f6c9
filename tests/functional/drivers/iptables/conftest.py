"""Helpers for the iptables functional tests: backends per kind, TCP probes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from novanet.drivers.iptables import IptablesFirewall
from novanet.drivers.iptables.backend import FirewallBackend, create_backend
from tests.fixtures.netns import Namespace
from tests.fixtures.services import require_module, require_tool
from tests.fixtures.wait import wait_until

#: backend kinds: (entry point, variant)
KINDS = {"nft": ("iptables-restore", "nft"), "legacy": ("iptables-restore", "legacy"),
         "python-iptables": ("python-iptables", "legacy")}

BackendFactory = Callable[[str, Namespace], FirewallBackend]


def make_backend(kind: str, ns: Namespace) -> FirewallBackend:
    """A backend of ``kind`` driving namespace ``ns``, loaded by its entry point
    as the daemon loads it."""
    name, variant = KINDS[kind]
    require_tool(f"iptables-{variant}-restore")
    if name == "python-iptables":
        require_iptc()
    return create_backend(name, namespace=ns.name, variant=variant)


def require_iptc() -> None:
    """The python-iptables backend is an optional plugin: its tests need the extra."""
    require_module("iptc", "pip install 'novanet[iptc]'")


@pytest.fixture
def firewalls() -> Iterator[Callable[..., IptablesFirewall]]:
    """Build firewalls (closed after the test): ``firewalls(kind, ns, **kwargs)``."""
    made: list[IptablesFirewall] = []

    def build(kind: str, ns: Namespace, **kwargs: object) -> IptablesFirewall:
        firewall = IptablesFirewall(make_backend(kind, ns), **kwargs)  # type: ignore[arg-type]
        made.append(firewall)
        return firewall

    yield build
    for firewall in made:
        firewall.close()


def save(ns: Namespace, variant: str, counters: bool = False, family: int = 4) -> str:
    """iptables-save of ``ns`` without comment lines (and without counters)."""
    tool = f"{'ip6tables' if family == 6 else 'iptables'}-{variant}-save"
    out = ns.run([tool, "-c"] if counters else [tool]).stdout
    return "".join(line + "\n" for line in out.splitlines() if not line.startswith("#"))


SERVER = r"""
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(64)
while True:
    conn, peer = srv.accept()
    conn.sendall(peer[0].encode())
    conn.close()
"""

CLIENT = r"""
import errno, socket, sys
sock = socket.socket()
sock.settimeout(5)
try:
    sock.connect((sys.argv[1], int(sys.argv[2])))
    seen = sock.recv(100).decode()
    print("OK", seen, sock.getpeername()[0])
except OSError as exc:
    print("ERR", errno.errorcode.get(exc.errno or 0, str(exc)))
"""


CLIENT_LOOP = r"""
import socket, sys
ok = 0
for _ in range(int(sys.argv[3])):
    sock = socket.socket()
    sock.settimeout(5)
    try:
        sock.connect((sys.argv[1], int(sys.argv[2])))
        ok += bool(sock.recv(100))
    except OSError:
        pass
    finally:
        sock.close()
print(ok)
"""


def tcp_loop(ns: Namespace, address: str, port: int, count: int) -> int:
    """Make ``count`` connections from ``ns``, one after the other; how many got an answer."""
    return int(ns.run([sys.executable, "-c", CLIENT_LOOP, address, str(port), str(count)], timeout=120).stdout)


def start_server(ns: Namespace, address: str, port: int) -> None:
    """A TCP server in ``ns`` that answers every connection with the peer's address."""
    ns.popen([sys.executable, "-c", SERVER, address, str(port)], stdout=subprocess.DEVNULL,
             stderr=subprocess.DEVNULL)
    wait_until(lambda: ns.run(["ss", "-ltnH", f"sport = :{port}"]).stdout.strip(), timeout=10,
               message=f"server on {address}:{port} in {ns.name}")


def tcp(ns: Namespace, address: str, port: int) -> list[str]:
    """Connect from ``ns``: ``["OK", <address the server saw>, <peer address>]`` or ``["ERR", <errno>]``."""
    return ns.run([sys.executable, "-c", CLIENT, address, str(port)], timeout=30).stdout.split()
