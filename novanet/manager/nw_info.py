"""Building an instance's network_info from store facts (pure).

One VIF per virtual interface, in creation order; each with its network and
always two subnets, IPv4 then IPv6 (the IPv6 one has no cidr when the network
has no IPv6), as nova-network sent them. The IPv4 subnet of a DHCP-managed
network names its DHCP server: the network's, or in multi_host the address of
the instance's host.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from novanet import model
from novanet.db.fixed_ips import InstanceFact
from novanet.db.models import Network
from novanet.manager import specs


@dataclasses.dataclass(frozen=True)
class Flavor:
    """What the manager class contributes to network_info."""

    dhcp: bool
    should_create_bridge: bool
    should_create_vlan: bool
    ipv6_backend: str = "rfc2462"


def _network_meta(network: Network, flavor: Flavor) -> dict[str, Any]:
    meta: dict[str, Any] = {"tenant_id": network.project_id}
    if network.injected:
        meta["injected"] = True
    if flavor.should_create_bridge:
        meta["should_create_bridge"] = True
        if network.bridge_interface:
            meta["bridge_interface"] = network.bridge_interface
    if network.multi_host:
        meta["multi_host"] = True
    if flavor.should_create_vlan:
        meta["should_create_vlan"] = True
        meta["vlan"] = network.vlan
    if network.mtu:
        meta["mtu"] = network.mtu
    meta["enable_dhcp"] = bool(flavor.dhcp and network.enable_dhcp)
    return meta


def build(facts: Sequence[InstanceFact], project_id: str | None, flavor: Flavor,
          dhcp_server_for: Callable[[Network], str | None], rxtx_factor: float | None = None) -> model.NetworkInfo:
    """network_info from the instance's addresses (see :func:`db.instance_facts`).

    :param dhcp_server_for: the DHCP server address of a network for this
        instance (called only for DHCP-managed networks).
    """
    by_vif: dict[str, list[InstanceFact]] = {}
    for fact in facts:
        by_vif.setdefault(fact.vif.uuid, []).append(fact)
    vifs = []
    for group in by_vif.values():
        vif, network = group[0].vif, group[0].network
        ips = tuple(model.FixedIP(f.fixed.address, floating_ips=f.floating) for f in group if f.fixed is not None)
        dhcp_server = dhcp_server_for(network) if flavor.dhcp and network.enable_dhcp else None
        v4 = model.Subnet(
            cidr=network.cidr,
            gateway=network.gateway,
            dns=tuple(d for d in (network.dns1, network.dns2) if d),
            ips=ips,
            dhcp_server=dhcp_server,
        )
        if network.cidr_v6:
            v6 = model.Subnet(
                cidr=network.cidr_v6,
                gateway=network.gateway_v6,
                ips=(model.FixedIP(specs.ipv6_address(network.cidr_v6, vif.address, project_id,
                                                      flavor.ipv6_backend)),),
            )
        else:
            v6 = model.Subnet(cidr=None)
        vif_meta: dict[str, Any] = {}
        if network.rxtx_base and rxtx_factor:
            vif_meta["rxtx_cap"] = network.rxtx_base * rxtx_factor
        vifs.append(model.VIF(
            id=vif.uuid,
            address=vif.address,
            network=model.Network(id=network.uuid, bridge=network.bridge, label=network.label or "",
                                  subnets=(v4, v6), meta=_network_meta(network, flavor)),
            meta=vif_meta,
        ))
    return model.NetworkInfo(tuple(vifs))
