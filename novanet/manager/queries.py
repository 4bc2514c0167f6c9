"""nova-network's read-only calls, network association calls and DNS calls.

Still served for older callers (reference §1.4): they answer from the store
and change nothing on the host.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.manager.plumbing import HostPlumbing
from novanet.types import RequestedNetwork
from novanet.context import RequestContext

LOG = logging.getLogger(__name__)


def row_dict(row: Any) -> dict[str, Any]:
    """A store row as a plain dict of its columns (the wire form)."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


class LegacyQueries(HostPlumbing):
    def get_network(self, context: RequestContext, network_uuid: str) -> dict[str, Any]:
        return row_dict(db.network_get_by_uuid(self.check_uuid(network_uuid, "network_uuid")))

    def get_all_networks(self, context: RequestContext) -> list[dict[str, Any]]:
        return [row_dict(n) for n in db.network_get_all()]

    def disassociate_network(self, context: RequestContext, network_uuid: str) -> None:
        network = db.network_get_by_uuid(self.check_uuid(network_uuid, "network_uuid"))
        db.network_disassociate(network.id)

    def get_fixed_ip(self, context: RequestContext, id: int) -> dict[str, Any]:
        return row_dict(db.fixed_ip_get(int(id)))

    def get_fixed_ip_by_address(self, context: RequestContext, address: str) -> dict[str, Any]:
        return row_dict(db.fixed_ip_get_by_address(self.check_address(address)))

    def get_vifs_by_instance(self, context: RequestContext, instance_uuid: str) -> list[dict[str, Any]]:
        uuid = self.check_uuid(instance_uuid, "instance_id")
        return [row_dict(v) for v in db.virtual_interface_get_by_instance(uuid)]

    def get_vif_by_mac_address(self, context: RequestContext, mac_address: str) -> dict[str, Any] | None:
        vif = db.virtual_interface_get_by_address(str(mac_address).lower())
        return row_dict(vif) if vif is not None else None

    def get_instance_uuids_by_ip_filter(self, context: RequestContext, filters: dict[str, Any]) -> list[dict[str, Any]]:
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
                results.append({"instance_uuid": instance_uuid, "ip": address})
        if ip6_re:
            for network in db.network_get_all():
                if not network.cidr_v6:
                    continue
                for entry in db.network_host_entries(network.id, allocated_only=True):
                    from novanet.manager.specs import ipv6_address

                    v6 = ipv6_address(network.cidr_v6, entry.vif_address, network.project_id, CONF.ipv6_backend)
                    if ip6_re.match(v6):
                        results.append({"instance_uuid": entry.instance_uuid, "ip": v6})
        return results

    def validate_networks(self, context: RequestContext, networks: list[RequestedNetwork] | None) -> None:
        """Boot-time check of requested (network, address) pairs (reference §2.14)."""
        for requested in networks or ():
            if requested.address is None:
                continue
            address = self.check_address(requested.address)
            row = db.fixed_ip_get_by_address(address)
            network = db.network_get(row.network_id)
            if requested.network_id and network.uuid != requested.network_id:
                raise exception.FixedIpNotFoundForNetwork(address=address, network_uuid=requested.network_id)
            if row.instance_uuid is not None or row.host is not None or row.reserved or row.leased:
                raise exception.FixedIpAlreadyInUse(address=address, instance_uuid=row.instance_uuid or row.host)

    # -- DNS ------------------------------------------------------------------------

    def get_dns_domains(self, context: RequestContext) -> list[dict[str, Any]]:
        known = set(self.instance_dns.get_domains()) | set(self.floating_dns.get_domains())
        domains = []
        for row in db.dns_domain_get_all():
            if row.domain not in known:
                LOG.warning("DNS domain %s is registered but no DNS driver knows it", row.domain)
                continue
            if row.scope == "private":
                domains.append({"domain": row.domain, "scope": "private",
                                "availability_zone": row.availability_zone})
            else:
                domains.append({"domain": row.domain, "scope": "public", "project": row.project_id})
        return domains

    def add_dns_entry(self, context: RequestContext, address: str, name: str, dns_type: str, domain: str) -> None:
        self.floating_dns.create_entry(str(name), self.check_address(address), str(dns_type), str(domain))

    def modify_dns_entry(self, context: RequestContext, address: str, name: str, domain: str) -> None:
        self.floating_dns.modify_address(str(name), self.check_address(address), str(domain))

    def delete_dns_entry(self, context: RequestContext, name: str, domain: str) -> None:
        self.floating_dns.delete_entry(str(name), str(domain))

    def delete_dns_domain(self, context: RequestContext, domain: str) -> None:
        db.dns_domain_unregister(str(domain))
        self.floating_dns.delete_domain(str(domain))

    def get_dns_entries_by_address(self, context: RequestContext, address: str, domain: str) -> list[str]:
        return self.floating_dns.get_entries_by_address(self.check_address(address), str(domain))

    def get_dns_entries_by_name(self, context: RequestContext, name: str, domain: str) -> list[str]:
        return self.floating_dns.get_entries_by_name(str(name), str(domain))

    def create_private_dns_domain(self, context: RequestContext, domain: str, av_zone: str) -> None:
        db.dns_domain_register(str(domain), "private", availability_zone=av_zone)
        self.instance_dns.create_domain(str(domain))

    def create_public_dns_domain(self, context: RequestContext, domain: str, project: str | None) -> None:
        db.dns_domain_register(str(domain), "public", project_id=project)
        self.floating_dns.create_domain(str(domain))

    def instance_dns_allowed(self, availability_zone: str | None) -> bool:
        """nova-network's zone check for automatic instance records."""
        domain = CONF.instance_dns_domain
        if not domain:
            return False
        row = db.dns_domain_get(domain)
        if row is None or row.scope != "private" or not row.availability_zone:
            return True
        return row.availability_zone == availability_zone
