"""Provider resolution, the none and flat providers, VIFs, groups and dry runs (fakes)."""

from __future__ import annotations

import json

import pytest

from novanet import exception
from novanet.conf import CONF
from novanet.context import get_admin_context
from novanet.db import baremetal as bmdb
from novanet.providers import inventory, loader
from tests.unit.providers.conftest import Lab

ADMIN_CTX = get_admin_context()


def test_null_provider_follows_the_default_option(lab: Lab) -> None:
    lab.node(provider=None)  # type: ignore[arg-type]
    assert lab.describe()["provider"] == "none" and lab.describe()["network_provider"] is None
    CONF.set_override("default_network_provider", "isolated", group="baremetal")
    assert lab.describe()["provider"] == "isolated"
    lab.networks.vif_attach("node1", "tenant-a")
    lab.switch_op("add_provisioning_network")
    assert lab.switch.ports["sw0"] == "brprov"
    # The option changes while the node is on the provisioning network: refused, nothing touched.
    CONF.set_override("default_network_provider", "flat", group="baremetal")
    moves = list(lab.switch.moves)
    with pytest.raises(exception.ProviderChanged, match="isolated"):
        lab.networks.switch("node1", "remove_provisioning_network")
    with pytest.raises(exception.ProviderChanged):
        lab.networks.validate("node1", "deploy")
    assert lab.switch.moves == moves and lab.describe()["phase"] == "provisioning"
    # So is editing the node's own field.
    with pytest.raises(exception.NodeInvalidState, match="phase provisioning"):
        inventory.set_node(CONF, "node1", network_provider="flat")
    CONF.set_override("default_network_provider", "isolated", group="baremetal")
    assert lab.switch_op("remove_provisioning_network")["phase"] == "idle"
    inventory.set_node(CONF, "node1", network_provider="flat")
    assert lab.describe()["provider"] == "flat"


def test_unknown_and_disabled_providers_are_refused(lab: Lab) -> None:
    with pytest.raises(exception.ProviderNotFound, match="'foo'.*flat, isolated, none"):
        inventory.create_node(CONF, "n1", network_provider="foo")
    CONF.set_override("enabled_network_providers", ["none", "flat"], group="baremetal")
    with pytest.raises(exception.ProviderNotEnabled, match="isolated"):
        inventory.create_node(CONF, "n1", network_provider="isolated")
    assert bmdb.node_list() == []
    CONF.clear_override("enabled_network_providers", group="baremetal")
    lab.node("n1", provider="isolated")
    CONF.set_override("enabled_network_providers", ["none"], group="baremetal")
    with pytest.raises(exception.ProviderNotEnabled):
        lab.networks.switch("n1", "add_provisioning_network")
    assert lab.switch.moves == []
    ops = bmdb.ops_of(bmdb.node_get("n1").uuid)
    assert [(o.method, o.result) for o in ops] == [("add_provisioning_network", "ProviderNotEnabled")]
    assert loader.known_names() == ["flat", "isolated", "none"]


def test_none_provider_changes_nothing(lab: Lab) -> None:
    lab.node(provider="none")
    lab.switch.ports["sw0"] = "brcabled"
    for method in ("add_provisioning_network", "remove_provisioning_network", "configure_tenant_networks",
                   "unconfigure_tenant_networks", "add_cleaning_network", "remove_cleaning_network",
                   "add_rescuing_network", "remove_rescuing_network"):
        assert lab.switch_op(method)["phase"] == "none"
    assert lab.networks.vif_attach("node1", "tenant-a") is None
    lab.networks.vif_detach("node1", "tenant-a")
    assert lab.switch.moves == [] and lab.host.served == {} and lab.host.prepared == []
    assert lab.switch.ports == {"sw0": "brcabled"} and lab.describe()["vifs"] == []
    assert lab.networks.validate("node1", "deploy") == ["provider none", "provider none: nothing on this host changes"]


