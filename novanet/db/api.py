"""The fact store: one function per fact operation.

Import this module (``from novanet.db import api as db``) rather than the
modules behind it; it is the only place outside ``novanet/db`` that callers
need, and the only code in novanet that writes SQL lives behind it.
"""

from __future__ import annotations

from novanet.db.fixed_ips import (  # noqa: F401
    FactFixed,
    FactVif,
    FixedIpListing,
    InstanceFact,
    fixed_ip_associate,
    fixed_ip_associate_pool,
    fixed_ip_associated_all,
    fixed_ip_count,
    fixed_ip_count_by_project,
    fixed_ip_deallocate,
    fixed_ip_disassociate,
    fixed_ip_get,
    fixed_ip_get_by_address,
    fixed_ip_get_by_instance,
    fixed_ip_get_by_network_host,
    fixed_ip_list,
    fixed_ip_release_host_address,
    fixed_ip_set_reserved,
    instance_facts,
)
from novanet.db.leases import (  # noqa: F401
    HostEntry,
    LeaseOutcome,
    fixed_ip_disassociate_all_by_timeout,
    fixed_ip_lease,
    fixed_ip_release,
    network_host_entries,
    network_leases,
)
from novanet.db.floating_ips import (  # noqa: F401
    floating_ip_allocate_address,
    floating_ip_bulk_create,
    floating_ip_bulk_destroy,
    floating_ip_deallocate,
    floating_ip_disassociate,
    floating_ip_fixed_ip_associate,
    floating_ip_forwards_for_host,
    floating_ip_get,
    floating_ip_get_all,
    floating_ip_get_by_address,
    floating_ip_get_by_fixed_address,
    floating_ip_get_by_fixed_ip_id,
    floating_ip_get_pools,
    floating_ip_set_host,
    floating_range_addresses,
    quota_usage,
)
from novanet.db.instances import (  # noqa: F401
    instance_delete,
    instance_ensure,
    instance_get_by_id,
    instance_get_by_uuid,
    virtual_interface_create,
    virtual_interface_delete,
    virtual_interface_delete_by_instance,
    virtual_interface_delete_unused,
    virtual_interface_get,
    virtual_interface_get_by_address,
    virtual_interface_get_by_instance,
    virtual_interface_get_by_instance_and_network,
    virtual_interface_get_by_uuid,
)
from novanet.db.networks import (  # noqa: F401
    NetworkPlan,
    live_cidrs,
    network_associate,
    network_count,
    network_count_reserved_ips,
    network_delete_safe,
    network_disassociate,
    network_get,
    network_get_all,
    network_get_all_by_host,
    network_get_by_cidr,
    network_get_by_uuid,
    network_in_use_on_host,
    network_set_host,
    network_update,
    networks_by_ids,
    networks_create,
    networks_get_by_uuids,
    networks_version,
    project_get_networks,
    used_vlans,
)
from novanet.db.services import service_get, service_get_all, service_heartbeat, service_is_up  # noqa: F401
from novanet.db.dns import (  # noqa: F401
    dns_domain_get,
    dns_domain_get_all,
    dns_domain_register,
    dns_domain_unregister,
    dns_domains_with_entries,
    dns_entries_by_address,
    dns_entries_by_name,
    dns_entry_create,
    dns_entry_delete,
    dns_entry_modify,
)
from novanet.db.allocation import Allocation, allocate_for_instance  # noqa: F401
from novanet.db.auto_allocation import egress_by_ids  # noqa: F401
from novanet.db.baremetal import baremetal_nodes_exist, management_network_names  # noqa: F401,E402
