"""``novanet-manage baremetal``: the store-side commands as an operator types them."""

from __future__ import annotations

import io
import json

import pytest

from novanet.cli import manage
from novanet.conf import CONF
from novanet.db import baremetal as bmdb


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = manage.run(["baremetal", *argv], out, err, configure=False)
    return code, out.getvalue(), err.getvalue()


def test_nodes_ports_and_groups(sqlite_store: str) -> None:
    assert run("node", "create", "node1", "--network-provider", "isolated", "--power-state", "off",
               "--provisioning-network", "prov-a")[0] == 0
    assert run("portgroup", "create", "--node", "node1", "--name", "bond0", "--mode", "802.3ad",
               "--miimon", "100")[0] == 0
    code, out, _ = run("port", "create", "--node", "node1", "--mac", "52:54:00:00:00:01", "--pxe",
                       "--switch-port", "swp1")
    assert code == 0 and "swp1" in out
    assert run("port", "create", "--node", "node1", "--mac", "52:54:00:00:01:01", "--no-pxe",
               "--switch-port", "swp2", "--portgroup", "bond0")[0] == 0
    code, out, _ = run("node", "show", "node1", "--format", "json")
    state = json.loads(out)
    assert (state["provider"], state["phase"], state["power_state"]) == ("isolated", "none", "off")
    assert state["driver_info"] == {"provisioning_network": "prov-a"}
    assert [(p["switch_port"], p["pxe"], p["portgroup"], p["network"], p["lease"]) for p in state["ports"]] == [
        ("swp1", True, None, None, None), ("swp2", False, "bond0", None, None)]
    assert state["portgroups"][0]["mac"] == "52:54:00:00:01:01" and state["portgroups"][0]["mode"] == "802.3ad"
    assert run("node", "set", "node1", "--power-state", "on")[0] == 0
    assert run("node", "set", "node1", "--unset-network-provider")[0] == 0
    code, out, _ = run("node", "list")
    assert code == 0 and "node1" in out and CONF.baremetal.default_network_provider in out
    code, out, _ = run("node", "show", "node1")
    assert code == 0 and "swp2" in out and "bond0" in out
    assert run("port", "delete", "52:54:00:00:01:01")[0] == 0
    assert run("portgroup", "delete", "--node", "node1", "bond0")[0] == 0
    assert run("node", "delete", "node1")[0] == 0
    assert bmdb.node_list() == []


@pytest.mark.parametrize(("argv", "code", "message"), [
    (("node", "create", "node_1"), 1, "node name 'node_1' must be"),
    (("node", "create", "n1", "--network-provider", "neutron"), 1, "Network provider 'neutron' does not exist"),
    (("node", "create", "n1", "--power-state", "standby"), 2, "invalid choice"),
    (("node", "show", "ghost"), 2, "Baremetal node ghost could not be found"),
    (("port", "create", "--node", "ghost", "--mac", "52:54:00:00:00:09", "--switch-port", "s"), 2, "ghost"),
    (("node", "network", "n0", "reboot"), 2, "invalid choice"),
])
def test_bad_input_is_one_line_and_changes_nothing(sqlite_store: str, argv: tuple[str, ...], code: int,
                                                    message: str) -> None:
    run("node", "create", "n0")
    got, out, err = run(*argv)
    assert got == code and message in err and err.count("\n") == 1, err
    assert [n.name for n in bmdb.node_list()] == ["n0"]