def test_flat_provider_never_moves_the_port_and_drops_pxe_at_tenant(lab: Lab) -> None:
    lab.node(provider="flat")
    tenant = lab.net("tenant-a")
    lab.networks.vif_attach("node1", "tenant-a")
    lab.switch_op("add_provisioning_network")
    (prov_entry,) = lab.host.entries(tenant).values()
    assert prov_entry.pxe and prov_entry.mac == "52:54:00:00:00:00" and lab.switch.ports["sw0"] == "brta"
    lab.switch_op("remove_provisioning_network")
    assert lab.host.entries(tenant) == {} and lab.switch.ports["sw0"] == "brta"
    state = lab.switch_op("configure_tenant_networks")
    (tenant_entry,) = lab.host.entries(tenant).values()
    assert not tenant_entry.pxe and tenant_entry.address == prov_entry.address
    assert state["phase"] == "tenant" and lab.switch.moves == [(("sw0",), "brta")]
    # Rescue on flat: the tenant network again, with PXE.
    lab.switch_op("unconfigure_tenant_networks")
    lab.switch_op("add_rescuing_network")
    assert next(iter(lab.host.entries(tenant).values())).pxe
    lab.switch_op("remove_rescuing_network")
    # Cleaning needs its own network; without one the dry run fails first.
    CONF.clear_override("cleaning_network", group="baremetal")
    with pytest.raises(exception.MissingParameterValue, match="cleaning_network"):
        lab.networks.validate("node1", "clean")
    with pytest.raises(exception.MissingParameterValue):
        lab.networks.switch("node1", "add_cleaning_network")
    assert lab.switch.ports["sw0"] == "brta"
    CONF.set_override("cleaning_network", "cleaning", group="baremetal")
    lab.switch_op("add_cleaning_network")
    assert lab.switch.ports["sw0"] == "brclean"


def test_validation_is_a_dry_run(lab: Lab) -> None:
    lab.node()
    lab.node("node2")
    notes = lab.networks.validate("node1", "deploy")
    assert notes[0] == "provider isolated" and any("provisioning network provisioning" in n for n in notes)
    CONF.clear_override("provisioning_network", group="baremetal")
    with pytest.raises(exception.MissingParameterValue, match="no provisioning network"):
        lab.networks.validate("node1", "deploy")
    CONF.set_override("provisioning_network", "tenant", group="baremetal")
    with pytest.raises(exception.InvalidParameterValue, match="names no network"):
        lab.networks.validate("node1", "deploy")
    CONF.set_override("provisioning_network", "tenant-a", group="baremetal")
    with pytest.raises(exception.InvalidParameterValue, match="belongs to project pa"):
        lab.networks.validate("node1", "deploy")
    # Two networks with one label: ambiguous.
    from novanet.db import api as db
    db.network_update(lab.net("rescuing").id, {"label": "cleaning"})
    CONF.set_override("provisioning_network", "cleaning", group="baremetal")
    with pytest.raises(exception.InvalidParameterValue, match="matches 2 networks"):
        lab.networks.validate("node1", "deploy")
    # A per-node override passes for that node only.
    inventory.set_node(CONF, "node1", driver_info={"provisioning_network": lab.net("provisioning").uuid})
    assert lab.networks.validate("node1", "deploy")
    with pytest.raises(exception.InvalidParameterValue):
        lab.networks.validate("node2", "deploy")
    # A switch port that does not exist fails the dry run.
    del lab.switch.ports["sw0"]
    with pytest.raises(exception.InvalidParameterValue, match="sw0 do not exist"):
        lab.networks.validate("node1", "deploy")
    with pytest.raises(exception.InvalidParameterValue, match="purpose 'build'"):
        lab.networks.validate("node1", "build")
    assert lab.switch.moves == [] and lab.host.served == {} and lab.host.prepared == []
    assert bmdb.ops_of(bmdb.node_get("node1").uuid) == []


