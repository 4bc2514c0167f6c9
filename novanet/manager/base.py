"""NetworkManager: the decisions shared by every manager.

Managers decide; they call the fact store (``novanet.db.api``) and the host
driver (``novanet.drivers.base.NetworkDriver``) and never run commands or SQL
themselves. Subclasses differ by class-level switches (nova-network's
``SHOULD_CREATE_BRIDGE``, ``SHOULD_CREATE_VLAN``, ``DHCP``,
``timeout_fixed_ips``, ``required_create_args``) and a few overridden steps.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import netaddr

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db.models import Network
from novanet.manager import create

LOG = logging.getLogger(__name__)


class NetworkManager:
    """Common logic of the Flat, FlatDHCP and Vlan managers."""

    #: Entry point name of the manager (``network_manager`` option).
    NAME: ClassVar[str] = "base"
    SHOULD_CREATE_BRIDGE: ClassVar[bool] = False
    SHOULD_CREATE_VLAN: ClassVar[bool] = False
    DHCP: ClassVar[bool] = False
    timeout_fixed_ips: ClassVar[bool] = True
    required_create_args: ClassVar[tuple[str, ...]] = ()

    def __init__(self, host: str | None = None) -> None:
        self.host = host or CONF.host

    # -- creating and deleting networks ---------------------------------------

    @classmethod
    def create_rules(cls) -> create.ManagerRules:
        return create.ManagerRules(name=cls.NAME, required=cls.required_create_args)

    @staticmethod
    def create_defaults() -> create.Defaults:
        return create.Defaults(
            num_networks=CONF.num_networks,
            network_size=CONF.network_size,
            multi_host=CONF.multi_host,
            flat_network_bridge=CONF.flat_network_bridge,
            flat_interface=CONF.flat_interface,
            vlan_interface=CONF.vlan_interface,
            flat_network_dns=CONF.flat_network_dns,
            vlan_start=CONF.vlan_start,
            vpn_start=CONF.vpn_start,
            cnt_vpn_clients=CONF.cnt_vpn_clients,
            share_dhcp_address=CONF.share_dhcp_address,
            flat_injected=CONF.flat_injected,
        )

    def create_networks(self, **kwargs: Any) -> list[Network]:
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
        plans = create.plan_networks(kwargs, self.create_rules(), self.create_defaults(), existing)
        created = db.networks_create(plans)
        for network in created:
            LOG.info("Created network %s (%s, %s) with bridge %s", network.uuid, network.label,
                     network.cidr or network.cidr_v6, network.bridge)
        return created

    def find_network(self, uuid: str | None = None, fixed_range: str | None = None) -> Network:
        """A network by uuid (preferred) or by its IPv4/IPv6 CIDR.

        :raises InvalidInput: neither given, or a malformed CIDR.
        :raises NetworkNotFoundForUUID, NetworkNotFoundForCidr: no such network.
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

    def delete_network(self, fixed_range: str | None = None, uuid: str | None = None,
                       require_disassociated: bool = True) -> Network:
        """Delete an unused network.

        :raises NetworkHasProject: it still belongs to a project.
        :raises NetworkInUse: an address is still in use.
        """
        network = self.find_network(uuid=uuid, fixed_range=fixed_range)
        if require_disassociated and network.project_id is not None:
            raise exception.NetworkHasProject(project_id=network.project_id)
        db.network_delete_safe(network.id)
        LOG.info("Deleted network %s (%s)", network.uuid, network.cidr or network.cidr_v6)
        return network
