"""Where the files of one network's dnsmasq live, and the names in them.

Everything sits in ``networks_path``, named ``novanet-<bridge>.<suffix>``
(see :class:`NetworkFiles`), so :func:`device_of` can tell our files from
anybody else's and ``init_host`` never removes what it did not create.
"""

from __future__ import annotations

import dataclasses
import os
import re

from novanet import exception
from novanet.drivers.dnsmasq.settings import DnsmasqSettings

#: Every file and directory this driver creates in networks_path starts so.
FILE_PREFIX = "novanet-"
#: Suffixes of the per-network files, see :class:`NetworkFiles`.
FILE_SUFFIXES = (".pid", ".opts", ".dhcphosts", ".hostsdir", ".dnsdir", ".stale")

_MAC_RE = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$")
_DEVICE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")


def normalize_mac(mac: str) -> str:
    """``mac`` in lower case with colons.

    :raises InvalidInput: for anything but six colon-separated hex octets.
    """
    value = mac.strip().lower() if isinstance(mac, str) else ""
    if not _MAC_RE.match(value):
        raise exception.InvalidInput(reason=f"MAC address {mac!r} is not six colon-separated hex octets")
    return value


def check_device(device: str) -> str:
    """``device`` if it is a usable interface name (it also names files)."""
    if not isinstance(device, str) or not _DEVICE_RE.match(device) or device in (".", ".."):
        raise exception.InvalidInput(
            reason=f"bridge name {device!r} must be 1-15 letters, digits, '_', '.' or '-'")
    return device


@dataclasses.dataclass(frozen=True)
class NetworkFiles:
    """Where the files of one network's dnsmasq live (all under networks_path)."""

    directory: str
    device: str

    @property
    def stem(self) -> str:
        return os.path.join(self.directory, f"{FILE_PREFIX}{self.device}")

    @property
    def pid(self) -> str:
        return self.stem + ".pid"

    @property
    def opts(self) -> str:
        return self.stem + ".opts"

    @property
    def hostsfile(self) -> str:
        """The base hosts file: every host as of dnsmasq's last full read."""
        return self.stem + ".dhcphosts"

    @property
    def hostsdir(self) -> str:
        """One file per host changed since dnsmasq's last full read."""
        return self.stem + ".hostsdir"

    @property
    def dnsdir(self) -> str:
        return self.stem + ".dnsdir"

    @property
    def dns_hosts(self) -> str:
        return os.path.join(self.dnsdir, "hosts")

    @property
    def ledger(self) -> str:
        """Host entries dnsmasq may still remember (see :mod:`.hostsdir`)."""
        return self.stem + ".stale"

    def host_file(self, mac: str) -> str:
        return os.path.join(self.hostsdir, host_file_name(mac))


def network_files(settings: DnsmasqSettings, device: str) -> NetworkFiles:
    """The file paths of the dnsmasq serving ``device``."""
    return NetworkFiles(settings.networks_path, check_device(device))


def device_of(file_name: str) -> str | None:
    """The device a per-network file name in networks_path belongs to, if ours."""
    if not file_name.startswith(FILE_PREFIX):
        return None
    for suffix in FILE_SUFFIXES:
        if file_name.endswith(suffix):
            device = file_name[len(FILE_PREFIX):-len(suffix)]
            return device if device and _DEVICE_RE.match(device) else None
    return None


def host_file_name(mac: str) -> str:
    """The hosts-directory file name of ``mac``: its 12 hex digits.

    NOTE(dnsmasq): the name never starts with '.', because dnsmasq's inotify
    handler skips dot files (src/inotify.c); our temporary files do, so a
    half-written file is never read.
    """
    return normalize_mac(mac).replace(":", "")
