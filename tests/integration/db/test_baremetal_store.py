"""A node's switches as the store sees them, on SQLite, PostgreSQL and MariaDB.

The providers run on a fake host; what is checked is the store: one
transaction per switch, the port's MAC moving between VIFs without ever
being held twice (the unique constraint is checked per statement), and
nothing left behind.
"""

from __future__ import annotations

from novanet.conf import CONF
from novanet.context import get_admin_context
from novanet.db import api as db
from novanet.db import baremetal as bmdb
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.providers import inventory
from novanet.providers.service import BaremetalNetworks
from tests.fixtures.bmhost import FakeNodeHost

ADMIN_CTX = get_admin_context()


def test_a_deploy_and_a_rescue_in_the_store(store: str) -> None:
    manager = FlatDHCPManager("bm-host", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN_CTX, label="provisioning", cidr="10.251.0.0/28", bridge="brprov")
    manager.networks.create_networks(ADMIN_CTX, label="rescuing", cidr="10.253.0.0/28", bridge="brrescue")
    (tenant,) = manager.networks.create_networks(ADMIN_CTX, label="tenant", cidr="10.10.0.0/28", bridge="brt", project_id="p1")
    for purpose in ("provisioning", "rescuing"):
        CONF.set_override(f"{purpose}_network", purpose, group="baremetal")
    try:
        host = FakeNodeHost()
        host.switch.ports.update({"sw0": None, "sw1": None, "sw2": None})
        networks = BaremetalNetworks(host)
        inventory.create_node(CONF, "node1", network_provider="isolated", power_state="off")
        inventory.create_portgroup("node1", "bond0")
        inventory.create_port("node1", "52:54:00:00:00:01", "sw0", pxe=True)
        inventory.create_port("node1", "52:54:00:00:01:01", "sw1", pxe=False, portgroup="bond0")
        inventory.create_port("node1", "52:54:00:00:01:02", "sw2", pxe=False, portgroup="bond0")
        networks.vif_attach("node1", "tenant")
        for method in ("add_provisioning_network", "remove_provisioning_network", "configure_tenant_networks",
                       "unconfigure_tenant_networks", "add_rescuing_network", "remove_rescuing_network",
                       "configure_tenant_networks"):
            networks.switch("node1", method)
        state = inventory.describe(CONF, "node1")
        assert state["phase"] == "tenant" and host.switch.ports == {"sw0": None, "sw1": "brt", "sw2": "brt"}
        (vif,) = state["vifs"]
        assert vif["mac"] == "52:54:00:00:01:01" and vif["bound"]
        assert db.virtual_interface_get_by_address("52:54:00:00:01:01").uuid == vif["uuid"]
        assert db.virtual_interface_get_by_address("52:54:00:00:00:01") is None, "no management VIF left"
        assert [o.result for o in bmdb.ops_of(state["uuid"])].count("ok") == 8
        assert [r.address for r in db.fixed_ip_list(network_id=tenant.id) if r.instance_uuid] == [vif["address"]]
    finally:
        for purpose in ("provisioning", "rescuing"):
            CONF.clear_override(f"{purpose}_network", group="baremetal")
