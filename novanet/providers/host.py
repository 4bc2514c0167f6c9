"""ManagerNodeHost: the real :class:`~novanet.providers.base.NodeHost`.

It acts through the network manager's host plumbing (a network is set up
here once: bridge, gateway address, firewall, dnsmasq; a DHCP entry is one
hosts-directory file, no reload) and through the configured switch driver.
A network another host serves cannot carry this host's switch ports, so
preparing it here claims it for this host or fails.
"""

from __future__ import annotations

import logging
from typing import Any

from novanet import exception
from novanet.rpc.context import get_admin_context
from novanet.db import api as db
from novanet.db.models import Network
from novanet.drivers.base import DhcpHost
from novanet.drivers.switch import SwitchDriver

LOG = logging.getLogger(__name__)


class ManagerNodeHost:
    """Host steps of the providers, done by a network manager and a switch driver."""

    def __init__(self, manager: Any, switch: SwitchDriver) -> None:
        self.manager = manager
        self.switch = switch

    @property
    def host(self) -> str:
        return str(self.manager.host)

    def prepare_network(self, network: Network) -> str:
        context = get_admin_context()
        if network.host is None and not network.multi_host:
            winner = self.manager.set_network_host(context, network.id)
            network = db.network_get(network.id)
        else:
            winner = network.host or self.host
        if winner != self.host:
            raise exception.BaremetalNetworkError(
                node="-", reason=f"network {network.label or network.uuid} is served by host {winner}, not by "
                f"{self.host} where the switch ports are")
        return str(self.manager.ensure_ready(context, network).bridge)

    def bridge_of(self, network: Network) -> str:
        return str(self.manager.spec_for(network, claim=False).bridge)

    def serve(self, network: Network, host: DhcpHost) -> None:
        self.manager.add_dhcp_host(get_admin_context(), network, host)

    def unserve(self, network: Network, host: DhcpHost) -> None:
        self.manager.remove_dhcp_host(get_admin_context(), network, host)
        try:
            self.manager.driver.release_dhcp(self.manager.spec_for(network, claim=False), host.address, host.mac)
        except exception.NovanetError as error:
            # The entry is tombstoned already; the lease expires, and the
            # address stays the node's until dnsmasq reports it (or the
            # timeout task frees it): never handed out while it may be alive.
            LOG.warning("dhcp_release of %s (%s) on %s failed: %s", host.address, host.mac, network.label, error)
