"""An instance's network_info, built one way: from the store's facts.

:func:`build` is pure: one VIF per virtual interface, in creation order;
each with its network and always two subnets, IPv4 then IPv6 (the IPv6 one
has no cidr when the network has no IPv6), as nova-network sent them. The
IPv4 subnet of a DHCP-managed network names its DHCP server: the network's,
or in multi_host the address of the instance's host (:func:`host_address`).

:class:`NetworkInfoService` reads the facts (:func:`novanet.db.api.instance_facts`)
and builds; it is read-only and needs no driver, so the manager answers
allocations with it, the RPC endpoint calls it for ``get_instance_nw_info``,
and ``novanet-metadata`` and config drives use it without a manager.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from novanet import model
from novanet.conf import CONF
from novanet.context import RequestContext
from novanet.db import api as db
from novanet.db.fixed_ips import InstanceFact
from novanet.db.models import Network
from novanet.manager import specs
from novanet.manager.checks import check_uuid


@dataclasses.dataclass(frozen=True)
class Flavor:
    """What the manager class contributes to network_info and to the host side."""

    dhcp: bool
    should_create_bridge: bool
    should_create_vlan: bool
    ipv6_backend: str = "rfc2462"

    @classmethod
    def of(cls, manager_class: Any) -> Flavor:
        """The flavor of a manager class (its ``DHCP``/``SHOULD_CREATE_*`` attributes), no instance needed."""
        return cls(dhcp=bool(manager_class.DHCP), should_create_bridge=bool(manager_class.SHOULD_CREATE_BRIDGE),
                   should_create_vlan=bool(manager_class.SHOULD_CREATE_VLAN), ipv6_backend=CONF.ipv6_backend)


def shares_address(network: Network) -> bool:
    """Every host serves the network from its one DHCP address (``share_address``)."""
    return bool(network.share_address or CONF.share_dhcp_address)


def host_address(network: Network, host: str) -> str | None:
    """The address ``host`` serves the network from; None if it has taken none yet.

    Single-host networks and shared addresses: the network's DHCP server (or
    gateway). multi_host: the address of the network this host took (see
    :meth:`novanet.manager.plumbing.HostPlumbing.claim_host_address`).
    """
    if not network.multi_host or shares_address(network):
        return network.dhcp_server or network.gateway
    row = db.fixed_ip_get_by_network_host(network.id, host)
    return row.address if row is not None else None


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


class NetworkInfoService:
    """network_info of instances, read from the store (no driver, no writes).

    :param flavor: what the configured manager class contributes.
    :param host: whose DHCP address an instance without a host is told
        (default: the ``host`` option).
    """

    def __init__(self, flavor: Flavor, host: str | None = None) -> None:
        self.flavor = flavor
        self.host: str = host or CONF.host

    def get_instance_nw_info(self, context: RequestContext, instance_uuid: str, rxtx_factor: float | None = None,
                             host: str | None = None) -> model.NetworkInfo:
        """The instance's network_info (its host's DHCP addresses unless ``host`` names another).

        :raises InvalidRequest: not a uuid.
        :raises InstanceNotFound: novanet never heard of the instance.
        """
        instance = db.instance_get_by_uuid(check_uuid(instance_uuid, "instance_id"), read_deleted=True)
        return self.for_instance(instance.uuid, instance.project_id, host or instance.host, rxtx_factor)

    def for_instance(self, instance_uuid: str, project_id: str | None, host: str | None,
                     rxtx_factor: float | None = None) -> model.NetworkInfo:
        """network_info from the store's facts (one read) and what the caller knows."""

        def dhcp_server(network: Network) -> str | None:
            return host_address(network, host or self.host) or network.dhcp_server or network.gateway

        return build(db.instance_facts(instance_uuid), project_id, self.flavor, dhcp_server, rxtx_factor)
