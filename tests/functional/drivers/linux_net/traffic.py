"""Real traffic between test namespaces, without an external ping binary.

``ping`` sends ICMP echo requests from a raw socket opened *inside* the
source namespace (a helper thread enters it with setns(2); the socket keeps
that namespace for its life) and waits for the matching echo reply.
"""

from __future__ import annotations

import ctypes
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def socket_in(namespace: str, family: int, kind: int, proto: int = 0) -> socket.socket:
    """A socket created in ``namespace`` (by name, under /run/netns)."""
    made: list[socket.socket] = []
    failed: list[BaseException] = []

    def target() -> None:
        try:
            fd = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
            try:
                if _libc.setns(fd, _CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, os.strerror(err))
            finally:
                os.close(fd)
            made.append(socket.socket(family, kind, proto))
        except BaseException as err:
            failed.append(err)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return made[0]


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


_ident = [os.getpid() & 0xFFFF]


def ping(namespace: str, address: str, timeout: float = 1.0) -> bool:
    """One ICMP echo from ``namespace`` to ``address``: True if answered in time."""
    _ident[0] = (_ident[0] + 1) & 0xFFFF
    ident = _ident[0]
    with socket_in(namespace, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sock:
        payload = b"novanet-ping" + struct.pack("!d", time.monotonic())
        header = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
        packet = struct.pack("!BBHHH", 8, 0, _checksum(header + payload), ident, 1) + payload
        try:
            sock.sendto(packet, (address, 0))
        except OSError:
            return False  # e.g. ENETUNREACH: no route at all
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([sock], [], [], left)
            if not ready:
                break
            data, (src, _) = sock.recvfrom(2048)
            ihl = (data[0] & 0x0F) * 4
            icmp_type, _, _, rid, _ = struct.unpack("!BBHHH", data[ihl : ihl + 8])
            if icmp_type == 0 and rid == ident and src == address:
                return True
    return False


def ping_any(pairs: Sequence[tuple[str, str]], timeout: float = 1.0) -> list[bool]:
    """``ping`` every (namespace, address) pair at once; the answers in order.

    For negative checks: N silent pairs cost one timeout, not N.
    """
    with ThreadPoolExecutor(max_workers=max(1, len(pairs))) as pool:
        return list(pool.map(lambda pair: ping(pair[0], pair[1], timeout), pairs))
