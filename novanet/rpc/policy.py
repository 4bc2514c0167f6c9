"""Who may call what: oslo.policy rules with their defaults in code.

Theory of operation
-------------------
Every served RPC method has a rule named ``network:<rule>``, the name of the
manager method it reaches unless :data:`novanet.rpc.versions.METHODS` names
another (so the three private wire names read naturally:
``network:rpc_allocate_fixed_ip`` for ``_rpc_allocate_fixed_ip``, and the
names operators already use stay: ``network:create_networks_rpc``). Its
default is one of:

* ``rule:admin_api`` -- operator actions (create/delete/associate networks,
  DNS domains) and the service-to-service methods (host-to-host calls,
  DHCP lease callbacks, fanout DNS updates). novanet's own
  :class:`~novanet.rpc.client.NetworkAPI` elevates the context for the
  host-to-host calls, because a network host acting for a user's request is
  the service acting, not the user;
* ``rule:admin_or_owner`` -- instance and floating-IP actions that name a
  project (``project_id`` of the arguments or of the instance): a user may act
  for their own project only;
* ``""`` (anyone with a request context) -- reads and actions whose ownership
  the manager checks itself (floating IP ownership, for instance).

The endpoint checks the rule before it calls the manager. Operators override
rules in ``policy.yaml`` (``[oslo_policy] policy_file``); the commented sample
``etc/novanet/policy.yaml.sample`` is generated from :func:`list_rules` by
``oslopolicy-sample-generator --namespace novanet`` and a unit test keeps it
in sync.

NOTE(oslo.messaging): the request context travels inside the message and the
server trusts it, as nova did: whoever can publish to the control exchange can
claim any roles. Broker credentials are the security boundary; policy guards
against mistakes and lets operators narrow what each role may ask.
"""

from __future__ import annotations

import threading
from typing import Any

from oslo_config import cfg
from oslo_policy import opts as policy_opts
from oslo_policy import policy

from novanet import exception
from novanet.conf import CONF
from novanet.context import RequestContext
from novanet.rpc.versions import METHODS

ADMIN = "rule:admin_api"
OWNER = "rule:admin_or_owner"
ANYONE = ""

BASE_RULES = [
    policy.RuleDefault("context_is_admin", "role:admin or is_admin:True",
                       description="Decides what an administrator is."),
    policy.RuleDefault("admin_api", "rule:context_is_admin",
                       description="Operator and service-to-service actions."),
    policy.RuleDefault("admin_or_owner", "rule:context_is_admin or project_id:%(project_id)s",
                       description="An administrator, or a user of the project the request names."),
]

