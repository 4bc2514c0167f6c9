"""novanet-manage as an operator types it, against every backend.

Bad input must exit non-zero with one line naming the problem and leave the
store exactly as it was (compared table by table before and after).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from novanet.cli import manage
from novanet.conf import CONF
from novanet.db import models, session


@pytest.fixture
def vlan_manager() -> Iterator[None]:
    CONF.set_override("network_manager", "vlan")
    CONF.set_override("vlan_interface", "eth1")
    yield
    CONF.clear_override("network_manager")
    CONF.clear_override("vlan_interface")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = manage.run(list(argv), out, err, configure=False)
    return code, out.getvalue(), err.getvalue()


def dump_store() -> dict[str, list[tuple[Any, ...]]]:
    with session.reader() as s:
        return {
            table.name: [tuple(row) for row in s.execute(sa.select(table).order_by(*table.primary_key.columns))]
            for table in models.Base.metadata.sorted_tables
        }


def test_worked_example(store: str, vlan_manager: None) -> None:
    code, out, err = run("network", "create", "10.0.0.0/8", "3", "16")
    assert code == 0, err
    code, out, _ = run("network", "list", "--format", "json")
    nets = json.loads(out)
    assert [(n["cidr"], n["vlan"], n["bridge"], n["gateway"], n["dhcp_start"]) for n in nets] == [
        ("10.0.0.0/28", 100, "br100", "10.0.0.1", "10.0.0.3"),
        ("10.0.0.16/28", 101, "br101", "10.0.0.17", "10.0.0.19"),
        ("10.0.0.32/28", 102, "br102", "10.0.0.33", "10.0.0.35"),
    ]
    code, out, _ = run("network", "show", "10.0.0.16/28", "--format", "json")
    shown = json.loads(out)
    assert (shown["vpn_private_address"], shown["broadcast"], shown["reserved"], shown["free"]) == (
        "10.0.0.18", "10.0.0.31", 4, 12)
    code, out, _ = run("network", "list")
    assert out.splitlines()[0].split()[:3] == ["id", "IPv4", "IPv6"] and "br101" in out


def test_long_options_and_lifecycle(store: str) -> None:
    code, _, err = run("network", "create", "--label", "web", "--fixed_range_v4", "192.168.50.0/24",
                       "--bridge", "br-web", "--dns1", "192.168.50.53", "--multi_host", "T", "--mtu", "1450",
                       "--fixed_range_v6", "fd00:50::/64")
    assert code == 0, err
    code, out, _ = run("network", "show", "192.168.50.0/24", "--format", "json")
    net = json.loads(out)
    assert (net["label"], net["bridge"], net["multi_host"], net["mtu"], net["cidr_v6"], net["dns1"]) == (
        "web", "br-web", True, 1450, "fd00:50::/64", "192.168.50.53")
    assert run("network", "modify", "192.168.50.0/24", "--project", "p1", "--host", "net-1")[0] == 0
    code, out, _ = run("network", "list", "--format", "json")
    assert (json.loads(out)[0]["project_id"], json.loads(out)[0]["host"]) == ("p1", "net-1")
    code, _, err = run("network", "delete", "192.168.50.0/24")
    assert code == 1 and "disassociated from project p1" in err
    assert run("network", "modify", net["uuid"], "--disassociate-project", "--disassociate-host")[0] == 0
    assert run("fixed", "reserve", "--address", "192.168.50.10")[0] == 0
    code, out, _ = run("fixed", "list", "--format", "json")
    assert [r["reserved"] for r in json.loads(out) if r["address"] == "192.168.50.10"] == [True]
    assert run("fixed", "unreserve", "--address", "192.168.50.10")[0] == 0
    assert run("floating", "create", "--ip_range", "172.24.4.0/28", "--pool", "public")[0] == 0
    code, out, _ = run("floating", "list", "--format", "json")
    assert len(json.loads(out)) == 14 and json.loads(out)[0]["interface"] == CONF.public_interface
    assert run("floating", "delete", "--ip_range", "172.24.4.0/28")[0] == 0
    assert run("floating", "list")[1].strip() == "No floating IP addresses have been defined."
    code, out, _ = run("network", "delete", "--uuid", net["uuid"])
    assert code == 0 and "deleted network" in out
    assert run("network", "list")[1].strip() == "No networks found"
    assert run("service", "list")[1].strip() == "No services found."


BAD_INPUTS = [
    ("malformed cidr", ["network", "create", "10.0.0.0/33", "1", "16"], "10.0.0.0/33"),
    ("not a cidr", ["network", "create", "--fixed_range_v4", "ten-dot"], "ten-dot"),
    ("overlapping cidr", ["network", "create", "10.0.0.0/24", "1", "256"], "conflicts with existing cidr"),
    ("too many networks", ["network", "create", "10.9.0.0/24", "5", "64"], "not big enough"),
    ("vlan too big", ["network", "create", "10.9.0.0/24", "--vlan", "5000"], "4094"),
    ("vlan zero", ["network", "create", "10.9.0.0/24", "--vlan", "0"], "less than 1"),
    ("vlan used", ["network", "create", "10.9.0.0/24", "--vlan", "100"], "existing vlan with id 100"),
    ("bridge too long", ["network", "create", "10.9.0.0/24", "--bridge", "br-much-too-long-x"], "15"),
    ("non-integer size", ["network", "create", "10.9.0.0/24", "1", "lots"], "network_size must be an integer"),
    ("ipv6 range as v4", ["network", "create", "--fixed_range_v4", "fd00::/64"], "IPv4"),
    ("v4 range as v6", ["network", "create", "10.9.0.0/24", "--fixed_range_v6", "10.8.0.0/24"], "IPv6"),
    ("v6 gateway outside", ["network", "create", "10.9.0.0/24", "--fixed_range_v6", "fd00:9::/64",
                            "--gateway_v6", "fd00:8::1"], "fd00:8::1"),
    ("bad multi_host", ["network", "create", "10.9.0.0/24", "--multi_host", "perhaps"], "multi_host"),
    ("unknown network show", ["network", "show", "10.8.0.0/24"], "could not be found"),
    ("unknown network delete", ["network", "delete", "--uuid", "8c4a0e6f-0000-4000-8000-000000000000"],
     "could not be found"),
    ("delete without name", ["network", "delete"], "exactly one network"),
    ("modify both ways", ["network", "modify", "10.0.0.0/24", "--project", "p", "--disassociate-project"],
     "cannot be combined"),
    ("unknown fixed", ["fixed", "reserve", "--address", "10.7.7.7"], "not found"),
    ("malformed fixed", ["fixed", "reserve", "--address", "10.7.7"], "not a valid IP"),
    ("unreserve gateway", ["fixed", "unreserve", "--address", "10.0.0.1"], "gateway"),
    ("floating overlaps fixed", ["floating", "create", "--ip_range", "10.0.0.128/25"], "conflicts"),
    ("floating too small", ["floating", "create", "--ip_range", "172.24.9.0/31"], "too small"),
    ("floating malformed", ["floating", "create", "--ip_range", "172.24.9"], "172.24.9"),
    ("floating duplicate", ["floating", "create", "--ip_range", "172.24.4.0/29"], "already exists"),
    ("floating delete unknown", ["floating", "delete", "--ip_range", "172.30.0.0/29"], "not found"),
    ("unknown option", ["network", "create", "--colour", "blue"], "unrecognized arguments"),
    ("unknown command", ["network", "explode"], "invalid choice"),
]


@pytest.mark.parametrize(("case", "argv", "text"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_changes_nothing(store: str, vlan_manager: None, case: str, argv: list[str],
                                   text: str) -> None:
    assert run("network", "create", "10.0.0.0/24", "1", "256")[0] == 0
    assert run("floating", "create", "--ip_range", "172.24.4.0/29")[0] == 0
    before = dump_store()
    code, out, err = run(*argv)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], err
    assert dump_store() == before


def test_console_script_against_sqlite_default(tmp_path: Path) -> None:
    """The installed command, its own configuration file, the embedded SQLite default."""
    conf = tmp_path / "novanet.conf"
    conf.write_text(f"[DEFAULT]\nstate_path = {tmp_path}/state\nnetwork_manager = vlan\nvlan_interface = eth1\n")
    exe = Path(sys.executable).with_name("novanet-manage")
    env = dict(os.environ)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(exe), "--config-file", str(conf), *args], capture_output=True, text=True,
                              env=env, timeout=120)

    assert cli("db", "sync").returncode == 0
    assert (tmp_path / "state" / "novanet.sqlite").exists()
    result = cli("network", "create", "10.0.0.0/8", "3", "16")
    assert result.returncode == 0, result.stderr
    assert "br102" in cli("network", "list").stdout
    bad = cli("network", "create", "10.0.0.0/8", "3", "16x")
    assert bad.returncode == 1 and bad.stderr.strip() == "error: network_size must be an integer."
