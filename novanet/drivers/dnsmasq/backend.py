"""The two small interfaces the dnsmasq driver acts through.

:class:`FileStore` writes and reads the files under ``networks_path``;
:class:`ProcessTable` starts, inspects and signals processes and runs
dhcp_release. The real implementation of both is the module
:mod:`.privileged` itself (its functions have exactly these names and
signatures; mypy checks a module against a protocol like a class), so a call
goes from the supervisor straight to the privileged function. The in-memory
:mod:`.fake` implements the same protocols for tests of the lifecycle logic
without root.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Protocol


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

    def write_file(self, path: str, text: str) -> None:
        """Replace ``path`` atomically with ``text`` (0644)."""

    def append_file(self, path: str, text: str) -> None:
        """Append ``text`` to ``path``."""

    def read_file(self, path: str) -> str | None:
        """The content of ``path``, or None if it does not exist."""

    def remove_file(self, path: str) -> None:
        """Remove file ``path`` if it exists."""

    def remove_tree(self, path: str) -> None:
        """Remove directory ``path`` and its content if it exists."""

    def list_dir(self, path: str) -> list[str]:
        """Sorted names in directory ``path`` (empty if missing)."""


class ProcessTable(Protocol):
    """Processes, namespaces and devices of this host."""

    def spawn_daemon(self, argv: Sequence[str], env: Mapping[str, str], namespace: str) -> None:
        """Start a self-daemonising program in ``namespace``; raise if it fails."""

    def read_process(self, pid: int) -> ProcessInfo | None:
        """The live process ``pid``, or None (gone, zombie)."""

    def netns_identity(self, namespace: str) -> str:
        """Identity of ``namespace`` comparable with :attr:`ProcessInfo.netns`."""

    def send_signal(self, pid: int, signum: int) -> bool:
        """Signal ``pid``; False if it is gone."""

    def wait_gone(self, pid: int, timeout: float) -> bool:
        """Wait until ``pid`` is gone; False on timeout."""

    def device_exists(self, device: str, namespace: str) -> bool:
        """Whether ``device`` exists in ``namespace``."""

    def dhcp_release(self, binary: str, device: str, address: str, mac: str, namespace: str) -> None:
        """Run dhcp_release; raise NetworkDhcpReleaseFailed on failure."""
