"""The oslo.messaging serializer: request contexts in, JSON primitives out.

Contexts travel as ``RequestContext.to_dict()`` and come back as
:class:`~novanet.context.RequestContext` (nova's context keys, such as
``tenant`` and ``user``, are understood). Entities are made JSON-safe on the
way out (a :class:`~novanet.model.NetworkInfo` becomes the list nova's
``NetworkInfo.hydrate`` reads; datetimes become ISO strings, netaddr values
strings) and are passed through unchanged on the way in: nova's versioned
objects are read by :mod:`novanet.rpc.objects` in the endpoint, where a bad
one becomes an InvalidRequest naming the argument instead of a dispatch error.
"""

from __future__ import annotations

from typing import Any

from oslo_serialization import jsonutils

from novanet.model import NetworkInfo
from novanet.context import RequestContext
from novanet.rpc.messaging import oslo_messaging


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
