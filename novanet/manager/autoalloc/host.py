"""The manager's side of :class:`~novanet.manager.autoalloc.allocator.HostSide`."""

from __future__ import annotations

import logging
from typing import Any

from novanet.db.models import Network
from novanet.rpc.context import get_admin_context

LOG = logging.getLogger(__name__)


class ManagerHost:
    """Makes and removes a built network with the manager's own host plumbing.

    :param manager: the network manager (its ``setup_network_on_host``,
        ``spec_for``, ``forget_network`` and ``driver``).
    """

    def __init__(self, manager: Any) -> None:
        self.manager = manager

    def realise(self, network: Network) -> None:
        self.manager.setup_network_on_host(get_admin_context(), network)

    def unrealise(self, network: Network) -> None:
        self.manager.forget_network(network.id)
        self.manager.driver.remove_network(self.manager.spec_for(network, claim=False))

    def interface_exists(self, name: str) -> bool | None:
        probe = getattr(self.manager.driver, "has_device", None)
        if probe is None:
            return None
        try:
            return bool(probe(name))
        except Exception as error:  # the check is advice; the build itself will tell
            LOG.warning("Cannot tell whether %s exists here: %s", name, error)
            return None
