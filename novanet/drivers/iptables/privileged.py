"""The iptables driver's privileged part: commands and calls in a namespace.

Like ``linux_net.privileged`` and ``dnsmasq.privileged``, this is the one
module of the driver that runs a program or enters a namespace; the
backends (:mod:`.restore`, :mod:`.libiptc`) and :mod:`.detect` run their
commands and calls through it. It is where oslo.privsep entry points go once
the daemon drops root.

The network namespace is a property of a *thread* on Linux: ``setns(2)``
with ``CLONE_NEWNET`` is allowed in a multi-threaded process and moves only
the calling thread. A :class:`NamespaceExecutor` therefore keeps one
dedicated worker thread that entered the namespace once; every call it runs
(libiptc handles, ``/proc/thread-self/net`` reads) happens in the namespace,
and every child process it forks (``iptables-restore``) is born there, with
no ``ip netns exec`` or ``nsenter`` in between. The empty name means the
daemon's own namespace: calls then run in the caller's thread.

NOTE(netns): ``/proc/self/net`` follows the thread-group leader, not the
calling thread; code running on the worker must read ``/proc/thread-self``.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import dataclasses
import os
import subprocess
from collections.abc import Callable, Sequence
from typing import ParamSpec, TypeVar

from novanet import exception

__all__ = ["Completed", "NamespaceExecutor", "read_file", "run_command"]

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"

P = ParamSpec("P")
T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Completed:
    """The outcome of one command."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run_command(argv: Sequence[str], stdin: str | None = None, timeout: float = 120.0) -> Completed:
    """Run ``argv`` (in the calling thread's namespace) and collect its output.

    :raises ProcessExecutionError: the program is missing or timed out.
    """
    try:
        proc = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise exception.ProcessExecutionError(cmd=" ".join(argv), exit_code=-1, stderr=str(exc)) from exc
    return Completed(tuple(argv), proc.returncode, proc.stdout, proc.stderr)


def read_file(path: str) -> str | None:
    """The text of ``path`` (e.g. under /proc/thread-self), or None when unreadable."""
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read()
    except OSError:
        return None


def _enter(path: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({path}): {os.strerror(err)}")
    finally:
        os.close(fd)


def _netns_inode() -> int:
    return os.stat("/proc/thread-self/ns/net").st_ino


class NamespaceExecutor:
    """Runs callables in network namespace ``namespace`` (see module docstring).

    :raises DriverError: the namespace does not exist or cannot be entered.
    """

    def __init__(self, namespace: str = "") -> None:
        self.namespace = namespace
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        if not namespace:
            return
        path = os.path.join(NETNS_DIR, namespace)
        if "/" in namespace or not os.path.exists(path):
            raise exception.DriverError(reason=f"network namespace {namespace!r} does not exist ({path})")
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"netns-{namespace}", initializer=_enter, initargs=(path,))
        try:
            inode = self.call(_netns_inode)
        except Exception as exc:
            self.close()
            raise exception.DriverError(reason=f"cannot enter network namespace {namespace!r}: {exc}") from exc
        if inode != os.stat(path).st_ino:
            self.close()
            raise exception.DriverError(reason=f"worker thread is not in network namespace {namespace!r}")

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` inside the namespace; its result or exception."""
        if self._pool is None:
            return fn(*args, **kwargs)
        try:
            return self._pool.submit(fn, *args, **kwargs).result()
        except concurrent.futures.BrokenExecutor as exc:
            raise exception.DriverError(reason=f"network namespace {self.namespace!r} unusable: {exc}") from exc

    def run(self, argv: Sequence[str], stdin: str | None = None, timeout: float = 120.0) -> Completed:
        """Run a command inside the namespace."""
        return self.call(run_command, argv, stdin, timeout)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
