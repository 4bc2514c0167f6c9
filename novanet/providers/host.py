"""ManagerNodeHost: the real :class:`~novanet.providers.base.NodeHost`.

It acts through the network manager's plumbing, the manager's only path to
the host driver (a network is set up here once: bridge, gateway address,
firewall, dnsmasq; a DHCP entry is one hosts-directory file, no reload),
and through the configured switch driver. A network another host serves
cannot carry this host's switch ports, so preparing it here claims it for
this host or fails.
"""

from __future__ import annotations

import logging
from typing import Any

from novanet import exception
from novanet.context import get_admin_context
from novanet.db import api as db
from novanet.db.models import Network
from novanet.drivers.base import DhcpHost
from novanet.drivers.switch import SwitchDriver

LOG = logging.getLogger(__name__)


class ManagerNodeHost:
    """Host steps of the providers, done by a network manager's plumbing and a switch driver."""

    def __init__(self, manager: Any, switch: SwitchDriver) -> None:
        self.manager = manager
        self.switch = switch

    @property
    def host(self) -> str:
        return str(self.manager.host)

    def prepare_network(self, network: Network, management: bool = False) -> str:
        if network.host is None and not network.multi_host:
            winner = self.manager.networks.set_network_host(get_admin_context(), network.id)
            network = db.network_get(network.id)
        else:
            winner = network.host or self.host
        if winner != self.host:
            raise exception.BaremetalNetworkError(
                node="-", reason=f"network {network.label or network.uuid} is served by host {winner}, not by "
                f"{self.host} where the switch ports are")
        plumbing = self.manager.plumbing
        if management:
            plumbing.mark_management(network)
        return str(plumbing.ensure_ready(network).bridge)

    def bridge_of(self, network: Network) -> str:
        return str(self.manager.plumbing.spec_for(network).bridge)

    def serve(self, network: Network, host: DhcpHost) -> None:
        self.manager.plumbing.add_dhcp_host(network, host)

    def unserve(self, network: Network, host: DhcpHost) -> None:
        # A failed dhcp_release is logged by the plumbing: the entry is
        # tombstoned already, and the address stays the node's until dnsmasq
        # reports the release (or the timeout task frees it).
        self.manager.plumbing.remove_dhcp_host(network, host, release=True)

    def confirm(self, network: Network, host: DhcpHost, served: bool) -> None:
        if served:
            self.manager.plumbing.add_dhcp_host(network, host)
        else:
            self.manager.plumbing.remove_dhcp_host(network, host, release=False)
