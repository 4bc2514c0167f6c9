"""Cleaning, rescue, the power-on guard, idempotency, and the none and flat providers
on a real network host (namespaces, bridges, dnsmasq, dhclient)."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.conf import CONF
from novanet.context import get_admin_context
from novanet.providers import inventory
from tests.functional.baremetal.lab import BaremetalLab, wait_for

ADMIN_CTX = get_admin_context()

pytestmark = [pytest.mark.root, pytest.mark.slow]

ALL = ("add_provisioning_network", "remove_provisioning_network", "configure_tenant_networks",
       "unconfigure_tenant_networks", "add_cleaning_network", "remove_cleaning_network", "add_rescuing_network",
       "remove_rescuing_network")


def test_cleaning_and_rescue_round_trips(bm_lab: BaremetalLab) -> None:
    lab = bm_lab
    node = lab.add_node("node1")
    port = node.nics[0][2]
    lab.networks.vif_attach("node1", "tenant-a")
    lab.switch_op(node, "configure_tenant_networks")
    first = lab.power(node, on=True)
    assert first is not None and first.address.startswith("10.61.0.")

    # Tear down, then clean: a cleaning address with PXE options.
    lab.power(node, on=False)
    lab.switch_op(node, "unconfigure_tenant_networks")
    assert lab.master(port) is None
    lab.switch_op(node, "add_cleaning_network")
    assert lab.master(port) == "brclean"
    cleaning = lab.power(node, on=True)
    assert cleaning is not None and cleaning.address.startswith("10.252.0.") and cleaning.filename == "pxelinux.0"
    lab.power(node, on=False)
    lab.switch_op(node, "remove_cleaning_network")
    assert lab.master(port) is None
    wait_for(lambda: cleaning.address not in lab.leased("cleaning"), message="cleaning lease not released")

    # Rescue from a deployed node, then back: the same tenant address.
    lab.switch_op(node, "configure_tenant_networks")
    lab.switch_op(node, "unconfigure_tenant_networks")
    lab.switch_op(node, "add_rescuing_network")
    rescue = lab.power(node, on=True)
    assert rescue is not None and rescue.address.startswith("10.253.0.") and rescue.filename == "pxelinux.0"
    lab.power(node, on=False)
    lab.switch_op(node, "remove_rescuing_network")
    lab.switch_op(node, "configure_tenant_networks")
    again = lab.power(node, on=True)
    assert again is not None and again.address == first.address and again.filename is None


def test_power_on_guard_changes_nothing(bm_lab: BaremetalLab) -> None:
    lab = bm_lab
    node = lab.add_node("node1")
    lab.networks.vif_attach("node1", "tenant-a")
    lab.switch_op(node, "add_provisioning_network")
    lab.power(node, on=True)
    before = lab.snapshot()
    with pytest.raises(exception.NodePoweredOn):
        lab.networks.switch("node1", "remove_provisioning_network")
    with pytest.raises(exception.NodeInvalidState):
        lab.networks.switch("node1", "configure_tenant_networks")
    assert lab.snapshot() == before and lab.master(node.nics[0][2]) == "brprov"
    assert inventory.describe(CONF, "node1")["phase"] == "provisioning"


def test_every_call_twice_is_the_same_host(bm_lab: BaremetalLab) -> None:
    lab = bm_lab
    node = lab.add_node("node1")
    lab.networks.vif_attach("node1", "tenant-a")
    for method in ("add_provisioning_network", "remove_provisioning_network", "configure_tenant_networks",
                   "unconfigure_tenant_networks", "add_cleaning_network", "remove_cleaning_network"):
        state = lab.switch_op(node, method)
        host = lab.snapshot()
        assert lab.switch_op(node, method) == state, method
        assert lab.snapshot() == host, method
    # Not on rescue: removing it is a no-op success.
    assert lab.switch_op(node, "remove_rescuing_network")["phase"] == "idle"


def test_none_provider_touches_nothing(bm_lab: BaremetalLab) -> None:
    lab = bm_lab
    node = lab.add_node("node1", provider="none")
    # The operator cabled it to tenant-a; the none provider leaves it there.
    lab.manager.networks.create_networks(ADMIN_CTX, label="cabled", cidr="10.70.0.0/24", bridge="brcabled")
    lab.networks.host.prepare_network(lab.net("cabled"))
    lab.host.run(["ip", "link", "set", node.nics[0][2], "master", "brcabled", "up"])
    before = lab.snapshot()
    for method in ALL:
        assert lab.switch_op(node, method)["phase"] == "none"
    assert lab.networks.vif_attach("node1", "tenant-a") is None
    assert lab.snapshot() == before and lab.master(node.nics[0][2]) == "brcabled"


def test_flat_provider_keeps_the_port_and_the_address(bm_lab: BaremetalLab) -> None:
    lab = bm_lab
    node = lab.add_node("node1", provider="flat")
    port = node.nics[0][2]
    lab.networks.vif_attach("node1", "tenant-a")
    lab.switch_op(node, "add_provisioning_network")
    assert lab.master(port) == "brta"
    deploy = lab.power(node, on=True)
    assert deploy is not None and deploy.filename == "pxelinux.0" and deploy.address.startswith("10.61.0.")
    lab.power(node, on=False)
    lab.switch_op(node, "remove_provisioning_network")
    assert lab.master(port) == "brta"
    lab.switch_op(node, "configure_tenant_networks")
    assert lab.master(port) == "brta"
    active = lab.power(node, on=True)
    assert active is not None and active.address == deploy.address and active.filename is None