#: Default per rule; the description is the first line.
_DEFAULTS: dict[str, tuple[str, str]] = {
    "allocate_for_instance": (OWNER, "Allocate the networks, MACs and fixed IPs of an instance."),
    "deallocate_for_instance": (OWNER, "Release everything an instance holds."),
    "get_instance_nw_info": (OWNER, "Read an instance's network_info."),
    "add_fixed_ip_to_instance": (ANYONE, "Add a fixed IP on another network to an instance."),
    "remove_fixed_ip_from_instance": (ANYONE, "Remove one fixed IP from an instance."),
    "validate_networks": (ANYONE, "Check requested networks and addresses before a boot."),
    "setup_networks_on_host": (OWNER, "Set up or tear down an instance's networks on a host."),
    "migrate_instance_start": (OWNER, "Move an instance's floating IPs off its source host."),
    "migrate_instance_finish": (OWNER, "Plumb an instance's floating IPs on its destination host."),
    "get_auto_allocated_network": (OWNER, "Get (building it if need be) or dry-run a project's network for "
                                          "'auto'."),
    "delete_auto_allocated_network": (OWNER, "Delete a project's auto-allocated network."),
    "create_networks_rpc": (ADMIN, "Create networks."),
    "delete_network_rpc": (ADMIN, "Delete a network."),
    "add_network_to_project": (ADMIN, "Give a network to a project."),
    "associate": (ADMIN, "Associate or disassociate a network's host and project."),
    "disassociate_network": (ADMIN, "Disassociate a network from its project and host."),
    "get_network": (ADMIN, "Read one network."),
    "get_all_networks": (ADMIN, "Read every network."),
    "get_fixed_ip": (ADMIN, "Read a fixed IP by id."),
    "get_fixed_ip_by_address": (ADMIN, "Read a fixed IP by address."),
    "get_vifs_by_instance": (ADMIN, "Read an instance's virtual interfaces."),
    "get_vif_by_mac_address": (ADMIN, "Read a virtual interface by MAC."),
    "get_instance_uuids_by_ip_filter": (ADMIN, "Find instances by address patterns."),
    "set_network_host": (ADMIN, "Claim a network for the serving host (host to host)."),
    "rpc_setup_network_on_host": (ADMIN, "Set up a network on the serving host (host to host)."),
    "rpc_allocate_fixed_ip": (ADMIN, "Allocate a fixed IP on the network's host (host to host)."),
    "deallocate_fixed_ip": (ADMIN, "Deallocate a fixed IP on the network's host (host to host)."),
    "lease_fixed_ip": (ADMIN, "Record a DHCP lease (novanet-dhcpbridge)."),
    "release_fixed_ip": (ADMIN, "Record a DHCP release (novanet-dhcpbridge)."),
    "release_dhcp": (ADMIN, "End a DHCP lease on the serving host (host to host)."),
    "update_dns": (ADMIN, "Refresh DNS host entries of networks (fanout, host to host)."),
    "associate_floating_ip_local": (ADMIN, "Plumb a floating IP on the serving host (host to host)."),
    "disassociate_floating_ip_local": (ADMIN, "Unplumb a floating IP on the serving host (host to host)."),
    "get_dns_domains": (ANYONE, "List DNS domains."),
    "add_dns_entry": (ANYONE, "Add a DNS entry."),
    "modify_dns_entry": (ANYONE, "Change a DNS entry's address."),
    "delete_dns_entry": (ANYONE, "Delete a DNS entry."),
    "delete_dns_domain": (ADMIN, "Delete a DNS domain."),
    "get_dns_entries_by_address": (ANYONE, "Find DNS names by address."),
    "get_dns_entries_by_name": (ANYONE, "Find DNS addresses by name."),
    "create_private_dns_domain": (ADMIN, "Create a private DNS domain for an availability zone."),
    "create_public_dns_domain": (ADMIN, "Create a public DNS domain for a project."),
    "allocate_floating_ip": (OWNER, "Allocate a floating IP to a project."),
    "deallocate_floating_ip": (ANYONE, "Return a floating IP to its pool (the owner only)."),
    "associate_floating_ip": (ANYONE, "Point a floating IP at a fixed IP (the owner only)."),
    "disassociate_floating_ip": (ANYONE, "Unpoint a floating IP (the owner only)."),
    "get_floating_ip": (ANYONE, "Read a floating IP by id."),
    "get_floating_ip_pools": (ANYONE, "List floating IP pools."),
    "get_floating_pools": (ANYONE, "List floating IP pools (legacy name)."),
    "get_floating_ip_by_address": (ANYONE, "Read a floating IP by address."),
    "get_floating_ips_by_project": (ANYONE, "List the caller's project's floating IPs."),
    "get_floating_ips_by_fixed_address": (ANYONE, "List the floating IPs of a fixed address."),
    "get_instance_id_by_floating_address": (ANYONE, "Find the instance behind a floating IP."),
    "get_backdoor_port": (ANYONE, "Report the debugging backdoor port (always none)."),
}


