"""novanet-manage subnet-pool, egress and auto-allocate as an operator types them, on every backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.cli.test_manage import dump_store, run, vlan_manager  # noqa: F401


def ok(*argv: str) -> str:
    code, out, err = run(*argv)
    assert code == 0, err
    return out


def test_the_reference_commands_and_the_dry_run_ladder(store: str, vlan_manager: None) -> None:  # noqa: F811
    empty = dump_store()
    code, out, err = run("auto-allocate", "show", "--project", "p1", "--check-resources")
    assert code == 1 and "(NO_DEFAULT_POOL)" in err and err.count("\n") == 1
    ok("subnet-pool", "create", "auto", "--prefix", "10.128.0.0/16", "--prefix", "10.129.0.0/24",
       "--default-prefixlen", "26")
    code, _, err = run("auto-allocate", "show", "--project", "p1", "--check-resources")
    assert code == 1 and "NO_DEFAULT_POOL" in err
    assert "now the default" in ok("subnet-pool", "set", "auto", "--default")
    code, _, err = run("auto-allocate", "show", "--project", "p1", "--check-resources")
    assert code == 1 and "NO_DEFAULT_EGRESS" in err
    shown = json.loads(ok("egress", "create", "out", "--public-interface", "eth0", "--snat-source", "203.0.113.5",
                          "--default", "--format", "json"))
    assert (shown["public_interface"], shown["snat_source"], shown["default"]) == ("eth0", "203.0.113.5", True)
    passed = json.loads(ok("auto-allocate", "show", "--project", "p1", "--check-resources", "--format", "json"))
    assert passed["dry-run"] == "pass" and passed["project_id"] == "p1" and "10.128.0.0/26" in passed["detail"]
    # Only the operator's own facts were written: no network, no claim.
    after = dump_store()
    assert after["networks"] == empty["networks"] == [] and after["auto_allocated_topologies"] == []

    pools = json.loads(ok("subnet-pool", "list", "--format", "json"))
    assert [(p["name"], p["prefixes"], p["default_prefixlen"], p["default"], p["free_networks"]) for p in pools] == [
        ("auto", "10.128.0.0/16, 10.129.0.0/24", 26, True, 1028)]
    assert "1028" in ok("subnet-pool", "show", "auto")
    assert "203.0.113.5" in ok("egress", "list")
    assert "No auto-allocated networks." in ok("auto-allocate", "list")
    code, _, err = run("auto-allocate", "show", "--project", "p1")
    assert code == 2 and "has no auto-allocated network" in err
    assert "deleted egress out" in ok("egress", "delete", "out")
    assert "deleted subnet pool auto" in ok("subnet-pool", "delete", "auto")
    assert ok("subnet-pool", "list").strip() == "No subnet pools defined."
    assert ok("egress", "list").strip() == "No egress defined."


BAD = [
    ("no prefix", ["subnet-pool", "create", "x", "--default-prefixlen", "26"], "--prefix"),
    ("no prefixlen", ["subnet-pool", "create", "x", "--prefix", "10.0.0.0/24"], "--default-prefixlen"),
    ("bad prefix", ["subnet-pool", "create", "x", "--prefix", "10.0.0/24", "--default-prefixlen", "26"],
     "10.0.0/24"),
    ("host bits", ["subnet-pool", "create", "x", "--prefix", "10.0.0.1/24", "--default-prefixlen", "26"],
     "host bits"),
    ("ipv6", ["subnet-pool", "create", "x", "--prefix", "fd00::/48", "--default-prefixlen", "64"], "IPv4"),
    ("prefixlen too short", ["subnet-pool", "create", "x", "--prefix", "10.0.0.0/24", "--default-prefixlen", "16"],
     "--default-prefixlen 16"),
    ("prefixlen not a number", ["subnet-pool", "create", "x", "--prefix", "10.0.0.0/24", "--default-prefixlen",
                                "big"], "invalid int value"),
    ("overlapping pools", ["subnet-pool", "create", "x", "--prefix", "10.128.4.0/24", "--default-prefixlen", "26"],
     "subnet pool auto"),
    ("second default", ["subnet-pool", "create", "x", "--prefix", "10.9.0.0/24", "--default-prefixlen", "26",
                        "--default"], "default already"),
    ("duplicate name", ["subnet-pool", "create", "auto", "--prefix", "10.9.0.0/24", "--default-prefixlen", "26"],
     "exists already"),
    ("unknown pool", ["subnet-pool", "delete", "nope"], "could not be found"),
    ("set without flag", ["subnet-pool", "set", "auto"], "one of the arguments"),
    ("bad interface", ["egress", "create", "e", "--public-interface", "eth 0", "--snat-source", "1.2.3.4"],
     "interface name"),
    ("bad source", ["egress", "create", "e", "--public-interface", "eth0", "--snat-source", "1.2.3"], "1.2.3"),
    ("second default egress", ["egress", "create", "e", "--public-interface", "eth1", "--snat-source", "1.2.3.4",
                               "--default"], "default already"),
    ("unknown egress", ["egress", "show", "nope"], "could not be found"),
    ("dry-run without project", ["auto-allocate", "show", "--check-resources"], "--project"),
]


@pytest.mark.parametrize(("case", "argv", "text"), BAD, ids=[c[0] for c in BAD])
def test_bad_input_changes_nothing(store: str, vlan_manager: None, case: str, argv: list[str],  # noqa: F811
                                   text: str) -> None:
    ok("subnet-pool", "create", "auto", "--prefix", "10.128.0.0/16", "--default-prefixlen", "26", "--default")
    ok("egress", "create", "out", "--public-interface", "eth0", "--snat-source", "203.0.113.5", "--default")
    before = dump_store()
    code, _, err = run(*argv)
    lines = err.strip().splitlines()
    assert code != 0 and len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], err
    assert dump_store() == before


def test_console_script(tmp_path: Path) -> None:
    conf = tmp_path / "novanet.conf"
    conf.write_text(f"[DEFAULT]\nstate_path = {tmp_path}/state\nnetwork_manager = vlan\nvlan_interface = eth1\n"
                    "network_driver = fake\n")
    exe = Path(sys.executable).with_name("novanet-manage")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(exe), "--config-file", str(conf), *args], capture_output=True, text=True,
                              env=dict(os.environ), timeout=120)

    assert cli("db", "sync").returncode == 0
    for argv in (["subnet-pool", "create", "auto", "--prefix", "10.128.0.0/16", "--default-prefixlen", "26",
                  "--default"],
                 ["egress", "create", "out", "--public-interface", "eth0", "--snat-source", "203.0.113.5",
                  "--default"]):
        result = cli(*argv)
        assert result.returncode == 0, result.stderr
    result = cli("auto-allocate", "show", "--project", "p1", "--check-resources")
    assert result.returncode == 0 and "pass" in result.stdout, result.stderr
