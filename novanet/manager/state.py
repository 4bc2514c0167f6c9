"""What every manager holds: its host, driver, peers, DNS drivers and switches.

The manager classes are a single chain so that every layer is typed against
the one below it: ``ManagerState`` → ``HostPlumbing`` (what the host must
look like) → ``LegacyQueries`` (nova-network's read-only and DNS calls) →
``NetworkManager`` (allocation) → the ``RPCAllocateFixedIP`` and
``FloatingIP`` mixins → ``FlatManager``/``FlatDHCPManager``/``VlanManager``.
"""

from __future__ import annotations

import logging
import threading
import uuid as uuidlib
from collections.abc import Callable
from typing import Any, ClassVar

import netaddr

from novanet import exception
from novanet.conf import CONF
from novanet.drivers.base import NetworkDriver
from novanet.drivers.fake import RecordingDriver
from novanet.manager import dns
from novanet.manager.types import PeerAPI
from novanet.rpc.context import RequestContext

LOG = logging.getLogger(__name__)

#: ``notify(context, event_type, payload)``; oslo.messaging's Notifier fits.
Notifier = Callable[[RequestContext, str, dict[str, Any]], None]

SERVICE_BINARY = "novanet-network"


def _no_notifications(context: RequestContext, event_type: str, payload: dict[str, Any]) -> None:
    LOG.debug("notification %s %s", event_type, payload)


class ManagerState:
    """Construction and the small helpers every layer uses."""

    #: Entry point name of the manager (``network_manager`` option).
    NAME: ClassVar[str] = "base"
    SHOULD_CREATE_BRIDGE: ClassVar[bool] = False
    SHOULD_CREATE_VLAN: ClassVar[bool] = False
    DHCP: ClassVar[bool] = False
    timeout_fixed_ips: ClassVar[bool] = True
    required_create_args: ClassVar[tuple[str, ...]] = ()

    def __init__(self, host: str | None = None, driver: NetworkDriver | None = None,
                 peers: PeerAPI | None = None, notifier: Notifier | None = None) -> None:
        """
        :param host: this host's name (default: the ``host`` option).
        :param driver: the host driver (default: a recording one that touches nothing).
        :param peers: how to reach other network hosts over RPC; None means
            this process is alone and does everything itself.
        :param notifier: where floating IP notifications go.
        """
        self.host: str = host or CONF.host
        self.driver: NetworkDriver = driver if driver is not None else RecordingDriver()
        self.peers = peers
        self.notify: Notifier = notifier or _no_notifications
        self.instance_dns = dns.load(CONF.instance_dns_manager)
        self.floating_dns = dns.load(CONF.floating_ip_dns_manager)
        self._lock = threading.RLock()
        #: Networks whose host side is set up by this process (id -> bridge).
        self._ready: dict[int, str] = {}
        #: Per-address locks for floating IP plumbing.
        self._address_locks: dict[str, threading.Lock] = {}
        #: (networks_version, networks) of NetworkManager.all_networks.
        self._networks_cache: tuple[tuple[int, Any], list[Any]] | None = None
        #: egress profile id -> (public interface, SNAT source), see HostPlumbing.egress_of.
        self._egress_cache: dict[int, tuple[str, str]] = {}

    # -- helpers ------------------------------------------------------------------

    def address_lock(self, address: str) -> threading.Lock:
        with self._lock:
            return self._address_locks.setdefault(address, threading.Lock())

    @staticmethod
    def generate_mac() -> str:
        """A random MAC in nova's ``fa:16:3e`` range."""
        tail = uuidlib.uuid4().bytes[:3]
        return "fa:16:3e:%02x:%02x:%02x" % (tail[0], tail[1], tail[2])

    @staticmethod
    def check_uuid(value: Any, what: str) -> str:
        """:raises InvalidRequest: ``value`` is not a UUID."""
        try:
            return str(uuidlib.UUID(str(value)))
        except (ValueError, TypeError, AttributeError):
            raise exception.InvalidRequest(reason=f"{what} must be a UUID, not {value!r}")

    @staticmethod
    def check_address(value: Any, what: str = "address") -> str:
        """:raises FixedIpInvalid: ``value`` is not an IP address literal."""
        try:
            return str(netaddr.IPAddress(str(value).strip()))
        except (netaddr.AddrFormatError, ValueError, TypeError):
            raise exception.FixedIpInvalid(address=value)

    @staticmethod
    def check_owner(context: RequestContext, project_id: str | None, address: str) -> None:
        """:raises FloatingIpNotOwned: a user acting on another project's address."""
        if context.is_admin:
            return
        if project_id is None or project_id != context.project_id:
            raise exception.FloatingIpNotOwned(address=address, project_id=context.project_id)

    def service_is_up(self, host: str) -> bool:
        from novanet.db import api as db

        return db.service_is_up(db.service_get(host, SERVICE_BINARY), CONF.service_down_time)
