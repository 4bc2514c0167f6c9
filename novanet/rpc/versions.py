"""The network RPC API's versions and its methods, as data.

Theory of operation
-------------------
novanet serves nova-network's network RPC API 1.x unchanged, so a nova-compute
of any release that still had nova-network (Grizzly to Stein) can call it. One
table, :data:`METHODS`, records for every wire method the version that
introduced it (or its current argument shape), whether callers *call* or
*cast* it, and whether it goes to any network host (``topic``), to a named one
(``server``) or to all (``fanout``). The server endpoint, the client
(:class:`novanet.rpc.client.NetworkAPI`) and the policy defaults are all
checked against this table by the unit tests, so a method cannot be served
without a client, a policy rule and a version.

1.18 is novanet's own addition ("get me a network"): ``requested_networks``
may say ``auto`` or ``none``, and ``get_auto_allocated_network`` /
``delete_auto_allocated_network`` exist. Versions are compatible within a
major version: a server at 1.18 answers any 1.x message; a client capped
below a method's version either sends an older argument shape or, where none
exists, raises :class:`~novanet.exception.RPCPinnedToOldVersion`
(``release_dhcp``, and ``auto``/``none`` below 1.18, which an older server
would read as "no networks requested").
"""

from __future__ import annotations

import dataclasses
import enum

from novanet import exception

#: The version the server endpoint implements.
API_VERSION = "1.18"
#: The oslo.messaging namespace and version of the base endpoint (ping).
BASE_NAMESPACE = "baseapi"
BASE_VERSION = "1.1"
#: The namespace and version of the baremetal endpoint (conductors and
#: ``novanet-manage baremetal``; see novanet.rpc.endpoints.baremetal). A
#: namespace of its own: the network API stays nova-network's 1.17.
BAREMETAL_NAMESPACE = "baremetal"
BAREMETAL_VERSION = "1.0"

#: ``[upgrade_levels] network`` release aliases (nova's names).
RELEASE_CAPS: dict[str, str] = {
    "grizzly": "1.9",
    "havana": "1.10",
    "icehouse": "1.12",
    "juno": "1.13",
    "kilo": "1.13",
    "liberty": "1.15",
    "mitaka": "1.16",
    "newton": "1.17",
    "ocata": "1.17",
}


class Delivery(enum.Enum):
    CALL = "call"
    CAST = "cast"
    FANOUT = "fanout"


class Routing(enum.Enum):
    #: Any network host (the shared queue ``<topic>``).
    TOPIC = "topic"
    #: A named host (``<topic>.<host>``).
    SERVER = "server"
    #: Every host (``<topic>_fanout``).
    ALL = "all"
    #: The named host when the caller knows one, else any host.
    SERVER_OR_TOPIC = "server-or-topic"


@dataclasses.dataclass(frozen=True)
class MethodInfo:
    """One wire method.

    :ivar version: the version a current client pins (its newest argument
        shape); older shapes are still accepted by the server.
    :ivar calls: what the endpoint calls: a manager method, or
        ``<collaborator>.<method>`` for the manager's parts that need no
        decision (``queries``, ``nw_info``, ``dns``, ``networks``,
        ``plumbing``); default: the manager method of the wire name.
    :ivar rule: the policy rule's name (``network:<rule>``), default the
        called method's name.
    :ivar legacy: served for old callers, not sent by a Newton client.
    """

    name: str
    version: str
    delivery: Delivery = Delivery.CALL
    routing: Routing = Routing.TOPIC
    calls: str = ""
    rule: str = ""
    legacy: bool = False

    @property
    def manager_method(self) -> str:
        """The path of what the endpoint calls, from the manager (``allocate_for_instance``, ``queries.get_network``)."""
        return self.calls or self.name

    @property
    def policy_rule(self) -> str:
        return self.rule or self.manager_method.rsplit(".", 1)[-1]


def _m(name: str, version: str = "1.0", delivery: Delivery = Delivery.CALL,
       routing: Routing = Routing.TOPIC, manager: str = "", legacy: bool = False, on: str = "",
       rule: str = "") -> MethodInfo:
    method = manager or name
    return MethodInfo(name, version, delivery, routing, f"{on}.{method}" if on else method, rule, legacy)


_CALL, _CAST, _FANOUT = Delivery.CALL, Delivery.CAST, Delivery.FANOUT
_TOPIC, _SERVER, _ALL, _EITHER = Routing.TOPIC, Routing.SERVER, Routing.ALL, Routing.SERVER_OR_TOPIC

