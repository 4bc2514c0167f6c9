"""The value checks every collaborator shares (manager/checks.py)."""

from __future__ import annotations

import re

import pytest

from novanet import exception
from novanet.context import RequestContext, get_admin_context
from novanet.manager import checks


def test_uuids_are_canonical_and_bad_ones_named() -> None:
    assert checks.check_uuid("6BD5E8BD7C374A8BA9C50B5E5B7A0C11", "instance uuid") == (
        "6bd5e8bd-7c37-4a8b-a9c5-0b5e5b7a0c11")
    with pytest.raises(exception.InvalidRequest, match="instance uuid must be a UUID, not 'vm-1'"):
        checks.check_uuid("vm-1", "instance uuid")
    with pytest.raises(exception.InvalidRequest):
        checks.check_uuid(None, "network_uuid")


def test_addresses_are_canonical_and_bad_ones_are_fixed_ip_invalid() -> None:
    assert checks.check_address(" 10.0.0.3 ") == "10.0.0.3"
    assert checks.check_address("FD00::0005") == "fd00::5"
    for bad in ("10.0.0", "", "10.0.0.256", None):
        with pytest.raises(exception.FixedIpInvalid):
            checks.check_address(bad)


def test_owner_check() -> None:
    checks.check_owner(get_admin_context(), "p2", "172.24.4.9")
    checks.check_owner(RequestContext(project_id="p1"), "p1", "172.24.4.9")
    for owner in ("p2", None):
        with pytest.raises(exception.FloatingIpNotOwned):
            checks.check_owner(RequestContext(project_id="p1"), owner, "172.24.4.9")


def test_generated_macs_are_in_novas_range_and_differ() -> None:
    macs = {checks.generate_mac() for _ in range(50)}
    assert len(macs) > 45
    assert all(re.fullmatch(r"fa:16:3e(:[0-9a-f]{2}){3}", mac) for mac in macs)