def test_port_groups_move_as_one(lab: Lab) -> None:
    lab.node(pxe_ports=1)
    group = inventory.create_portgroup("node1", "bond0", mode="active-backup", miimon=100,
                                       xmit_hash_policy="layer2")
    for n in (1, 2):
        lab.switch.ports[f"sw{n}"] = None
        inventory.create_port("node1", f"52:54:00:00:01:0{n}", f"sw{n}", pxe=False, portgroup="bond0")
    assert bmdb.portgroup_get(group.node_id, "bond0").address == "52:54:00:00:01:01", "the first member's MAC"
    lab.networks.vif_attach("node1", "tenant-a")
    state = lab.describe()
    assert state["vifs"][0]["carrier"] == "bond0", "a group is preferred"
    lab.switch_op("add_provisioning_network")
    assert lab.switch.ports == {"sw0": "brprov", "sw1": None, "sw2": None}, "only the PXE port provisions"
    lab.switch_op("remove_provisioning_network")
    lab.switch_op("configure_tenant_networks")
    assert lab.switch.ports == {"sw0": None, "sw1": "brta", "sw2": "brta"}
    assert ((("sw1", "sw2"), "brta")) in lab.switch.moves, "both members in one switch call"
    (entry,) = lab.host.entries(lab.net("tenant-a")).values()
    assert entry.mac == "52:54:00:00:01:01"
    lab.switch_op("unconfigure_tenant_networks")
    assert lab.switch.ports == {"sw0": None, "sw1": None, "sw2": None}
    # A group without standalone ports: members cannot PXE, nor carry a VIF alone.
    inventory.create_portgroup("node1", "bond1", standalone_ports_supported=False)
    with pytest.raises(exception.InvalidParameterValue, match="does not support standalone ports"):
        inventory.create_port("node1", "52:54:00:00:02:01", "sw9", pxe=True, portgroup="bond1")
    inventory.create_port("node1", "52:54:00:00:02:01", "sw9", pxe=False, portgroup="bond1")
    with pytest.raises(exception.InvalidParameterValue, match="does not support standalone ports"):
        lab.networks.vif_attach("node1", "tenant-b", port="52:54:00:00:02:01")
    assert json.loads(bmdb.portgroup_get(group.node_id, "bond0").properties or "{}") == {
        "miimon": 100, "xmit_hash_policy": "layer2"}


def test_vif_attach_prefers_groups_then_pxe_ports(lab: Lab) -> None:
    from novanet.drivers.fake import RecordingDriver
    from novanet.manager.flat import FlatDHCPManager
    FlatDHCPManager("bm-host", driver=RecordingDriver()).networks.create_networks(ADMIN_CTX, label="tenant-c", cidr="10.30.0.0/28",
                                                                          bridge="brtc")
    lab.node(pxe_ports=1)
    inventory.create_portgroup("node1", "bond0")
    lab.switch.ports["sw1"] = None
    inventory.create_port("node1", "52:54:00:00:01:01", "sw1", pxe=False, portgroup="bond0")
    lab.networks.vif_attach("node1", "tenant-a")
    lab.networks.vif_attach("node1", "tenant-b")
    carriers = [v["carrier"] for v in lab.describe()["vifs"]]
    assert carriers == ["bond0", "52:54:00:00:00:00"]
    with pytest.raises(exception.NoFreePhysicalPorts):
        lab.networks.vif_attach("node1", "tenant-c")
    with pytest.raises(exception.VifAlreadyAttached):
        lab.networks.vif_attach("node1", "tenant-a")
    # A tagged VIF rides on the first carrier; tenant-c has no VLAN id.
    with pytest.raises(exception.InvalidParameterValue, match="no VLAN id"):
        lab.networks.vif_attach("node1", "tenant-c", tagged=True)
    lab.networks.vif_detach("node1", "tenant-b")
    with pytest.raises(exception.VifNotAttached):
        lab.networks.vif_detach("node1", "tenant-b")
    lab.networks.vif_attach("node1", "tenant-b", tagged=True)
    vifs = lab.describe()["vifs"]
    assert [(v["network"], v["carrier"], v["tagged"]) for v in vifs] == [
        ("tenant-a", "bond0", False), ("tenant-b", "bond0", True)]
    with pytest.raises(exception.BaremetalNetworkError, match="tagged VLAN"):
        lab.networks.switch("node1", "configure_tenant_networks")


