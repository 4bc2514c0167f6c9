"""In-memory :class:`~.backend.FileStore` and :class:`~.backend.ProcessTable`.

They let the lifecycle of :mod:`.supervisor` be tested without root: a spawned
"dnsmasq" writes its pid file like the real one, HUPs and stops are recorded,
and a test can plant a foreign process, kill a daemon behind the supervisor's
back, or make spawn and dhcp_release fail.
"""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Mapping, Sequence

from novanet import exception
from novanet.drivers.dnsmasq.backend import ProcessInfo


class FakeFiles:
    """A :class:`~.backend.FileStore` in a dict; records every write."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.dirs: set[str] = set()
        #: Every path written or appended to, in order.
        self.writes: list[str] = []
        self.removals: list[str] = []

    def _parent_must_exist(self, path: str) -> None:
        parent = os.path.dirname(path)
        if parent not in self.dirs:
            raise exception.DriverError(reason=f"cannot write {path}: No such file or directory")

    def ensure_dir(self, path: str) -> None:
        while path not in self.dirs and path != os.path.dirname(path):
            self.dirs.add(path)
            path = os.path.dirname(path)

    def write_file(self, path: str, text: str) -> None:
        self._parent_must_exist(path)
        self.files[path] = text
        self.writes.append(path)

    def append_file(self, path: str, text: str) -> None:
        self._parent_must_exist(path)
        self.files[path] = self.files.get(path, "") + text
        self.writes.append(path)

    def read_file(self, path: str) -> str | None:
        return self.files.get(path)

    def remove_file(self, path: str) -> None:
        if self.files.pop(path, None) is not None:
            self.removals.append(path)

    def remove_tree(self, path: str) -> None:
        prefix = path.rstrip("/") + "/"
        for name in [name for name in self.files if name.startswith(prefix)]:
            self.remove_file(name)
        self.dirs = {d for d in self.dirs if d != path and not d.startswith(prefix)}

    def list_dir(self, path: str) -> list[str]:
        names = {os.path.basename(p) for p in list(self.files) + list(self.dirs) if os.path.dirname(p) == path}
        return sorted(names)


@dataclasses.dataclass
class FakeProcess:
    pid: int
    argv: tuple[str, ...]
    environ: dict[str, str]
    netns: str
    alive: bool = True
    hups: int = 0


class FakeProcesses:
    """A :class:`~.backend.ProcessTable` whose "dnsmasq" writes its pid file."""

    def __init__(self, files: FakeFiles, first_pid: int = 4000) -> None:
        self.files = files
        self.procs: dict[int, FakeProcess] = {}
        self.signals: list[tuple[int, int]] = []
        self.spawned: list[int] = []
        self.releases: list[tuple[str, str, str, str]] = []
        self.devices: set[tuple[str, str]] = set()
        self.namespaces: dict[str, str] = {"": "net:[1]"}
        #: Raised by every spawn while set.
        self.spawn_error: exception.NovanetError | None = None
        #: Raised by the next spawns, one each, before spawn_error is looked at.
        self.spawn_failures: list[exception.NovanetError] = []
        self.release_error: bool = False
        self._next_pid = first_pid

    def _new_pid(self) -> int:
        self._next_pid += 1
        return self._next_pid

    def add_foreign(self, argv: Sequence[str], namespace: str = "") -> int:
        """Plant an unrelated live process and return its pid."""
        pid = self._new_pid()
        self.procs[pid] = FakeProcess(pid, tuple(argv), {}, self.netns_identity(namespace))
        return pid

    def crash(self, pid: int) -> None:
        """The process dies without anyone being told."""
        self.procs[pid].alive = False

    def hups(self, pid: int) -> int:
        return self.procs[pid].hups

    def spawn_daemon(self, argv: Sequence[str], env: Mapping[str, str], namespace: str) -> None:
        if self.spawn_failures:
            raise self.spawn_failures.pop(0)
        if self.spawn_error is not None:
            raise self.spawn_error
        pid = self._new_pid()
        self.procs[pid] = FakeProcess(pid, tuple(argv), dict(env), self.netns_identity(namespace))
        self.spawned.append(pid)
        for arg in argv:
            if arg.startswith("--pid-file="):
                self.files.write_file(arg.split("=", 1)[1], f"{pid}\n")

    def read_process(self, pid: int) -> ProcessInfo | None:
        proc = self.procs.get(pid)
        if proc is None or not proc.alive:
            return None
        return ProcessInfo(pid, proc.argv, dict(proc.environ), proc.netns)

    def netns_identity(self, namespace: str) -> str:
        if namespace not in self.namespaces:
            self.namespaces[namespace] = f"net:[{len(self.namespaces) + 1}]"
        return self.namespaces[namespace]

    def send_signal(self, pid: int, signum: int) -> bool:
        proc = self.procs.get(pid)
        if proc is None or not proc.alive:
            return False
        self.signals.append((pid, signum))
        if signum == signal.SIGHUP:
            proc.hups += 1
        elif signum in (signal.SIGTERM, signal.SIGKILL):
            proc.alive = False
        return True

    def wait_gone(self, pid: int, timeout: float) -> bool:
        return self.read_process(pid) is None

    def device_exists(self, device: str, namespace: str) -> bool:
        return (namespace, device) in self.devices

    def dhcp_release(self, binary: str, device: str, address: str, mac: str, namespace: str) -> None:
        if self.release_error:
            raise exception.NetworkDhcpReleaseFailed(address=address, mac_address=mac)
        self.releases.append((device, address, mac, namespace))
