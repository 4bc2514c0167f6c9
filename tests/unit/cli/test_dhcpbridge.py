"""novanet-dhcpbridge: what dnsmasq passes is validated; bad input never fails dnsmasq."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from novanet.cli import dhcpbridge
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.types import InstanceInfo
from novanet.context import get_admin_context


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["add", "FA:16:3E:00:00:01", "10.0.0.2", "vm"], ("add", "fa:16:3e:00:00:01", "10.0.0.2")),
        (["del", "fa:16:3e:00:00:01", "10.0.0.2"], ("del", "fa:16:3e:00:00:01", "10.0.0.2")),
        (["old", "fa:16:3e:00:00:01", "fd00::5"], ("old", "fa:16:3e:00:00:01", "fd00::5")),
        (["init"], ("init", None, None)),
    ],
)
def test_parse_good_events(argv: list[str], expected: tuple[str, str | None, str | None]) -> None:
    assert dhcpbridge.parse_event(argv) == expected


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        ([], "no action"),
        (["grab", "fa:16:3e:00:00:01", "10.0.0.2"], "unknown action"),
        (["add", "fa:16:3e:00:00:01"], "needs a MAC and an IP"),
        (["add", "fa:16:3e:00:00", "10.0.0.2"], "not a MAC"),
        (["del", "fa:16:3e:00:00:01", "10.0.0.256"], "not an IP"),
        (["add", "fa:16:3e:00:00:01", "10.0.0.2; rm -rf /"], "not an IP"),
    ],
)
def test_bad_events_are_named_and_ignored(argv: list[str], text: str) -> None:
    with pytest.raises(dhcpbridge.BadEvent, match=text):
        dhcpbridge.parse_event(argv)
    err = io.StringIO()
    assert dhcpbridge.run(argv, {}, io.StringIO(), err) == 0
    assert text in err.getvalue()


def test_bad_config_file_variable_is_ignored() -> None:
    err = io.StringIO()
    assert dhcpbridge.run(["add", "fa:16:3e:00:00:01", "10.0.0.2"], {"CONFIG_FILE": "{nope"}, io.StringIO(), err) == 0
    assert "CONFIG_FILE is not JSON" in err.getvalue()


def test_old_returns_before_importing_anything() -> None:
    code = ("import sys, novanet.cmd.dhcpbridge as m; sys.argv=['x','old','fa:16:3e:00:00:01','10.0.0.2']\n"
            "try:\n    m.main()\nexcept SystemExit as e:\n    assert e.code == 0\n"
            "assert 'novanet.conf' not in sys.modules and 'oslo_messaging' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_init_prints_the_leases_the_store_knows(sqlite_store: str, tmp_path: Path) -> None:
    manager = FlatDHCPManager("host-a", driver=RecordingDriver())
    (network,) = manager.networks.create_networks(get_admin_context(), label="n", cidr="10.0.0.0/28", bridge="br-n")
    inst = InstanceInfo(uuid=str(uuid.uuid4()), project_id="p1", host="host-a", hostname="web")
    (vif,) = manager.allocate_for_instance(get_admin_context(), inst, None, False, None, None)
    manager.lease_fixed_ip(get_admin_context(), "10.0.0.2", vif.address)
    conf = tmp_path / "bridge.conf"
    conf.write_text(f"[DEFAULT]\nhost = host-a\n[database]\nconnection = {sqlite_store}\n")
    env = {"CONFIG_FILE": json.dumps([str(conf)]), "NETWORK_ID": str(network.id)}
    proc = subprocess.run([str(Path(sys.executable).with_name("novanet-dhcpbridge")), "init"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    expiry, mac, address, hostname, client = line.split()
    assert (mac, address, hostname, client) == (vif.address, "10.0.0.2", "web", "*") and int(expiry) > 0
    bad = subprocess.run([str(Path(sys.executable).with_name("novanet-dhcpbridge")), "init"],
                         env={"CONFIG_FILE": json.dumps([str(conf)])}, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "NETWORK_ID" in bad.stderr
