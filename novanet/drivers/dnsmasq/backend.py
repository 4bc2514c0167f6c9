"""The two small interfaces the dnsmasq driver acts through, and their real
implementations.

:class:`FileStore` writes and reads the files under ``networks_path``;
:class:`ProcessTable` starts, inspects and signals processes and runs
dhcp_release. The real classes are thin shims over :mod:`.privileged`; the
in-memory fakes in :mod:`.fake` implement the same protocols for tests of the
lifecycle logic without root.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Protocol

from novanet.drivers.dnsmasq import privileged


@dataclasses.dataclass(frozen=True)
class ProcessInfo:
    """What ``/proc`` says about a live process."""

    pid: int
    argv: tuple[str, ...]
    environ: Mapping[str, str]
    #: ``net:[inode]`` of its network namespace (empty if unreadable).
    netns: str


class FileStore(Protocol):
    """Files under networks_path. Writes are atomic; missing files are fine."""

    def ensure_dir(self, path: str) -> None:
        """Create directory ``path`` (0755) if needed."""

    def write(self, path: str, text: str) -> None:
        """Replace ``path`` atomically with ``text`` (0644)."""

    def append(self, path: str, text: str) -> None:
        """Append ``text`` to ``path``."""

    def read(self, path: str) -> str | None:
        """The content of ``path``, or None if it does not exist."""

    def remove(self, path: str) -> None:
        """Remove file ``path`` if it exists."""

    def remove_tree(self, path: str) -> None:
        """Remove directory ``path`` and its content if it exists."""

    def list_dir(self, path: str) -> list[str]:
        """Sorted names in directory ``path`` (empty if missing)."""


class ProcessTable(Protocol):
    """Processes, namespaces and devices of this host."""

    def spawn(self, argv: Sequence[str], env: Mapping[str, str], namespace: str) -> None:
        """Start a self-daemonising program in ``namespace``; raise if it fails."""

    def inspect(self, pid: int) -> ProcessInfo | None:
        """The live process ``pid``, or None (gone, zombie)."""

    def netns_identity(self, namespace: str) -> str:
        """Identity of ``namespace`` comparable with :attr:`ProcessInfo.netns`."""

    def signal(self, pid: int, signum: int) -> bool:
        """Signal ``pid``; False if it is gone."""

    def wait_gone(self, pid: int, timeout: float) -> bool:
        """Wait until ``pid`` is gone; False on timeout."""

    def device_exists(self, device: str, namespace: str) -> bool:
        """Whether ``device`` exists in ``namespace``."""

    def release(self, binary: str, device: str, address: str, mac: str, namespace: str) -> None:
        """Run dhcp_release; raise NetworkDhcpReleaseFailed on failure."""


class LocalFiles:
    """:class:`FileStore` on the local filesystem."""

    def ensure_dir(self, path: str) -> None:
        privileged.ensure_dir(path)

    def write(self, path: str, text: str) -> None:
        privileged.write_file(path, text)

    def append(self, path: str, text: str) -> None:
        privileged.append_file(path, text)

    def read(self, path: str) -> str | None:
        return privileged.read_file(path)

    def remove(self, path: str) -> None:
        privileged.remove_file(path)

    def remove_tree(self, path: str) -> None:
        privileged.remove_tree(path)

    def list_dir(self, path: str) -> list[str]:
        return privileged.list_dir(path)


class LinuxProcesses:
    """:class:`ProcessTable` of this Linux host."""

    def spawn(self, argv: Sequence[str], env: Mapping[str, str], namespace: str) -> None:
        privileged.spawn_daemon(argv, env, namespace)

    def inspect(self, pid: int) -> ProcessInfo | None:
        found = privileged.read_process(pid)
        if found is None:
            return None
        argv, environ, netns = found
        return ProcessInfo(pid, argv, environ, netns)

    def netns_identity(self, namespace: str) -> str:
        return privileged.netns_identity(namespace)

    def signal(self, pid: int, signum: int) -> bool:
        return privileged.send_signal(pid, signum)

    def wait_gone(self, pid: int, timeout: float) -> bool:
        return privileged.wait_gone(pid, timeout)

    def device_exists(self, device: str, namespace: str) -> bool:
        return privileged.device_exists(device, namespace)

    def release(self, binary: str, device: str, address: str, mac: str, namespace: str) -> None:
        privileged.dhcp_release(binary, device, address, mac, namespace)
