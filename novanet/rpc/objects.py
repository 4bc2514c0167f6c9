"""nova's versioned objects on the wire: read them into novanet's records, write minimal ones.

Theory of operation
-------------------
nova-compute sends an ``Instance``, a ``NetworkRequestList`` or a ``Network``
as a versioned-object *primitive*::

    {"nova_object.name": "Instance", "nova_object.namespace": "nova",
     "nova_object.version": "2.1", "nova_object.data": {"uuid": ..., ...},
     "nova_object.changes": [...]}

Only the fields networking needs are read; unset fields are simply absent
from ``nova_object.data``, and every other field is ignored, so any object
version works. Older callers sent the same facts as plain dicts (an instance
dict from ``jsonutils.to_primitive``, a network dict, a list of
``(network_uuid, address)`` pairs); those are accepted too. The records that
come out are :class:`~novanet.types.InstanceInfo` and
:class:`~novanet.types.RequestedNetwork`, so the manager never sees a
wire format.

The encoders write the same primitives (with only the fields novanet has), so
a novanet client talks to a novanet server exactly as nova did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import netaddr

from novanet import exception
from novanet.types import INSTANCE_FIELDS, InstanceInfo, NetworkChoice, RequestedNetwork
from novanet.rpc import wire
from novanet.rpc.wire import BadValue

NAME = "nova_object.name"
DATA = "nova_object.data"
VERSION = "nova_object.version"
NAMESPACE = "nova_object.namespace"
CHANGES = "nova_object.changes"

#: Object versions the encoders write (nova Newton's).
INSTANCE_VERSION = "2.1"
NETWORK_VERSION = "1.2"
NETWORK_REQUEST_VERSION = "1.1"
NETWORK_REQUEST_LIST_VERSION = "1.1"


def is_object(value: Any, *names: str) -> bool:
    """Whether ``value`` is a versioned-object primitive (of one of ``names``)."""
    return isinstance(value, Mapping) and NAME in value and (not names or value[NAME] in names)


def _fields(value: Any, what: str, *names: str) -> Mapping[str, Any]:
    """The data of an object primitive of one of ``names``, or a plain dict."""
    if is_object(value):
        if value[NAME] not in names:
            raise BadValue(f"must be a {what}, not a {value[NAME]} object")
        data = value.get(DATA)
        if not isinstance(data, Mapping):
            raise BadValue(f"is a {value[NAME]} object without data")
        return data
    if isinstance(value, Mapping):
        return value
    raise BadValue(f"must be a {what} (object or dict), not {type(value).__name__}")


def _optional_text(data: Mapping[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadValue(f"has a non-string {field!r}: {value!r}")
    return value


def instance(value: Any) -> InstanceInfo:
    """Read an ``Instance`` primitive (or an instance dict).

    The uuid is required; ``id`` (nova's integer key) is kept when present.
    """
    data = _fields(value, "instance", "Instance")
    uuid = data.get("uuid")
    if not isinstance(uuid, str) or not wire.uuid_like(uuid):
        raise BadValue(f"has no valid uuid ({uuid!r})")
    raw_id = data.get("id")
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, int)):
        raise BadValue(f"has a non-integer id {raw_id!r}")
    texts = {field: _optional_text(data, field) for field in INSTANCE_FIELDS}
    return InstanceInfo(uuid=uuid, id=raw_id, **texts)


def _request_address(value: Any) -> str | None:
    # NOTE(nova): a malformed requested address is FixedIpInvalid in
    # nova-network (validate_networks, reference §2.14), not a generic error;
    # keep the caller-visible class while still refusing before any write.
    if value is None:
        return None
    if not isinstance(value, str):
        raise exception.FixedIpInvalid(address=value)
    try:
        return str(netaddr.IPAddress(value, flags=netaddr.INET_PTON))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise exception.FixedIpInvalid(address=value)


def _request_network_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not wire.uuid_like(value):
        raise BadValue(f"names network {value!r}, which is not a uuid")
    return value


def _one_request(item: Any) -> RequestedNetwork:
    if is_object(item) or isinstance(item, Mapping):
        data = _fields(item, "network request", "NetworkRequest")
        address = data.get("address", data.get("fixed_ip"))
        tag = _optional_text(data, "tag")
        return RequestedNetwork(network_id=_request_network_id(data.get("network_id")),
                                address=_request_address(address), tag=tag)
    if isinstance(item, (list, tuple)) and 1 <= len(item) <= 4:
        # (network_uuid, address[, port_id[, pci_request_id]]) from 1.9-era callers
        address = item[1] if len(item) > 1 else None
        return RequestedNetwork(network_id=_request_network_id(item[0]), address=_request_address(address))
    raise BadValue(f"has an entry that is neither a (network, address) pair nor a request: {item!r}")


def _word(item: Any) -> tuple[NetworkChoice | None, bool]:
    """(``auto``/``none`` if the entry names one, whether it also names an address or port)."""
    if is_object(item) or isinstance(item, Mapping):
        data = _fields(item, "network request", "NetworkRequest")
        network, extra = data.get("network_id"), [data.get("address", data.get("fixed_ip")), data.get("port_id")]
    elif isinstance(item, (list, tuple)) and item:
        network, extra = item[0], list(item[1:3])
    else:
        return None, False
    choice = _WORDS.get(network) if isinstance(network, str) else None
    return choice, any(value is not None for value in extra)


_WORDS = {choice.value: choice for choice in NetworkChoice}


def requested_networks(value: Any) -> list[RequestedNetwork] | NetworkChoice:
    """Read ``requested_networks``: a list (of pairs or requests, or a ``NetworkRequestList``)
    or the word ``auto`` / ``none``.

    The word comes as itself (novanet's client may send a string) or, as nova
    >= 2.37 sends it, as the single ``NetworkRequest`` of a list whose
    ``network_id`` is ``auto`` or ``none``; it cannot be combined with other
    networks, an address or a port.
    """
    if isinstance(value, str):
        choice = _WORDS.get(value)
        if choice is None:
            raise BadValue(f"must be 'auto', 'none' or a list of networks, not {value!r}")
        return choice
    if is_object(value):
        data = _fields(value, "network request list", "NetworkRequestList")
        items = data.get("objects", [])
    else:
        items = value
    if not isinstance(items, (list, tuple)):
        raise BadValue(f"must be a list of (network, address) pairs or a NetworkRequestList, "
                       f"not {type(value).__name__}")
    words = [_word(item) for item in items]
    named = [choice for choice, _ in words if choice is not None]
    if named:
        if len(items) != 1 or words[0][1]:
            raise BadValue(f"asks for '{named[0].value}' together with other networks, an address or a port; "
                           f"'{named[0].value}' must be the only request")
        return named[0]
    return [_one_request(item) for item in items]


def network_id(value: Any) -> int:
    """The integer id of a ``Network`` primitive, a network dict, or a bare id."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    data = _fields(value, "network", "Network")
    return wire.integer(data.get("id"))


# -- encoders (client side) --------------------------------------------------------


def _primitive(name: str, version: str, data: dict[str, Any]) -> dict[str, Any]:
    return {NAME: name, NAMESPACE: "nova", VERSION: version, DATA: data, CHANGES: sorted(data)}


def instance_primitive(info: InstanceInfo) -> dict[str, Any]:
    """An ``Instance`` primitive carrying the fields of ``info`` that are set."""
    data: dict[str, Any] = {"uuid": info.uuid}
    if info.id is not None:
        data["id"] = info.id
    for field in INSTANCE_FIELDS:
        value = getattr(info, field)
        if value is not None:
            data[field] = value
    return _primitive("Instance", INSTANCE_VERSION, data)


def network_request_list_primitive(requests: Sequence[RequestedNetwork]) -> dict[str, Any]:
    """A ``NetworkRequestList`` primitive (1.13 callers)."""
    objects = []
    for request in requests:
        data: dict[str, Any] = {"network_id": request.network_id, "address": request.address}
        if request.tag is not None:
            data["tag"] = request.tag
        objects.append(_primitive("NetworkRequest", NETWORK_REQUEST_VERSION, data))
    return _primitive("NetworkRequestList", NETWORK_REQUEST_LIST_VERSION, {"objects": objects})


def network_choice_primitive(choice: NetworkChoice) -> dict[str, Any]:
    """``auto``/``none`` as nova >= 2.37 sends it: a list of one request naming the word."""
    return network_request_list_primitive([RequestedNetwork(network_id=choice.value)])


def network_request_pairs(requests: Sequence[RequestedNetwork]) -> list[list[str | None]]:
    """``[[network_uuid, address], ...]`` (callers before 1.13)."""
    return [[request.network_id, request.address] for request in requests]


def network_primitive(network_id: int) -> dict[str, Any]:
    """A ``Network`` primitive naming only the id (set_network_host 1.15)."""
    return _primitive("Network", NETWORK_VERSION, {"id": network_id})