def test_hot_attach_and_detach_on_a_deployed_node(lab: Lab) -> None:
    lab.node(pxe_ports=1, other_ports=1)
    lab.networks.vif_attach("node1", "tenant-a")
    lab.switch_op("configure_tenant_networks")
    assert lab.switch.ports == {"sw0": "brta", "sw1": None}
    lab.networks.vif_attach("node1", "tenant-b")
    assert lab.switch.ports == {"sw0": "brta", "sw1": "brtb"}
    assert list(lab.host.entries(lab.net("tenant-b"))) == ["52:54:00:00:00:01"]
    lab.networks.vif_detach("node1", "tenant-b")
    assert lab.switch.ports == {"sw0": "brta", "sw1": None} and lab.host.entries(lab.net("tenant-b")) == {}
    assert [v["network"] for v in lab.describe()["vifs"]] == ["tenant-a"]


def test_inventory_refuses_bad_input(lab: Lab) -> None:
    cases = [
        (lambda: inventory.create_node(CONF, "bad name"), "node name 'bad name'"),
        (lambda: inventory.create_node(CONF, "n1", power_state="standby"), "power state 'standby'"),
        (lambda: inventory.create_node(CONF, "n1", instance_uuid="nope"), "instance uuid 'nope'"),
        (lambda: inventory.create_node(CONF, "n1", driver_info={"deploy_kernel": "x"}), "driver_info keys"),
    ]
    for call, message in cases:
        with pytest.raises(exception.InvalidParameterValue, match=message):
            call()
    assert bmdb.node_list() == []
    lab.node("n1", pxe_ports=1)
    bad_ports = [
        (lambda: inventory.create_port("n1", "52:54:00:zz:00:01", "sw5"), exception.InvalidParameterValue, "MAC"),
        (lambda: inventory.create_port("n1", "01:00:5e:00:00:01", "sw5"), exception.InvalidParameterValue, "unicast"),
        (lambda: inventory.create_port("n1", "52:54:00:00:00:09", "a-name-longer-than-15"),
         exception.InvalidParameterValue, "switch port"),
        (lambda: inventory.create_port("n1", "52:54:00:00:00:00", "sw5"), exception.BaremetalPortExists, "MAC"),
        (lambda: inventory.create_port("n1", "52:54:00:00:00:09", "sw0"), exception.BaremetalPortExists, "sw0"),
        (lambda: inventory.create_port("n1", "52:54:00:00:00:09", "sw5", portgroup="nope"),
         exception.BaremetalPortgroupNotFound, "nope"),
        (lambda: inventory.create_portgroup("n1", mode="802.1ad"), exception.InvalidParameterValue, "bond mode"),
        (lambda: inventory.create_port("nope", "52:54:00:00:00:09", "sw5"), exception.BaremetalNodeNotFound, "nope"),
        (lambda: inventory.create_node(CONF, "n1"), exception.BaremetalNodeExists, "n1"),
    ]
    for call, error, message in bad_ports:
        with pytest.raises(error, match=message):
            call()
    assert len(bmdb.node_layout(bmdb.node_get("n1").id).ports) == 1
    # Deleting: ports and groups of a resting node; a node with VIFs refuses.
    lab.networks.vif_attach("n1", "tenant-a")
    with pytest.raises(exception.NodeInvalidState, match="VIFs"):
        inventory.delete_node("n1")
    with pytest.raises(exception.NodeInvalidState, match="carries a VIF"):
        inventory.delete_port("52:54:00:00:00:00")
    lab.networks.vif_detach("n1", "tenant-a")
    inventory.delete_port("52:54:00:00:00:00")
    inventory.delete_node("n1")
    assert bmdb.node_list() == []
