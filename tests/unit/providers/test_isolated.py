"""The isolated provider on fakes: every transition, its order, guards and undo."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db import baremetal as bmdb
from tests.unit.providers.conftest import Lab, vifs_on


def test_full_deploy_moves_the_port_and_flips_dhcp(lab: Lab) -> None:
    lab.node()
    prov, tenant = lab.net("provisioning"), lab.net("tenant-a")
    vif_uuid = lab.networks.vif_attach("node1", "tenant-a")
    state = lab.describe()
    (vif,) = state["vifs"]
    assert vif["uuid"] == vif_uuid and not vif["bound"] and vif["mac"] != "52:54:00:00:00:00"
    assert lab.host.served == {} and lab.switch.ports == {"sw0": None}

    state = lab.switch_op("add_provisioning_network")
    assert state["phase"] == "provisioning" and state["phase_provider"] == "isolated"
    assert lab.switch.ports == {"sw0": "brprov"}
    (entry,) = lab.host.entries(prov).values()
    assert entry.mac == "52:54:00:00:00:00" and entry.pxe and entry.hostname == "node1"
    assert state["ports"][0]["network"] == "provisioning"
    assert state["ports"][0]["lease"]["address"] == entry.address and state["ports"][0]["lease"]["pxe"]

    state = lab.switch_op("remove_provisioning_network")
    assert state["phase"] == "idle" and lab.switch.ports == {"sw0": None}
    assert lab.host.entries(prov) == {}
    assert lab.host.released == [("provisioning", entry.address, "52:54:00:00:00:00")]
    assert vifs_on(prov.id) == [], "the provisioning address is free again (never leased)"

    state = lab.switch_op("configure_tenant_networks")
    assert state["phase"] == "tenant" and lab.switch.ports == {"sw0": "brta"}
    (tenant_entry,) = lab.host.entries(tenant).values()
    assert tenant_entry.mac == "52:54:00:00:00:00" and not tenant_entry.pxe
    (vif,) = state["vifs"]
    assert vif["bound"] and vif["mac"] == "52:54:00:00:00:00" and vif["address"] == tenant_entry.address
    assert db.virtual_interface_get_by_address("52:54:00:00:00:00").uuid == vif_uuid

    state = lab.switch_op("unconfigure_tenant_networks")
    assert state["phase"] == "idle" and lab.switch.ports == {"sw0": None} and lab.host.entries(tenant) == {}
    (vif,) = state["vifs"]
    assert not vif["bound"] and vif["mac"] != "52:54:00:00:00:00" and vif["address"] == tenant_entry.address
    # Cut before connect: every move to a network came from none.
    targets = [bridge for _, bridge in lab.switch.moves]
    assert targets == ["brprov", None, "brta", None]


def test_cleaning_and_rescue_round_trips(lab: Lab) -> None:
    lab.node()
    lab.networks.vif_attach("node1", "tenant-a")
    clean, rescue, tenant = lab.net("cleaning"), lab.net("rescuing"), lab.net("tenant-a")
    assert lab.switch_op("add_cleaning_network")["phase"] == "cleaning"
    assert lab.switch.ports["sw0"] == "brclean" and next(iter(lab.host.entries(clean).values())).pxe
    assert lab.switch_op("remove_cleaning_network")["phase"] == "idle"
    assert lab.switch.ports["sw0"] is None and lab.host.entries(clean) == {}

    lab.switch_op("configure_tenant_networks")
    before = next(iter(lab.host.entries(tenant).values())).address
    lab.switch_op("unconfigure_tenant_networks")
    assert lab.switch_op("add_rescuing_network")["phase"] == "rescuing"
    assert lab.switch.ports["sw0"] == "brrescue" and next(iter(lab.host.entries(rescue).values())).pxe
    lab.switch_op("remove_rescuing_network")
    lab.switch_op("configure_tenant_networks")
    assert next(iter(lab.host.entries(tenant).values())).address == before, "same tenant address after rescue"


def test_every_call_twice_changes_nothing_more(lab: Lab) -> None:
    lab.node(pxe_ports=2)
    lab.networks.vif_attach("node1", "tenant-a")
    for method in ("add_provisioning_network", "remove_provisioning_network", "configure_tenant_networks",
                   "unconfigure_tenant_networks", "add_cleaning_network", "remove_cleaning_network"):
        first = lab.switch_op(method)
        served, moves = {k: dict(v) for k, v in lab.host.served.items()}, len(lab.switch.moves)
        again = lab.switch_op(method)
        assert again == first, method
        assert lab.host.served == served and len(lab.switch.moves) == moves, method
    # Removing a network the node is not on is a no-op success.
    assert lab.switch_op("remove_rescuing_network")["phase"] == "idle"
    assert [v.purpose for v in bmdb.node_layout(bmdb.node_get("node1").id).vifs] == ["tenant"]


def test_power_on_guard(lab: Lab) -> None:
    lab.node()
    lab.networks.vif_attach("node1", "tenant-a")
    from novanet.providers import inventory
    inventory.set_node(CONF, "node1", power_state="on")
    with pytest.raises(exception.NodePoweredOn):
        lab.networks.switch("node1", "configure_tenant_networks")
    with pytest.raises(exception.NodePoweredOn):
        lab.networks.switch("node1", "add_provisioning_network")
    state = lab.describe()
    assert state["phase"] == "none" and lab.host.served == {} and lab.switch.moves == []
    # The conductor may allow it for one call (smart NICs); or the option is off.
    assert lab.switch_op("add_provisioning_network", allow_powered_on=True)["phase"] == "provisioning"
    CONF.set_override("require_power_off_for_switch", False, group="baremetal")
    assert lab.switch_op("remove_provisioning_network")["phase"] == "idle"


def test_phase_order_is_enforced(lab: Lab) -> None:
    lab.node()
    lab.networks.vif_attach("node1", "tenant-a")
    lab.switch_op("add_provisioning_network")
    with pytest.raises(exception.NodeInvalidState, match="phase provisioning"):
        lab.networks.switch("node1", "configure_tenant_networks")
    with pytest.raises(exception.NodeInvalidState):
        lab.networks.switch("node1", "add_cleaning_network")
    with pytest.raises(exception.NodeInvalidState, match="ports cannot change"):
        from novanet.providers import inventory
        inventory.create_port("node1", "52:54:00:aa:aa:aa", "swx")
    assert lab.switch.ports["sw0"] == "brprov"


def test_rollback_when_the_second_port_fails(lab: Lab) -> None:
    lab.node(pxe_ports=2)
    lab.switch.broken.add("sw1")
    prov = lab.net("provisioning")
    with pytest.raises(exception.BaremetalNetworkError, match="sw1"):
        lab.networks.switch("node1", "add_provisioning_network")
    state = lab.describe()
    assert state["phase"] == "none" and "adding the provisioning network failed" in state["last_error"]
    assert all(p["network"] is None for p in state["ports"]) and state["vifs"] == []
    assert lab.switch.ports == {"sw0": None, "sw1": None}, "the first port was moved back"
    assert lab.host.entries(prov) == {} and vifs_on(prov.id) == [], "entries and claimed addresses undone"
    # A port that does not exist at all: the same.
    lab.switch.broken.clear()
    del lab.switch.ports["sw1"]
    with pytest.raises(exception.BaremetalNetworkError, match="Switch port sw1 does not exist"):
        lab.networks.switch("node1", "add_provisioning_network")
    assert lab.switch.ports == {"sw0": None} and lab.host.entries(prov) == {} and vifs_on(prov.id) == []


def test_dhcp_failure_is_undone_too(lab: Lab) -> None:
    lab.node()
    lab.networks.vif_attach("node1", "tenant-a")
    lab.host.broken.add("52:54:00:00:00:00")
    with pytest.raises(exception.BaremetalNetworkError, match="cannot write the DHCP entry"):
        lab.networks.switch("node1", "configure_tenant_networks")
    assert lab.describe()["phase"] == "none" and lab.switch.ports == {"sw0": None}
    assert not lab.describe()["vifs"][0]["bound"]


def test_leftovers_of_a_crashed_deploy_are_cleaned_by_the_next(lab: Lab) -> None:
    lab.node()
    prov = lab.net("provisioning")
    node = bmdb.node_get("node1")
    port = bmdb.node_layout(node.id).ports[0]
    # A crash after the address was claimed and the entry served, before the commit.
    allocation = db.allocate_for_instance(prov.id, port.uuid, port.address, "11111111-2222-3333-4444-555555555555",
                                          instance={"hostname": "node1"})
    from novanet.drivers.base import DhcpHost
    lab.host.serve(prov, DhcpHost(port.address, allocation.address, "node1", allocation.vif.uuid, pxe=True))
    lab.switch.ports["sw0"] = "brprov"
    state = lab.switch_op("add_provisioning_network")
    assert state["phase"] == "provisioning"
    assert len(vifs_on(prov.id)) == 1 and len(lab.host.entries(prov)) == 1
    (vif,) = state["vifs"]
    assert vif["uuid"] != allocation.vif.uuid
    # A tear down after a failed deploy removes provisioning VIFs it finds.
    bmdb.node_commit(node.id, "idle", None, {}, {})
    lab.switch_op("remove_provisioning_network")
    assert vifs_on(prov.id) == [] and lab.host.entries(prov) == {} and lab.describe()["vifs"] == []


def test_the_lock_is_the_store(lab: Lab) -> None:
    node = lab.node()
    assert bmdb.node_reserve(node.id, "other-host:1:x", bmdb.utcnow().replace(year=2000)) is None
    CONF.set_override("node_lock_retry_attempts", 2, group="baremetal")
    try:
        with pytest.raises(exception.NodeLocked, match="other-host"):
            lab.networks.switch("node1", "add_provisioning_network")
    finally:
        CONF.clear_override("node_lock_retry_attempts", group="baremetal")
    assert lab.switch.moves == [] and lab.describe()["phase"] == "none"
    # A lock older than node_lock_timeout was left by a dead process: taken over.
    import datetime

    from novanet.db import session
    from novanet.db.baremetal_models import BaremetalNode
    with session.writer() as s:
        s.get_one(BaremetalNode, node.id).reserved_at = bmdb.utcnow() - datetime.timedelta(hours=1)
    assert lab.switch_op("add_provisioning_network")["phase"] == "provisioning"
    ops = [(op.method, op.result) for op in bmdb.ops_of(node.uuid)]
    assert ops == [("add_provisioning_network", "NodeLocked"), ("add_provisioning_network", "ok")]
    assert lab.describe()["reservation"] is None


def test_no_tenant_vif_is_an_error_and_moves_nothing(lab: Lab) -> None:
    lab.node()
    with pytest.raises(exception.BaremetalNetworkError, match="no tenant VIF"):
        lab.networks.switch("node1", "configure_tenant_networks")
    assert lab.switch.moves == [] and lab.describe()["phase"] == "none"
    lab.node("bare", pxe_ports=0)
    with pytest.raises(exception.BaremetalNetworkError, match="no ports"):
        lab.networks.switch("bare", "configure_tenant_networks")
    with pytest.raises(exception.BaremetalNetworkError, match="no PXE-enabled port"):
        lab.networks.switch("bare", "add_provisioning_network")


def test_reconcile_moves_ports_back(lab: Lab) -> None:
    lab.node()
    lab.node("node2", provider="none")
    lab.switch_op("add_provisioning_network")
    lab.switch.ports["sw0"] = "brta"  # someone moved it by hand
    lab.switch.ports["sw1"] = "brta"  # the none provider's node: left alone
    assert lab.networks.reconcile() == ["sw0: brta -> brprov"]
    assert lab.switch.ports == {"sw0": "brprov", "sw1": "brta"}
    assert lab.networks.reconcile() == []


def test_an_entry_dropped_by_a_concurrent_refresh_is_put_back_after_the_commit(lab: Lab) -> None:
    """A network set up from the store while a switch is in flight writes the
    store's entries of that moment; the switch confirms its own after the commit."""
    lab.node()
    lab.networks.vif_attach("node1", "tenant-a")
    tenant = lab.net("tenant-a")
    real_move = lab.switch.move

    def move_while_refreshing(ports: list[str], bridge: str | None) -> None:
        if bridge == "brta":  # the connect step: the entry is written, not yet recorded
            lab.host.served[tenant.id] = {}  # what a refresh from the store would leave
        real_move(ports, bridge)

    lab.switch.move = move_while_refreshing  # type: ignore[method-assign]
    lab.switch_op("configure_tenant_networks")
    assert list(lab.host.entries(tenant)) == ["52:54:00:00:00:00"]
    assert ("tenant-a", "52:54:00:00:00:00", True) in lab.host.confirmed
