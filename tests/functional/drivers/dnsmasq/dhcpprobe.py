"""A minimal DHCP and DNS client for tests and tools/bench_dhcp.py.

One request, one answer, no state: :func:`discover` sends a DHCPDISCOVER
(broadcast flag set) and returns the OFFER; :func:`renew` sends a unicast
DHCPREQUEST from an address the client already holds, like a client in
RENEWING state; :func:`query_a` asks for an A record. Sockets are created
inside a named network namespace (``setns`` on the calling thread, then back),
so the caller stays in its own namespace and pays no process start per probe.
"""

from __future__ import annotations

import ctypes
import dataclasses
import os
import random
import socket
import struct
import time

CLONE_NEWNET = 0x40000000
MAGIC = b"\x63\x82\x53\x63"
DISCOVER, OFFER, REQUEST, ACK, NAK = 1, 2, 3, 5, 6

_libc = ctypes.CDLL(None, use_errno=True)


def socket_in_netns(namespace: str, family: int, kind: int) -> socket.socket:
    """A socket that lives in network namespace ``namespace``."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({namespace}): {os.strerror(err)}")
        try:
            return socket.socket(family, kind)
        finally:
            if _libc.setns(own, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "cannot return to the original network namespace")
    finally:
        os.close(own)
        os.close(target)


@dataclasses.dataclass(frozen=True)
class DhcpReply:
    message_type: int
    yiaddr: str
    options: dict[int, bytes]

    @property
    def routers(self) -> list[str] | None:
        """Option 3 as addresses; None if the option is absent."""
        raw = self.options.get(3)
        if raw is None:
            return None
        return [socket.inet_ntoa(raw[i:i + 4]) for i in range(0, len(raw) - 3, 4)]


def _packet(mac: str, xid: int, message_type: int, ciaddr: str = "0.0.0.0", broadcast: bool = True) -> bytes:
    chaddr = bytes.fromhex(mac.replace(":", "")).ljust(16, b"\0")
    header = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000 if broadcast else 0,
                         socket.inet_aton(ciaddr), b"\0" * 4, b"\0" * 4, b"\0" * 4, chaddr, b"", b"")
    options = bytes([53, 1, message_type, 55, 4, 1, 3, 6, 26, 255])
    return header + MAGIC + options


def _parse(data: bytes, xid: int) -> DhcpReply | None:
    if len(data) < 240 or data[236:240] != MAGIC or struct.unpack("!I", data[4:8])[0] != xid:
        return None
    options: dict[int, bytes] = {}
    i = 240
    while i < len(data) and data[i] != 255:
        if data[i] == 0:
            i += 1
            continue
        length = data[i + 1]
        options[data[i]] = data[i + 2:i + 2 + length]
        i += 2 + length
    kind = options.get(53, b"\0")[0]
    return DhcpReply(kind, socket.inet_ntoa(data[16:20]), options)


def _exchange(sock: socket.socket, packet: bytes, target: tuple[str, int], xid: int,
              timeout: float) -> DhcpReply | None:
    sock.sendto(packet, target)
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        sock.settimeout(remaining)
        try:
            data = sock.recv(4096)
        except TimeoutError:
            return None
        reply = _parse(data, xid)
        if reply is not None:
            return reply


def discover(namespace: str, ifname: str, mac: str, timeout: float = 1.0) -> DhcpReply | None:
    """Broadcast a DHCPDISCOVER for ``mac`` on ``ifname``; the OFFER or None."""
    sock = socket_in_netns(namespace, socket.AF_INET, socket.SOCK_DGRAM)
    with sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
        sock.bind(("0.0.0.0", 68))
        xid = random.getrandbits(32)
        return _exchange(sock, _packet(mac, xid, DISCOVER), ("255.255.255.255", 67), xid, timeout)


def renew(namespace: str, ifname: str, mac: str, ciaddr: str, server: str,
          timeout: float = 1.0) -> DhcpReply | None:
    """Unicast a renewing DHCPREQUEST from ``ciaddr`` (configured on ``ifname``)."""
    sock = socket_in_netns(namespace, socket.AF_INET, socket.SOCK_DGRAM)
    with sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
        sock.bind((ciaddr, 68))
        xid = random.getrandbits(32)
        return _exchange(sock, _packet(mac, xid, REQUEST, ciaddr=ciaddr, broadcast=False), (server, 67), xid,
                         timeout)


def query_a(namespace: str, server: str, name: str, timeout: float = 1.0) -> list[str] | None:
    """A records of ``name`` from ``server``; None without an answer or on an error rcode."""
    sock = socket_in_netns(namespace, socket.AF_INET, socket.SOCK_DGRAM)
    with sock:
        qid = random.getrandbits(16)
        question = b"".join(bytes([len(part)]) + part.encode() for part in name.split(".")) + b"\0"
        sock.settimeout(timeout)
        sock.sendto(struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + question + struct.pack("!HH", 1, 1),
                    (server, 53))
        try:
            data = sock.recv(4096)
        except TimeoutError:
            return None
    if struct.unpack("!H", data[:2])[0] != qid or data[3] & 0x0F:
        return None
    answers = struct.unpack("!H", data[6:8])[0]
    i = 12 + len(question) + 4
    found = []
    for _ in range(answers):
        if data[i] & 0xC0 == 0xC0:
            i += 2
        else:
            while data[i]:
                i += data[i] + 1
            i += 1
        rtype, _cls, _ttl, length = struct.unpack("!HHIH", data[i:i + 10])
        i += 10
        if rtype == 1:
            found.append(socket.inet_ntoa(data[i:i + 4]))
        i += length
    return found

