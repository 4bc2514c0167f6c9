"""Providers against a real SQLite store, a fake switch and a fake DHCP host."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from novanet.conf import CONF
from novanet.context import get_admin_context
from novanet.db import api as db
from novanet.db import baremetal as bmdb
from novanet.drivers.fake import RecordingDriver
from novanet.drivers.switch.fake import FakeSwitch
from novanet.manager.flat import FlatDHCPManager
from novanet.providers import inventory
from novanet.providers.service import BaremetalNetworks
from tests.fixtures.bmhost import FakeNodeHost

ADMIN_CTX = get_admin_context()


@dataclasses.dataclass
class Lab:
    networks: BaremetalNetworks
    host: FakeNodeHost
    switch: FakeSwitch

    def net(self, label: str) -> Any:
        (found,) = bmdb.networks_named(label)
        return found

    def node(self, name: str = "node1", provider: str = "isolated", pxe_ports: int = 1,
             other_ports: int = 0, **kwargs: Any) -> Any:
        node = inventory.create_node(CONF, name, network_provider=provider, power_state="off", **kwargs)
        index = len(self.switch.ports)
        for n in range(pxe_ports + other_ports):
            port = f"sw{index + n}"
            self.switch.ports[port] = None
            inventory.create_port(name, f"52:54:00:00:{(index + n) // 256:02x}:{(index + n) % 256:02x}", port,
                                  pxe=n < pxe_ports)
        return node

    def describe(self, name: str = "node1") -> dict[str, Any]:
        return inventory.describe(CONF, name)

    def switch_op(self, method: str, name: str = "node1", **kwargs: Any) -> dict[str, Any]:
        self.networks.switch(name, method, **kwargs)
        return self.describe(name)


@pytest.fixture
def lab(sqlite_store: str) -> Iterator[Lab]:
    manager = FlatDHCPManager("bm-host", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN_CTX, label="provisioning", cidr="10.251.0.0/28", bridge="brprov")
    manager.networks.create_networks(ADMIN_CTX, label="cleaning", cidr="10.252.0.0/28", bridge="brclean")
    manager.networks.create_networks(ADMIN_CTX, label="rescuing", cidr="10.253.0.0/28", bridge="brrescue")
    manager.networks.create_networks(ADMIN_CTX, label="tenant-a", cidr="10.10.0.0/28", bridge="brta", project_id="pa")
    (tenant_b,) = manager.networks.create_networks(ADMIN_CTX, label="tenant-b", cidr="10.20.0.0/28", bridge="brtb", project_id="pb")
    db.network_update(tenant_b.id, {"vlan": 120})
    for option, value in (("provisioning_network", "provisioning"), ("cleaning_network", "cleaning"),
                          ("rescuing_network", "rescuing"), ("node_lock_retry_interval", 0.01)):
        CONF.set_override(option, value, group="baremetal")
    switch = FakeSwitch()
    host = FakeNodeHost(switch)
    try:
        yield Lab(BaremetalNetworks(host), host, switch)
    finally:
        CONF.clear_override("provisioning_network", group="baremetal")
        CONF.clear_override("cleaning_network", group="baremetal")
        CONF.clear_override("rescuing_network", group="baremetal")
        CONF.clear_override("node_lock_retry_interval", group="baremetal")
        CONF.clear_override("default_network_provider", group="baremetal")
        CONF.clear_override("enabled_network_providers", group="baremetal")
        CONF.clear_override("require_power_off_for_switch", group="baremetal")


def vifs_on(network_id: int) -> list[Any]:
    return [v for v in db.fixed_ip_list(network_id=network_id) if v.instance_uuid is not None]
