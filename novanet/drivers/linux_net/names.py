"""Device names and the ownership tag.

Linux device names fit IFNAMSIZ - 1 = 15 bytes and cannot contain ``/``, a
blank or ``:``, nor be ``.``/``..``. Every device novanet creates carries the
interface alias :data:`TAG` (``IFLA_IFALIAS``, what ``ip link show`` prints
as ``alias``); removal and garbage collection only ever touch tagged devices,
so an operator's bridge or NIC survives whatever the facts say.
"""

from __future__ import annotations

from novanet import exception
from novanet.drivers.linux_net.records import Link

#: Linux IFNAMSIZ (16) minus the terminating NUL.
MAX_IFNAME = 15

#: Alias prefix of every device novanet creates.
TAG = "novanet"

VLAN_PREFIX = "vlan"
VXLAN_PREFIX = "vxlan"

#: VXLAN network identifiers are 24 bits; 0 is reserved by convention.
MAX_VNI = 2**24 - 1
MAX_VLAN = 4094

_FORBIDDEN = set("/: \t\n")


def check_ifname(name: str, what: str = "device") -> str:
    """Return ``name`` when the kernel would accept it as a device name.

    :raises InvalidInput: too long, empty, or with a forbidden character.
    """
    if not name or name in (".", ".."):
        raise exception.InvalidInput(reason=f"{what} name {name!r} is empty or reserved")
    if len(name.encode()) > MAX_IFNAME:
        raise exception.InvalidInput(
            reason=f"{what} name {name!r} is longer than {MAX_IFNAME} characters (Linux IFNAMSIZ)"
        )
    if _FORBIDDEN & set(name):
        raise exception.InvalidInput(reason=f"{what} name {name!r} contains '/', ':' or white space")
    return name


def vlan_ifname(vlan: int) -> str:
    """nova-network's 802.1Q device name: ``vlan<N>``."""
    if not 1 <= vlan <= MAX_VLAN:
        raise exception.InvalidVlan(reason=f"VLAN {vlan} is outside 1-{MAX_VLAN}")
    return f"{VLAN_PREFIX}{vlan}"


def vxlan_ifname(vni: int) -> str:
    """The VXLAN device of segment ``vni``: ``vxlan<VNI>`` (at most 13 characters)."""
    if not 1 <= vni <= MAX_VNI:
        raise exception.InvalidVlan(reason=f"VXLAN VNI {vni} is outside 1-{MAX_VNI}")
    return f"{VXLAN_PREFIX}{vni}"


def tag_for(role: str) -> str:
    """The alias a created device carries, e.g. ``novanet:bridge``."""
    return f"{TAG}:{role}"


def is_owned(link: Link | None) -> bool:
    """True for a device novanet created (it carries our alias)."""
    return link is not None and bool(link.alias) and (link.alias == TAG or str(link.alias).startswith(TAG + ":"))
