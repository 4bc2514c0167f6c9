"""Fixtures of the manager tests: a FlatDHCP manager on a SQLite store, DNS in the store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from novanet.conf import CONF
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from tests.unit.manager.helpers import ADMIN


@pytest.fixture
def flatdhcp(sqlite_store: str) -> FlatDHCPManager:
    manager = FlatDHCPManager("host-a", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN, label="net", cidr="10.0.0.0/28", bridge="br-a", dns1="10.0.0.53")
    return manager


@pytest.fixture
def db_dns() -> Iterator[None]:
    CONF.set_override("instance_dns_manager", "db")
    CONF.set_override("floating_ip_dns_manager", "db")
    CONF.set_override("instance_dns_domain", "novalocal.example")
    yield
    for name in ("instance_dns_manager", "floating_ip_dns_manager", "instance_dns_domain"):
        CONF.clear_override(name)


@pytest.fixture(autouse=True)
def _fresh_overrides() -> Iterator[None]:
    yield
    for name in ("quota_floating_ips", "auto_assign_floating_ip", "vlan_interface", "quota_fixed_ips",
                 "share_dhcp_address"):
        CONF.clear_override(name)
