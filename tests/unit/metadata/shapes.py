"""Network shapes for the metadata tests (reference network-metadata.md §6).

Each builder returns a NetworkInfo the way the managers would hand it over:
nova-network's v4 subnet then v6 subnet (a ``cidr=None`` placeholder when the
network has no IPv6), ``dhcp_server`` set for FlatDHCP/Vlan networks.
"""

from __future__ import annotations

from typing import Any

from novanet.metadata.source import InstanceRecord
from novanet.model import VIF, FixedIP, Network, NetworkInfo, Route, Subnet

MAC0 = "fa:16:3e:11:22:33"
MAC1 = "fa:16:3e:44:55:66"
MAC2 = "fa:16:3e:77:88:99"
NET0 = "5a5a5a5a-0000-1111-2222-333333333333"
NET1 = "6b6b6b6b-0000-1111-2222-333333333333"
NET2 = "7c7c7c7c-0000-1111-2222-333333333333"
VIF0 = "c0ffee00-1111-2222-3333-444444444444"
VIF1 = "c0ffee01-1111-2222-3333-444444444444"
VIF2 = "c0ffee02-1111-2222-3333-444444444444"
PLACEHOLDER_V6 = Subnet(cidr=None)


def v4(
    cidr: str = "10.0.0.0/24",
    ips: tuple[str, ...] = ("10.0.0.5",),
    gateway: str | None = "10.0.0.1",
    dns: tuple[str, ...] = ("8.8.4.4", "8.8.8.8"),
    dhcp_server: str | None = None,
    routes: tuple[Route, ...] = (),
) -> Subnet:
    return Subnet(
        cidr=cidr,
        gateway=gateway,
        dns=dns,
        ips=tuple(FixedIP(a) for a in ips),
        routes=routes,
        dhcp_server=dhcp_server,
    )


def v6(
    cidr: str = "fd00:1::/64",
    ips: tuple[str, ...] = ("fd00:1::f816:3eff:fe11:2233",),
    gateway: str | None = "fd00:1::1",
    dns: tuple[str, ...] = ("fd00:1::53",),
    dhcp_server: str | None = None,
) -> Subnet:
    return Subnet(cidr=cidr, gateway=gateway, dns=dns, ips=tuple(FixedIP(a) for a in ips), dhcp_server=dhcp_server)


def network(
    *subnets: Subnet,
    net_id: str = NET0,
    injected: bool = False,
    **meta: Any,
) -> Network:
    if len(subnets) == 1 and subnets[0].version == 4:
        subnets = (subnets[0], PLACEHOLDER_V6)
    return Network(
        id=net_id,
        bridge="br100",
        label="private",
        subnets=subnets,
        meta={"injected": injected, "tenant_id": "p1", **meta},
    )


def vif(net: Network | None, mac: str = MAC0, vif_id: str = VIF0, **kwargs: Any) -> VIF:
    return VIF(id=vif_id, address=mac, network=net, **kwargs)


def info(*vifs: VIF) -> NetworkInfo:
    return NetworkInfo(tuple(vifs))


def flat_static(**kw: Any) -> NetworkInfo:
    """Scenario 1: FlatManager, flat_injected, static IPv4, gateway, two DNS."""
    return info(vif(network(v4(**kw), injected=True)))


def flat_dhcp() -> NetworkInfo:
    """Scenario 4: FlatDHCP/Vlan: the subnet has a DHCP server."""
    return info(vif(network(v4(dhcp_server="10.0.0.1"), should_create_vlan=True, vlan=100)))


def dual_stack(injected: bool = True) -> NetworkInfo:
    return info(vif(network(v4(), v6(), injected=injected)))


def v6_only(gateway: str | None = "fd00:1::1") -> NetworkInfo:
    return info(vif(network(Subnet(cidr=None), v6(gateway=gateway), injected=True)))


def two_nics() -> NetworkInfo:
    return info(
        vif(network(v4(), injected=True)),
        vif(
            network(
                v4(cidr="10.1.0.0/24", ips=("10.1.0.7",), gateway="10.1.0.1", dns=("8.8.8.8", "1.1.1.1")),
                net_id=NET1,
                injected=True,
            ),
            mac=MAC1,
            vif_id=VIF1,
        ),
    )


def record(
    network_info: NetworkInfo,
    uuid: str = "11111111-2222-3333-4444-555555555555",
    project_id: str = "project-a",
    hostname: str = "vm1",
    **kw: Any,
) -> InstanceRecord:
    return InstanceRecord(
        uuid=uuid,
        project_id=project_id,
        hostname=hostname,
        display_name=hostname.upper(),
        network_info=network_info,
        **kw,
    )