_TABLE = (
    # -- compute and API facing (reference §1.3) --------------------------------
    _m("allocate_for_instance", "1.13", routing=_EITHER),
    _m("deallocate_for_instance", "1.11", routing=_EITHER),
    _m("get_instance_nw_info", "1.9", on="nw_info"),
    _m("add_fixed_ip_to_instance", "1.9"),
    _m("remove_fixed_ip_from_instance", "1.9"),
    _m("validate_networks"),
    _m("create_networks", on="networks", rule="create_networks_rpc"),
    _m("delete_network", on="networks", rule="delete_network_rpc"),
    _m("add_network_to_project", on="networks"),
    _m("setup_networks_on_host", "1.16"),
    _m("migrate_instance_start", "1.2", routing=_EITHER),
    _m("migrate_instance_finish", "1.2", routing=_EITHER),
    # -- get me a network (novanet 1.18) ------------------------------------------
    _m("get_auto_allocated_network", "1.18"),
    _m("delete_auto_allocated_network", "1.18", routing=_EITHER),
    # -- DNS ----------------------------------------------------------------------
    _m("get_dns_domains", on="dns"),
    _m("add_dns_entry", on="dns"),
    _m("modify_dns_entry", on="dns"),
    _m("delete_dns_entry", on="dns"),
    _m("delete_dns_domain", on="dns"),
    _m("get_dns_entries_by_address", on="dns"),
    _m("get_dns_entries_by_name", on="dns"),
    _m("create_private_dns_domain", on="dns"),
    _m("create_public_dns_domain", on="dns"),
    # -- host to host ---------------------------------------------------------------
    _m("set_network_host", "1.15", on="networks"),
    _m("rpc_setup_network_on_host", routing=_SERVER, on="plumbing", manager="setup_network_on_host",
       rule="rpc_setup_network_on_host"),
    _m("_rpc_allocate_fixed_ip", routing=_SERVER, manager="rpc_allocate_fixed_ip"),
    _m("deallocate_fixed_ip", "1.12", routing=_SERVER),
    _m("update_dns", "1.3", _FANOUT, _ALL, on="plumbing"),
    _m("_associate_floating_ip", "1.6", routing=_SERVER, manager="associate_floating_ip_local"),
    _m("_disassociate_floating_ip", "1.6", routing=_SERVER, manager="disassociate_floating_ip_local"),
    _m("release_dhcp", "1.17", routing=_SERVER),
    # -- DHCP lease callbacks (novanet-dhcpbridge) ---------------------------------
    _m("lease_fixed_ip", delivery=_CAST, routing=_SERVER),
    _m("release_fixed_ip", "1.14", _CAST, _SERVER),
    # -- legacy: served for old callers (reference §1.4) ---------------------------
    _m("get_all_networks", legacy=True, on="queries"),
    _m("get_network", legacy=True, on="queries"),
    _m("disassociate_network", legacy=True, on="networks"),
    _m("associate", "1.5", legacy=True, on="networks"),
    _m("get_fixed_ip", legacy=True, on="queries"),
    _m("get_fixed_ip_by_address", legacy=True, on="queries"),
    _m("get_vifs_by_instance", legacy=True, on="queries"),
    _m("get_vif_by_mac_address", legacy=True, on="queries"),
    _m("get_instance_uuids_by_ip_filter", legacy=True, on="queries"),
    _m("get_instance_id_by_floating_address", legacy=True, on="queries"),
    _m("get_floating_ip", legacy=True, on="queries"),
    _m("get_floating_pools", legacy=True, on="queries"),
    _m("get_floating_ip_pools", "1.7", legacy=True, on="queries"),
    _m("get_floating_ip_by_address", legacy=True, on="queries"),
    _m("get_floating_ips_by_project", legacy=True, on="queries"),
    _m("get_floating_ips_by_fixed_address", legacy=True, on="queries"),
    _m("allocate_floating_ip", legacy=True),
    _m("deallocate_floating_ip", legacy=True),
    _m("associate_floating_ip", legacy=True),
    _m("disassociate_floating_ip", legacy=True),
    _m("get_backdoor_port", "1.4", legacy=True),
)

METHODS: dict[str, MethodInfo] = {m.name: m for m in _TABLE}

#: Wire names with a leading underscore that the server must dispatch
#: (oslo.messaging's default access policy refuses every private name).
PRIVATE_METHODS: frozenset[str] = frozenset(name for name in METHODS if name.startswith("_"))


def parse_version(version: str) -> tuple[int, int]:
    """``"1.13"`` -> ``(1, 13)``.

    :raises InvalidConfig: not MAJOR.MINOR.
    """
    try:
        major, minor = version.split(".")
        return int(major), int(minor)
    except ValueError:
        raise exception.InvalidConfig(reason=f"RPC version {version!r} is not MAJOR.MINOR")


def resolve_cap(value: str | None) -> str | None:
    """The version cap for ``[upgrade_levels] network``: a version or a release name.

    :raises InvalidConfig: an unknown release name, a malformed version, or a
        version this client cannot speak (not 1.x, or newer than ours).
    """
    if not value:
        return None
    cap = RELEASE_CAPS.get(value.strip().lower(), value.strip())
    major, minor = parse_version(cap)
    newest = parse_version(API_VERSION)
    if major != newest[0] or minor > newest[1]:
        raise exception.InvalidConfig(
            reason=f"[upgrade_levels] network = {value!r}: novanet speaks 1.0 to {API_VERSION}")
    return cap
