"""Pure translations from store rows to driver records (manager/specs.py)."""

from __future__ import annotations

from novanet.db.leases import HostEntry
from novanet.db.models import Network
from novanet.manager import specs


def test_network_spec_takes_the_uplink_override_and_the_host_address() -> None:
    network = Network(id=3, uuid="u", label="net", bridge="br100", bridge_interface="eth1", vlan=100,
                      cidr="10.0.0.0/24", gateway="10.0.0.1", dhcp_server="10.0.0.1", enable_dhcp=True,
                      multi_host=True, share_address=False)
    spec = specs.network_spec(network, dhcp_server="10.0.0.5", should_create_bridge=True, uplink_override="bond0",
                              share_address=True)
    assert (spec.id, spec.bridge, spec.bridge_interface, spec.vlan, spec.dhcp_server) == (
        3, "br100", "bond0", 100, "10.0.0.5")
    assert spec.share_address and spec.should_create_bridge and spec.gateway_on_host
    assert specs.network_spec(network, dhcp_server=None, should_create_bridge=False,
                              uplink_override=None).bridge_interface == "eth1"


def test_hostnames_are_dns_safe() -> None:
    assert specs.hostname_for("Web_1.example", "10.0.0.3") == "web-1-example"
    assert specs.hostname_for(None, "10.0.0.3") == "host-10-0-0-3"
    assert specs.hostname_for("--", "fd00::5") == "host-fd00--5"
    long = "a" * 70
    assert specs.hostname_for(long, "10.0.0.3") == "aa-" + "a" * 60


def test_dhcp_host_and_ipv6_addresses() -> None:
    entry = HostEntry(address="10.0.0.3", network_id=1, instance_uuid="i", vif_id=2, vif_uuid="v",
                      vif_address="FA:16:3E:00:00:01", hostname="vm", instance_host="h", allocated=True,
                      leased=False, default_route=True)
    host = specs.dhcp_host(entry)
    assert (host.mac, host.address, host.hostname, host.vif_uuid, host.default_route) == (
        "fa:16:3e:00:00:01", "10.0.0.3", "vm", "v", True)
    assert specs.ipv6_address("fd00::/64", "fa:16:3e:00:00:01", None) == "fd00::f816:3eff:fe00:1"
    other = specs.ipv6_address("fd00::/64", "fa:16:3e:00:00:01", "p1", "account_identifier")
    assert other.startswith("fd00::") and other != specs.ipv6_address("fd00::/64", "fa:16:3e:00:00:01", "p2",
                                                                          "account_identifier")
