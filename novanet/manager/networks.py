"""Network administration: create, delete, and who a network belongs to.

The same object serves the RPC's admin calls (the endpoint calls it
directly) and ``novanet-manage`` (which builds one with the configured
manager's creation rules and no host side). Creation is planned purely by
:mod:`novanet.manager.create` and written in one transaction; a network this
process serves loses its host side when it is deleted.
"""

from __future__ import annotations

import logging
from typing import Any

import netaddr

from novanet import exception
from novanet.conf import CONF
from novanet.context import RequestContext
from novanet.db import api as db
from novanet.db.models import Network
from novanet.manager import create
from novanet.manager.checks import check_uuid
from novanet.manager.plumbing import HostPlumbing

LOG = logging.getLogger(__name__)


def find_network(uuid: str | None = None, fixed_range: str | None = None) -> Network:
    """A network by uuid (preferred) or by its IPv4/IPv6 range.

    :raises NetworkNotFoundForUUID, NetworkNotFoundForCidr, InvalidCidr, InvalidInput.
    """
    if uuid:
        return db.network_get_by_uuid(uuid)
    if fixed_range:
        try:
            cidr = str(netaddr.IPNetwork(fixed_range).cidr)
        except (netaddr.AddrFormatError, ValueError):
            raise exception.InvalidCidr(cidr=fixed_range)
        return db.network_get_by_cidr(cidr)
    raise exception.InvalidInput(reason="give the network's uuid or its fixed range")


def creation_defaults() -> create.Defaults:
    """The option values network creation falls back to."""
    return create.Defaults(
        num_networks=CONF.num_networks, network_size=CONF.network_size, multi_host=CONF.multi_host,
        flat_network_bridge=CONF.flat_network_bridge, flat_interface=CONF.flat_interface,
        vlan_interface=CONF.vlan_interface, flat_network_dns=CONF.flat_network_dns,
        vlan_start=CONF.vlan_start, vpn_start=CONF.vpn_start, cnt_vpn_clients=CONF.cnt_vpn_clients,
        share_dhcp_address=CONF.share_dhcp_address, flat_injected=CONF.flat_injected,
    )


class NetworkAdmin:
    """Creating, deleting and associating networks.

    :param rules: the manager class's creation rules (``create_rules()``).
    :param host: this host, for ``associate(host=...)`` and ``set_network_host``.
    :param plumbing: this host's side, to remove a deleted network from
        (None: an operator's process, which serves nothing).
    """

    def __init__(self, rules: create.ManagerRules, host: str | None = None,
                 plumbing: HostPlumbing | None = None) -> None:
        self.rules = rules
        self.host: str = host or CONF.host
        self.plumbing = plumbing

    def create_networks(self, context: RequestContext, **kwargs: Any) -> list[Network]:
        """Create networks with this manager's rules (nova-manage's arguments).

        Nothing is written unless every network of the request can be made.
        """
        networks = db.network_get_all()
        existing = create.Existing(
            cidrs=[n.cidr for n in networks if n.cidr],
            cidrs_v6=[n.cidr_v6 for n in networks if n.cidr_v6],
            vlans=frozenset(n.vlan for n in networks if n.vlan is not None),
            bridges=frozenset(n.bridge for n in networks if n.bridge),
            count=len(networks),
        )
        plans = create.plan_networks(kwargs, self.rules, creation_defaults(), existing)
        created = db.networks_create(plans)
        for network in created:
            LOG.info("Created network %s (%s, %s) with bridge %s", network.uuid, network.label,
                     network.cidr or network.cidr_v6, network.bridge)
        return created

    def delete_network(self, context: RequestContext, uuid: str | None = None, fixed_range: str | None = None,
                       require_disassociated: bool = True) -> Network:
        """Delete an unused network (and its host side here, if any)."""
        network = find_network(uuid=uuid, fixed_range=fixed_range)
        if require_disassociated and network.project_id is not None:
            raise exception.NetworkHasProject(project_id=network.project_id)
        db.network_delete_safe(network.id)
        if self.plumbing is not None:
            self.plumbing.remove_network(network)
        LOG.info("Deleted network %s (%s)", network.uuid, network.cidr or network.cidr_v6)
        return network

    def add_network_to_project(self, context: RequestContext, project_id: str, network_uuid: str | None) -> None:
        """Give the project a(nother) network: the named one or any free one (VLAN manager only)."""
        if not self.rules.vlan:
            raise exception.InvalidRequest(
                reason=f"add_network_to_project needs the VLAN manager, not {self.rules.name}")
        if not project_id:
            raise exception.InvalidRequest(reason="add_network_to_project needs a project_id")
        network_id = None
        if network_uuid:
            network_id = db.network_get_by_uuid(check_uuid(network_uuid, "network_uuid")).id
        db.network_associate(str(project_id), network_id)

    def associate(self, context: RequestContext, network_uuid: str, associations: dict[str, Any]) -> None:
        """nova-network's legacy host/project association of a network."""
        network = db.network_get_by_uuid(check_uuid(network_uuid, "network_uuid"))
        if "host" in associations:
            if associations["host"] is None:
                db.network_disassociate(network.id, disassociate_host=True, disassociate_project=False)
            else:
                db.network_update(network.id, {"host": self.host})
        if "project" in associations:
            if associations["project"] is None:
                db.network_disassociate(network.id, disassociate_host=False, disassociate_project=True)
            else:
                db.network_associate(str(associations["project"]), network.id)

    def disassociate_network(self, context: RequestContext, network_uuid: str) -> None:
        network = db.network_get_by_uuid(check_uuid(network_uuid, "network_uuid"))
        db.network_disassociate(network.id)

    def set_network_host(self, context: RequestContext, network_id: int) -> str:
        """Claim the network for this host if nobody serves it; return who does."""
        winner = db.network_set_host(int(network_id), self.host)
        LOG.info("Network %s is served by %s", network_id, winner)
        return winner
