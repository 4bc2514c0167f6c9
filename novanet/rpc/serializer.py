"""The wire shape of answers, and the oslo.messaging serializer.

The manager answers with typed records (store rows, :class:`~novanet.model.NetworkInfo`,
small dataclasses); this module owns what nova-network's callers read: a
store row is a dict of its columns (:func:`record`), a DNS domain the dict
nova's API built, a pool ``{"name": ...}``.

Contexts travel as ``RequestContext.to_dict()`` and come back as
:class:`~novanet.context.RequestContext` (nova's context keys, such as
``tenant`` and ``user``, are understood). Entities are made JSON-safe on the
way out (a NetworkInfo becomes the list nova's ``NetworkInfo.hydrate`` reads;
datetimes become ISO strings, netaddr values strings) and are passed through
unchanged on the way in: nova's versioned objects are read by
:mod:`novanet.rpc.objects` in the endpoint, where a bad one becomes an
InvalidRequest naming the argument instead of a dispatch error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from oslo_serialization import jsonutils

from novanet.model import NetworkInfo
from novanet.context import RequestContext
from novanet.rpc.messaging import oslo_messaging


def record(row: Any) -> dict[str, Any]:
    """A store row (network, fixed IP, VIF, floating IP) as a dict of its columns."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def records(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [record(row) for row in rows]


def dns_domain(row: Any) -> dict[str, Any]:
    """A DNS domain as nova-network listed it: private ones with their zone, public ones with their project."""
    if row.scope == "private":
        return {"domain": row.domain, "scope": "private", "availability_zone": row.availability_zone}
    return {"domain": row.domain, "scope": "public", "project": row.project_id}


def pools(names: Iterable[str]) -> list[dict[str, str]]:
    return [{"name": name} for name in names]


def to_primitive(value: Any) -> Any:
    """A JSON-safe copy of ``value``."""
    if isinstance(value, NetworkInfo):
        return value.to_primitive()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return jsonutils.to_primitive(value, convert_instances=True)


class RequestContextSerializer(oslo_messaging.Serializer):
    def serialize_entity(self, ctxt: Any, entity: Any) -> Any:
        return to_primitive(entity)

    def deserialize_entity(self, ctxt: Any, entity: Any) -> Any:
        return entity

    def serialize_context(self, ctxt: Any) -> dict[str, Any]:
        if isinstance(ctxt, dict):
            return ctxt
        values: dict[str, Any] = ctxt.to_dict()
        return values

    def deserialize_context(self, ctxt: Any) -> RequestContext:
        if isinstance(ctxt, RequestContext):
            return ctxt
        return RequestContext.from_dict(dict(ctxt or {}))
