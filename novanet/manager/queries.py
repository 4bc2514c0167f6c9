"""nova-network's read-only calls, answered from the store.

Still served for older callers (reference §1.4), and for dnsmasq's start-up
(:meth:`Queries.get_dhcp_leases`). Nothing here decides or changes anything,
on the host or in the store, so the RPC endpoint calls it directly
(endpoint → :class:`Queries` → store) and ``novanet-dhcpbridge`` uses it
without a manager. The answers are the store's typed rows and records; the
RPC layer turns them into wire dicts (:mod:`novanet.rpc.serializer`).
"""

from __future__ import annotations

import dataclasses
import re
import time
from typing import Any

from novanet import exception
from novanet.conf import CONF
from novanet.context import RequestContext
from novanet.db import api as db
from novanet.db.models import FixedIp, FloatingIp, Network, VirtualInterface
from novanet.drivers.base import DhcpLease
from novanet.manager import specs
from novanet.manager.checks import check_address, check_uuid
from novanet.types import RequestedNetwork


@dataclasses.dataclass(frozen=True)
class IpMatch:
    """An instance found by one of its addresses."""

    instance_uuid: str
    ip: str


class Queries:
    """Read-only lookups of networks, fixed and floating IPs, VIFs and leases."""

    # -- networks, fixed IPs, VIFs -----------------------------------------------

    def get_network(self, context: RequestContext, network_uuid: str) -> Network:
        return db.network_get_by_uuid(check_uuid(network_uuid, "network_uuid"))

    def get_all_networks(self, context: RequestContext) -> list[Network]:
        return db.network_get_all()

    def get_fixed_ip(self, context: RequestContext, id: int) -> FixedIp:
        return db.fixed_ip_get(int(id))

    def get_fixed_ip_by_address(self, context: RequestContext, address: str) -> FixedIp:
        return db.fixed_ip_get_by_address(check_address(address))

    def get_vifs_by_instance(self, context: RequestContext, instance_uuid: str) -> list[VirtualInterface]:
        return db.virtual_interface_get_by_instance(check_uuid(instance_uuid, "instance_id"))

    def get_vif_by_mac_address(self, context: RequestContext, mac_address: str) -> VirtualInterface | None:
        return db.virtual_interface_get_by_address(str(mac_address).lower())

    def get_instance_uuids_by_ip_filter(self, context: RequestContext, filters: dict[str, Any]) -> list[IpMatch]:
        """Instances whose address matches ``ip`` / ``ip6`` (regexes) or ``fixed_ip`` (exact).

        NOTE(scale): like nova-network, this looks at every associated
        address (IPv6 ones are derived per VIF); it serves admin searches.
        """
        try:
            ip_re = re.compile(str(filters["ip"])) if filters.get("ip") else None
            ip6_re = re.compile(str(filters["ip6"])) if filters.get("ip6") else None
        except re.error as error:
            raise exception.InvalidRequest(reason=f"bad address filter: {error}")
        exact = filters.get("fixed_ip")
        results = []
        for address, instance_uuid in db.fixed_ip_associated_all():
            if (exact and address == exact) or (ip_re and ip_re.match(address)):
                results.append(IpMatch(instance_uuid, address))
        if ip6_re:
            for network in db.network_get_all():
                if not network.cidr_v6:
                    continue
                for entry in db.network_host_entries(network.id, allocated_only=True):
                    v6 = specs.ipv6_address(network.cidr_v6, entry.vif_address, network.project_id,
                                            CONF.ipv6_backend)
                    if ip6_re.match(v6):
                        results.append(IpMatch(entry.instance_uuid, v6))
        return results

    def validate_networks(self, context: RequestContext, networks: list[RequestedNetwork] | None) -> None:
        """Boot-time check of requested (network, address) pairs (reference §2.14).

        :raises FixedIpInvalid, FixedIpNotFoundForAddress, FixedIpNotFoundForNetwork, FixedIpAlreadyInUse.
        """
        for requested in networks or ():
            if requested.address is None:
                continue
            address = check_address(requested.address)
            row = db.fixed_ip_get_by_address(address)
            network = db.network_get(row.network_id)
            if requested.network_id and network.uuid != requested.network_id:
                raise exception.FixedIpNotFoundForNetwork(address=address, network_uuid=requested.network_id)
            if row.instance_uuid is not None or row.host is not None or row.reserved or row.leased:
                raise exception.FixedIpAlreadyInUse(address=address, instance_uuid=row.instance_uuid or row.host)

    # -- floating IPs ------------------------------------------------------------------

    def get_floating_ip(self, context: RequestContext, id: int) -> FloatingIp | None:
        return db.floating_ip_get(int(id))

    def get_floating_ip_pools(self, context: RequestContext) -> list[str]:
        return db.floating_ip_get_pools()

    def get_floating_pools(self, context: RequestContext) -> list[str]:
        return self.get_floating_ip_pools(context)

    def get_floating_ip_by_address(self, context: RequestContext, address: str) -> FloatingIp | None:
        return db.floating_ip_get_by_address(check_address(address))

    def get_floating_ips_by_project(self, context: RequestContext) -> list[FloatingIp]:
        if not context.project_id:
            raise exception.InvalidRequest(reason="the request has no project")
        return db.floating_ip_get_all(project_id=context.project_id, include_auto=False)

    def get_floating_ips_by_fixed_address(self, context: RequestContext, fixed_address: str) -> list[str]:
        return [f.address for f in db.floating_ip_get_by_fixed_address(check_address(fixed_address))]

    def get_instance_id_by_floating_address(self, context: RequestContext, address: str) -> str | None:
        row = db.floating_ip_get_by_address(check_address(address))
        if row.fixed_ip_id is None:
            return None
        return db.fixed_ip_get(row.fixed_ip_id).instance_uuid

    # -- DHCP ------------------------------------------------------------------------------

    def get_dhcp_leases(self, network_id: int) -> list[DhcpLease]:
        """Leases the store knows, for dnsmasq's start-up (``--dhcp-script init``)."""
        expiry = int(time.time()) + CONF.dhcp_lease_time
        return [DhcpLease(expiry=expiry, mac=mac, address=address,
                          hostname=specs.hostname_for(hostname, address) if hostname else None)
                for address, mac, hostname in db.network_leases(network_id)]


class NoFloatingQueries(Queries):
    """A manager without floating IPs (FlatManager): the floating lookups find nothing, as nova's did."""

    def get_floating_ip(self, context: RequestContext, id: int) -> FloatingIp | None:
        return None

    def get_floating_ip_pools(self, context: RequestContext) -> list[str]:
        return []

    def get_floating_ip_by_address(self, context: RequestContext, address: str) -> FloatingIp | None:
        return None

    def get_floating_ips_by_project(self, context: RequestContext) -> list[FloatingIp]:
        return []

    def get_floating_ips_by_fixed_address(self, context: RequestContext, fixed_address: str) -> list[str]:
        return []

    def get_instance_id_by_floating_address(self, context: RequestContext, address: str) -> str | None:
        return None