#: The baremetal namespace's rules (``baremetal:<rule>``): what a conductor
#: and the operator do to nodes; all admin by default.
BAREMETAL_DEFAULTS: dict[str, str] = {
    "switch": "Move a baremetal node between its provisioning, cleaning, rescuing and tenant networks.",
    "validate": "Dry-run a baremetal node's network switch.",
    "vif_attach": "Give a baremetal node a tenant VIF (a fixed IP on a tenant network).",
    "vif_detach": "Take a baremetal node's tenant VIF away.",
    "node_show": "Read a baremetal node's network state.",
    "node_create": "Record a baremetal node.",
    "node_set": "Change a baremetal node (the power state its conductor reports, its provider).",
    "node_delete": "Delete a baremetal node.",
    "port_create": "Record a baremetal node's port.",
    "port_delete": "Delete a baremetal node's port.",
    "portgroup_create": "Record a baremetal node's port group.",
    "portgroup_delete": "Delete a baremetal node's port group.",
}


def rule_name(rule: str, family: str = "network") -> str:
    return f"{family}:{rule}"


def _wire_names(rule: str) -> list[str]:
    return sorted(m.name for m in METHODS.values() if m.policy_rule == rule)


def list_rules() -> list[policy.RuleDefault]:
    """Every rule with its default (entry point ``oslo.policy.policies: novanet``)."""
    rules: list[policy.RuleDefault] = list(BASE_RULES)
    for method, (check, description) in sorted(_DEFAULTS.items()):
        operations: list[policy.Operation] = [{"method": "RPC", "path": f"network.{name}"}
                                              for name in _wire_names(method)]
        rules.append(policy.DocumentedRuleDefault(rule_name(method), check, description, operations))
    for rule, description in sorted(BAREMETAL_DEFAULTS.items()):
        rules.append(policy.DocumentedRuleDefault(
            rule_name(rule, "baremetal"), ADMIN, description,
            [{"method": "RPC", "path": f"baremetal.baremetal_{rule}"}]))
    return rules


# [oslo_policy] options (policy_file, ...) exist from import on, so that a
# configuration file or an override can name the policy file before the
# first check creates the enforcer.
policy_opts.set_defaults(CONF)

_lock = threading.Lock()
_enforcer: policy.Enforcer | None = None


def init(conf: cfg.ConfigOpts | None = None) -> policy.Enforcer:
    """The process's enforcer, created on first use with the rules registered."""
    global _enforcer
    with _lock:
        if _enforcer is None:
            enforcer = policy.Enforcer(conf or CONF)
            enforcer.register_defaults(list_rules())
            _enforcer = enforcer
        return _enforcer


def reset() -> None:
    """Forget the enforcer (tests, and after a configuration change)."""
    global _enforcer
    with _lock:
        if _enforcer is not None:
            _enforcer.clear()
        _enforcer = None


def get_enforcer() -> policy.Enforcer:
    """Entry point ``oslo.policy.enforcer: novanet`` (for the oslopolicy tools)."""
    conf = cfg.ConfigOpts()
    conf([], project="novanet")
    enforcer = policy.Enforcer(conf)
    enforcer.register_defaults(list_rules())
    return enforcer


def credentials(context: RequestContext) -> dict[str, Any]:
    """What rules can test about the caller."""
    return {
        "user_id": context.user_id,
        "project_id": context.project_id,
        "roles": list(context.roles or ()),
        "is_admin": bool(context.is_admin),
        "system_scope": context.system_scope,
    }


def authorize(context: RequestContext, rule: str, project_id: str | None = None, family: str = "network") -> None:
    """Check ``<family>:<rule>`` for ``context``.

    :param project_id: the project the request acts for; absent means the
        caller's own project.
    :raises PolicyNotAuthorized: the rule refuses.
    """
    target = {"project_id": project_id if project_id is not None else context.project_id}
    action = rule_name(rule, family)
    enforcer = init()
    if not enforcer.authorize(action, target, credentials(context)):
        raise exception.PolicyNotAuthorized(action=action)
