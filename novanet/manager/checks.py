"""Checks of the values a manager is handed, and the MACs it makes.

Pure functions shared by the manager and its collaborators: each returns the
value in its canonical form or raises the typed error nova-network raised for
it, so a bad value is refused the same way wherever it arrives.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import netaddr

from novanet import exception
from novanet.context import RequestContext


def check_uuid(value: Any, what: str) -> str:
    """:raises InvalidRequest: ``value`` is not a UUID."""
    try:
        return str(uuidlib.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise exception.InvalidRequest(reason=f"{what} must be a UUID, not {value!r}")


def check_address(value: Any, what: str = "address") -> str:
    """:raises FixedIpInvalid: ``value`` is not an IP address literal."""
    try:
        return str(netaddr.IPAddress(str(value).strip()))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise exception.FixedIpInvalid(address=value)


def check_owner(context: RequestContext, project_id: str | None, address: str) -> None:
    """:raises FloatingIpNotOwned: a user acting on another project's address."""
    if context.is_admin:
        return
    if project_id is None or project_id != context.project_id:
        raise exception.FloatingIpNotOwned(address=address, project_id=context.project_id)


def generate_mac() -> str:
    """A random MAC in nova's ``fa:16:3e`` range."""
    tail = uuidlib.uuid4().bytes[:3]
    return "fa:16:3e:%02x:%02x:%02x" % (tail[0], tail[1], tail[2])
