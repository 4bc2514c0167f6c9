"""What differs between flat and VLAN networks, as one small object per mode.

Flat managers (:class:`FlatNetworks`) put every instance on the shared
networks (those it asks for, else every non-VLAN network), claim the
requested address or the next free one, and count fixed IPs against the
project's ``quota_fixed_ips``. The VLAN manager (:class:`VlanNetworks`)
gives each project its own networks (the first one claimed on first use),
claims the network's VPN address for a VPN instance, and has no fixed-IP
quota: the project owns the whole network. Either says which networks an
``auto`` boot may pick (:meth:`usable_networks`; only the VLAN mode has a
project build one when it has none, see :mod:`novanet.manager.autoalloc`). Network creation follows the
mode's rules (:meth:`create_rules`).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Protocol

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db.models import Network
from novanet.manager import create
from novanet.types import InstanceInfo, RequestedNetwork


@dataclasses.dataclass(frozen=True)
class Claim:
    """Which address to claim: ``address`` (None: the next free one), a reserved row or not."""

    address: str | None
    reserved: bool = False


class NetworkStrategy(Protocol):
    vlan: bool

    def networks_for_instance(self, instance: InstanceInfo,
                              requested: list[RequestedNetwork] | None) -> list[Network]: ...

    def address_to_claim(self, network: Network, address: str | None, vpn: bool) -> Claim: ...

    def fixed_ip_quota(self) -> int | None: ...

    def usable_networks(self, project_id: str) -> list[Network]: ...


class FlatNetworks:
    """Shared networks, the requested or next address, the fixed-IP quota."""

    vlan = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: (networks_version, networks) of :meth:`all_networks`.
        self._cache: tuple[tuple[int, Any], list[Network]] | None = None

    @classmethod
    def create_rules(cls, name: str, required: tuple[str, ...]) -> create.ManagerRules:
        return create.ManagerRules(name=name, required=required)

    def networks_for_instance(self, instance: InstanceInfo,
                              requested: list[RequestedNetwork] | None) -> list[Network]:
        """The requested networks in order, else every non-VLAN network."""
        wanted = [r.network_id for r in requested or () if r.network_id]
        if wanted:
            networks = db.networks_get_by_uuids(wanted, instance.project_id, project_only="allow_none")
        else:
            networks = self.all_networks()
        return [n for n in networks if n.vlan is None]

    def all_networks(self) -> list[Network]:
        """Every live network, re-read only when one changed (checked each time).

        NOTE(performance): every allocation without requested networks asks
        this; one cheap (count, max(updated_at)) query replaces loading every
        network, and every change to a network sets its updated_at.
        """
        version = db.networks_version()
        with self._lock:
            cached = self._cache
            if cached is not None and cached[0] == version:
                return list(cached[1])
        networks = db.network_get_all()
        with self._lock:
            self._cache = (version, networks)
        return list(networks)

    def address_to_claim(self, network: Network, address: str | None, vpn: bool) -> Claim:
        return Claim(address)

    def usable_networks(self, project_id: str) -> list[Network]:
        """What ``auto`` may pick: the shared networks and the project's own (none being built)."""
        return [n for n in db.network_get_all(project_id=project_id, include_unowned=True) if n.vlan is None]

    def fixed_ip_quota(self) -> int | None:
        """Fixed IPs a project may hold; None: no limit."""
        limit = int(CONF.quota_fixed_ips)
        return limit if limit >= 0 else None


class VlanNetworks:
    """A project's own networks, the VPN address, no fixed-IP quota."""

    vlan = True

    @classmethod
    def create_rules(cls, name: str, required: tuple[str, ...]) -> create.ManagerRules:
        return create.ManagerRules(name=name, required=required, vlan=True, bottom_reserved=3, top_reserved=1)

    def networks_for_instance(self, instance: InstanceInfo,
                              requested: list[RequestedNetwork] | None) -> list[Network]:
        """The requested networks of the project, else its networks (one claimed on first use)."""
        if not instance.project_id:
            raise exception.InvalidRequest(reason="the VLAN manager needs the instance's project_id")
        wanted = [r.network_id for r in requested or () if r.network_id]
        if wanted:
            return db.networks_get_by_uuids(wanted, instance.project_id, project_only=True)
        return db.project_get_networks(instance.project_id, associate=True)

    def address_to_claim(self, network: Network, address: str | None, vpn: bool) -> Claim:
        if vpn:
            if not network.vpn_private_address:
                raise exception.InvalidRequest(reason=f"network {network.uuid} has no VPN address")
            return Claim(network.vpn_private_address, reserved=True)
        return Claim(address)

    def usable_networks(self, project_id: str) -> list[Network]:
        """What ``auto`` may pick: the project's own networks (none being built); else one is built."""
        return db.network_get_all(project_id=project_id)

    def fixed_ip_quota(self) -> int | None:
        return None
