"""LinuxNetDriver, the facade, over the three in-memory backends (no root).

The links, the iptables firewall and the dnsmasq supervisor are the real
objects; only the kernel, iptables and the file and process tables under
them are fakes. The functional test_host_driver.py runs the same facade on
a real kernel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from novanet.conf import CONF
from novanet.drivers.base import DhcpHost, FloatingForward, HostState, NetworkSpec
from novanet.drivers.dnsmasq import DnsmasqSettings, DnsmasqSupervisor
from novanet.drivers.dnsmasq.fake import FakeFiles, FakeProcesses
from novanet.drivers.host import LinuxNetDriver
from novanet.drivers.iptables import IptablesFirewall
from novanet.drivers.iptables.fake import FakeBackend as FakeIptables
from novanet.drivers.linux_net import LinkConfig, Links
from novanet.drivers.linux_net.fake import FakeBackend as FakeKernel

NET = NetworkSpec(id=1, uuid="aaaaaaaa-0000-0000-0000-000000000001", label="a", bridge="br-a", bridge_interface="eth1",
                  cidr="10.81.0.0/24", gateway="10.81.0.1", dhcp_server="10.81.0.1", dhcp_start="10.81.0.2",
                  netmask="255.255.255.0", broadcast="10.81.0.255")
HOST = DhcpHost(mac="fa:16:3e:00:00:0a", address="10.81.0.2", hostname="vm-a", vif_uuid="vif-a")
FLOAT = FloatingForward(floating="172.24.4.70", fixed="10.81.0.2", interface="eth2", network=NET)


class Rig:
    """The facade over fake backends; :meth:`restarted` is a new daemon on the same host."""

    def __init__(self, state: Path, public_interface: str = "") -> None:
        self.state = state
        self.kernel = FakeKernel()
        for name in ("eth1", "eth2", "eth3"):
            self.kernel.add_link(name, up=True)
        self.iptables = FakeIptables()
        self.files = FakeFiles()
        self.procs = FakeProcesses(self.files)
        self.driver = self._driver(public_interface)

    def _driver(self, public_interface: str) -> LinuxNetDriver:
        settings = DnsmasqSettings(networks_path=str(self.state / "networks"), dhcpbridge="/bin/true")
        return LinuxNetDriver(
            CONF,
            links=Links(LinkConfig(public_interface=public_interface or None), self.kernel),
            iptables=IptablesFirewall(self.iptables),
            dnsmasq=DnsmasqSupervisor(settings, self.files, self.procs),
        )

    def restarted(self, public_interface: str = "") -> LinuxNetDriver:
        return self._driver(public_interface)

    def addresses(self, device: str) -> list[str]:
        return [a.cidr for a in self.kernel.addresses.get(device, [])]

    def nat(self) -> str:
        """Every rule of the kernel's IPv4 nat table."""
        return "\n".join(rule for chain in self.iptables.chains(4, "nat") for rule in self.iptables.rules(4, "nat", chain))


@pytest.fixture
def state(tmp_path: Path) -> Iterator[Path]:
    CONF.set_override("networks_path", str(tmp_path / "networks"))
    CONF.set_override("metadata_host", "10.0.0.9")
    try:
        yield tmp_path
    finally:
        CONF.clear_override("networks_path")
        CONF.clear_override("metadata_host")


def test_ensure_network_makes_bridge_gateway_rules_and_dnsmasq(state: Path) -> None:
    rig = Rig(state)
    rig.driver.ensure_network(NET, [HOST])
    bridge = rig.kernel.links["br-a"]
    assert rig.kernel.links["eth1"].master == bridge.index
    assert rig.addresses("br-a")[0] == "10.81.0.1/24"
    assert "10.81.0.0/24" in rig.nat()
    assert len(rig.procs.spawned) == 1
    applied, restores = len(rig.kernel.applied), len(rig.iptables.restores())
    rig.driver.ensure_network(NET, [HOST])
    assert (len(rig.kernel.applied), len(rig.iptables.restores()), len(rig.procs.spawned)) == (applied, restores, 1)


def test_add_dhcp_host_is_one_file_and_no_signal(state: Path) -> None:
    rig = Rig(state)
    rig.driver.ensure_network(NET, [])
    rig.files.writes.clear()
    other = DhcpHost(mac="fa:16:3e:00:00:0b", address="10.81.0.3", hostname="vm-b", vif_uuid="vif-b")
    rig.driver.add_dhcp_host(NET, other)
    assert [Path(path).name for path in rig.files.writes] == ["fa163e00000b"]
    assert rig.procs.signals == []


def test_floating_ip_nat_comes_before_the_address_and_leaves_after_it(state: Path) -> None:
    rig = Rig(state)
    rig.driver.ensure_network(NET, [HOST])
    seen: list[list[str]] = []
    rig.iptables.on_restore = lambda family, text: seen.append(rig.addresses("eth2"))
    rig.driver.add_floating_ip(FLOAT)
    assert seen and seen[-1] == [], "the address was bound before its NAT rules were applied"
    assert rig.addresses("eth2") == ["172.24.4.70/32"]
    assert "172.24.4.70" in rig.nat()
    assert json.loads((state / "networks" / "floating-addresses.json").read_text()) == {"172.24.4.70": "eth2"}

    seen.clear()
    rig.driver.remove_floating_ip(FLOAT)
    assert seen and seen[-1] == [], "the NAT rules were removed while the address was still bound"
    assert "172.24.4.70" not in rig.nat()
    assert rig.kernel.tool_calls[-1] == ("conntrack", "-D", "-r", "10.81.0.2")


def test_public_interface_overrides_the_floating_ips_own(state: Path) -> None:
    rig = Rig(state, public_interface="eth3")
    rig.driver.add_floating_ip(FLOAT)
    assert (rig.addresses("eth2"), rig.addresses("eth3")) == ([], ["172.24.4.70/32"])



def test_init_host_from_a_restarted_daemon_changes_nothing(state: Path) -> None:
    rig = Rig(state)
    full = HostState(networks=((NET, (HOST,)),), floating=(FLOAT,))
    rig.driver.init_host(full)
    assert rig.addresses("eth2") == ["172.24.4.70/32"] and len(rig.procs.spawned) == 1
    applied, restores = len(rig.kernel.applied), len(rig.iptables.restores())
    rig.restarted().init_host(full)
    assert (len(rig.kernel.applied), len(rig.iptables.restores()), len(rig.procs.spawned)) == (applied, restores, 1)
    assert rig.procs.signals == []


def test_init_host_unbinds_a_stale_floating_address_where_it_was_bound(state: Path) -> None:
    first = Rig(state)
    first.driver.add_floating_ip(FLOAT)
    # A restart after public_interface changed, with the floating IP gone.
    first.restarted(public_interface="eth3").init_host(HostState(networks=((NET, (HOST,)),), floating=()))
    assert first.addresses("eth2") == []
    assert json.loads((state / "networks" / "floating-addresses.json").read_text()) == {}
