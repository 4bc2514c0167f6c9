"""Debian's real cloud-init over novanet's network_data.json, drives and service.

cloud-init is never installed: tools/get_cloud_init.sh unpacks the Debian
package into .cache/cloud-init, and tools/cloud_init_convert.py runs its
converter and renderers (ENI, netplan, networkd) in a subprocess of this
interpreter. Each test checks the rendered configuration against the
allocation itself (the NetworkInfo), not against novanet's document:
addresses and prefixes, gateways, DNS, DHCP versus static, MACs, MTU.
Without the unpacked package or cloud-init's Python dependencies the tests
skip with the reason (fail under NOVANET_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import netaddr
import pytest

from novanet.metadata import configdrive, network_data
from novanet.metadata.content import InstanceMetadata
from novanet.metadata.interfaces import is_injected
from novanet.metadata.network_data import is_dhcp_managed
from novanet.metadata.options import MetadataOptions
from novanet.metadata.server import build_server
from novanet.metadata.source import InMemoryInstanceSource
from novanet.model import NetworkInfo, Route
from tests.fixtures.services import require_tool, unavailable
from tests.unit.metadata import shapes as s

TOP = pathlib.Path(__file__).resolve().parents[3]
TOOL = TOP / "tools" / "cloud_init_convert.py"
PYDIR = pathlib.Path(
    os.environ.get("NOVANET_CLOUD_INIT_DIR", str(TOP / ".cache" / "cloud-init")), "root/usr/lib/python3/dist-packages"
)
DEPS = ("yaml", "jinja2", "jsonschema", "configobj", "requests", "jsonpatch", "oauthlib")


@pytest.fixture(scope="module")
def cloud_init() -> pathlib.Path:
    if not (PYDIR / "cloudinit" / "sources" / "helpers" / "openstack.py").is_file():
        unavailable(f"cloud-init is not unpacked in {PYDIR} (run tools/get_cloud_init.sh)")
    missing = [d for d in DEPS if importlib.util.find_spec(d) is None]
    if missing:
        unavailable(f"cloud-init's Python dependencies are missing: {', '.join(missing)} (run tools/install.sh)")
    return PYDIR


def run_cloud_init(pydir: pathlib.Path, mode: str, target: str, macs: dict[str, str] | None = None) -> dict[str, Any]:
    args = [sys.executable, str(TOOL), mode, target]
    for mac, name in (macs or {}).items():
        args += ["--mac", f"{name},{mac}"]
    env = dict(os.environ, PYTHONPATH=str(pydir))
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.stdout, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    result["exit"] = proc.returncode
    return result


def _default_macs(ni: NetworkInfo) -> dict[str, str]:
    addressed = [v for v in ni if network_data.addressed_subnets(v.network)]
    return {network_data.canonical_mac(v.address): f"eth{i}" for i, v in enumerate(addressed)}


def assert_matches_allocation(result: dict[str, Any], ni: NetworkInfo, macs: dict[str, str]) -> None:
    """The rendered ENI/netplan/networkd configure exactly what was allocated."""
    assert result["exit"] == 0, result.get("error")
    assert result["warnings"] == []
    eni, netplan = result["eni"], result["netplan"]
    networkd = "\n".join(result["networkd"].values())
    physical = {c["mac_address"]: c for c in result["v1"]["config"] if c["type"] == "physical"}
    nameservers = [c["address"] for c in result["v1"]["config"] if c["type"] == "nameserver"]
    defaults: dict[int, str] = {}
    for vif in ni:
        subnets = network_data.addressed_subnets(vif.network)
        if not subnets or vif.network is None:
            continue
        mac = network_data.canonical_mac(vif.address)
        name = macs[mac]
        assert physical[mac]["name"] == name
        assert f"macaddress: {mac}" in netplan and f"MACAddress={mac}" in networkd
        mtu = network_data.link_mtu(vif.network)
        if mtu:
            assert f"mtu: {mtu}" in netplan and f"mtu {mtu}" in eni
        for subnet in subnets:
            version = subnet.version
            assert version is not None
            ips = [ip.address for ip in subnet.ips if netaddr.IPAddress(ip.address).version == version]
            if not ips:
                continue
            if version == 4 and is_dhcp_managed(vif.network, subnet):
                assert f"iface {name} inet dhcp" in eni
                assert "dhcp4: true" in netplan
                for ip in ips:
                    assert ip not in eni
                continue
            prefix = netaddr.IPNetwork(subnet.cidr).prefixlen
            for ip in ips:
                assert f"address {ip}/{prefix}" in eni
                assert f"{ip}/{prefix}" in netplan and f"Address={ip}/{prefix}" in networkd
            if subnet.gateway and version not in defaults:
                defaults[version] = subnet.gateway
            for dns in subnet.dns:
                assert dns in nameservers and dns in eni and dns in netplan
    for version, gateway in defaults.items():
        to = "0.0.0.0/0" if version == 4 else "::/0"
        assert f"to: {to}\n                via: {gateway}" in netplan
        assert netplan.count(f"to: {to}") == 1
        assert f"Gateway={gateway}" in networkd


SHAPES = {
    "flat_static": (s.flat_static(), None),
    "no_gateway": (s.flat_static(gateway=None), None),
    "no_dns": (s.flat_static(dns=()), None),
    "flat_dhcp_vlan": (s.flat_dhcp(), None),
    "two_nics_ens": (s.two_nics(), {s.MAC0: "ens3", s.MAC1: "ens4"}),
    "dual_stack": (s.dual_stack(), None),
    "v6_only": (s.v6_only(), None),
    "several_ips": (s.flat_static(ips=("10.0.0.5", "10.0.0.6", "10.0.0.7")), None),
    "host_routes": (s.flat_static(routes=(Route("192.168.0.0/16", "10.0.0.254"),)), None),
    "mtu": (s.info(s.vif(s.network(s.v4(), mtu=1400))), None),
    "static_and_dhcp_nics": (
        s.info(
            s.vif(s.network(s.v4(dhcp_server="10.0.0.1"))),
            s.vif(s.network(s.v4(cidr="10.1.0.0/24", ips=("10.1.0.7",), gateway="10.1.0.1"), s.v6(), net_id=s.NET1), mac=s.MAC1, vif_id=s.VIF1),
        ),
        None,
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_network_data_converts(cloud_init: pathlib.Path, tmp_path: pathlib.Path, shape: str) -> None:
    ni, macs = SHAPES[shape]
    macs = macs or _default_macs(ni)
    path = tmp_path / "network_data.json"
    path.write_text(json.dumps(network_data.network_data(ni)))
    result = run_cloud_init(cloud_init, "network-data", str(path), macs)
    assert result["source"] == "network_data"
    assert_matches_allocation(result, ni, macs)


def test_empty_document_accepted(cloud_init: pathlib.Path, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "network_data.json"
    path.write_text(json.dumps(network_data.network_data(NetworkInfo())))
    result = run_cloud_init(cloud_init, "network-data", str(path))
    assert result["exit"] == 0, result.get("error")
    assert [c for c in result["v1"]["config"] if c["type"] == "physical"] == []


@pytest.mark.parametrize("fmt", ["iso9660", "vfat"])
@pytest.mark.parametrize("shape", ["flat_static", "dual_stack", "flat_dhcp_vlan"])
def test_config_drive(cloud_init: pathlib.Path, tmp_path: pathlib.Path, fmt: str, shape: str) -> None:
    # Scenario 27: cloud-init picks 2018-08-27 and finds network_data.json.
    if fmt == "vfat":
        require_tool("mkfs.vfat")
        require_tool("mcopy")
    ni, _ = SHAPES[shape]
    rec = s.record(ni)
    drive = tmp_path / f"disk.config.{fmt}"
    configdrive.build_config_drive(rec, str(drive), fmt)
    result = run_cloud_init(cloud_init, "config-drive", str(drive))
    assert result["label"] == "config-2" and result["fstype"] == fmt
    assert result["version"] == "2018-08-27"
    assert result["metadata"]["uuid"] == rec.uuid
    assert result["metadata"]["hostname"] == "vm1.novalocal"
    assert result["source"] == "network_data"
    assert_matches_allocation(result, ni, _default_macs(ni))


def _legacy_drive(tmp_path: pathlib.Path, ni: NetworkInfo) -> str:
    """A drive tree without network_data.json: cloud-init falls back to the ENI item."""
    files = InstanceMetadata(s.record(ni), MetadataOptions()).drive_files()
    root = tmp_path / "drive"
    for rel, body in files.items():
        if rel.endswith("network_data.json"):
            continue
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(body)
    return str(root)


@pytest.mark.parametrize("shape", ["flat_static", "v6_only", "two_nics_ens"])
def test_legacy_interfaces_item_converts(cloud_init: pathlib.Path, tmp_path: pathlib.Path, shape: str) -> None:
    # Scenario 31: the ENI is bound to the NIC by its hwaddress.
    ni, _ = SHAPES[shape]
    assert all(is_injected(v.network) for v in ni)
    result = run_cloud_init(cloud_init, "config-drive", _legacy_drive(tmp_path, ni))
    assert result["exit"] == 0, result.get("error")
    assert result["source"] == "eni"
    eni = result["eni"]
    for vif in ni:
        for ip in vif.fixed_ips():
            assert f"address {ip.address}/" in eni
        assert network_data.canonical_mac(vif.address) in json.dumps(result["v1"])


def test_legacy_dual_stack_fails_but_drive_has_network_data(cloud_init: pathlib.Path, tmp_path: pathlib.Path) -> None:
    # Known cloud-init limitation (reference §4): its ENI reader refuses two
    # stanzas for one interface. novanet always ships network_data.json,
    # which cloud-init prefers, so a real drive still configures dual stack.
    result = run_cloud_init(cloud_init, "config-drive", _legacy_drive(tmp_path, s.dual_stack()))
    assert result["exit"] == 1 and "can only be defined once" in result["error"]
    drive = tmp_path / "full.iso"
    configdrive.build_config_drive(s.record(s.dual_stack()), str(drive))
    full = run_cloud_init(cloud_init, "config-drive", str(drive))
    assert full["source"] == "network_data"
    assert_matches_allocation(full, s.dual_stack(), _default_macs(s.dual_stack()))


@pytest.fixture
def served() -> Iterator[str]:
    subnet = s.v4(cidr="127.0.0.0/24", ips=("127.0.0.1",), gateway="127.0.0.254", dns=("127.0.0.53",))
    ni = s.info(s.vif(s.network(subnet, injected=True)))
    source = InMemoryInstanceSource([s.record(ni)])
    server = build_server(source, MetadataOptions(), "127.0.0.1", 0, threads=4)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def test_metadata_reader_against_the_service(cloud_init: pathlib.Path, served: str) -> None:
    # Scenario 23: cloud-init's own MetadataReader, EC2 tree included.
    result = run_cloud_init(cloud_init, "metadata-url", served)
    assert result["exit"] == 0, result.get("error")
    assert result["version"] == "2018-08-27"
    assert result["metadata"]["uuid"] == "11111111-2222-3333-4444-555555555555"
    assert result["ec2"] is True
    assert result["source"] == "network_data"
    assert "address 127.0.0.1/24" in result["eni"]
