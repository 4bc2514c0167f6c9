"""What every served method does around the manager call.

Theory of operation
-------------------
oslo.messaging calls an endpoint method as ``method(context, **kwargs)`` with
whatever the caller sent. Each served method here is written as
``method(self, context, args)`` and wrapped by :func:`served`, which:

0. refuses, with InvalidRequest, a method this manager does not implement
   (the flat manager has no host-local floating IP calls);
1. wraps the keyword arguments in :class:`~novanet.rpc.wire.Arguments`, so the
   method reads each one through a converter (any problem: InvalidRequest
   before the manager runs);
2. lets the method check policy (:meth:`EndpointCore.authorize`) and call the
   manager, or the part of it that answers without a decision of the
   manager's (``manager.queries``, ``.nw_info``, ``.dns``, ``.networks``,
   ``.plumbing``), with typed arguments;
3. turns a :class:`~novanet.exception.NovanetError` into oslo.messaging's
   expected-exception reply (one log line, no traceback, the same class on
   the caller's side), and a peer host's ``MessagingTimeout`` into
   ``ServiceUnavailable`` the same way; other exceptions are bugs and
   propagate with their traceback;
4. logs arguments it did not read (a newer caller may send more);
5. returns the result as JSON primitives: the method turns the manager's
   typed records into nova-network's wire dicts (:mod:`novanet.rpc.serializer`),
   a NetworkInfo becomes the list nova's ``NetworkInfo.hydrate`` reads.

A ``TypeError`` from a wrong call can therefore not happen on the wire: the
wrapper accepts any keyword arguments and the method decides what is missing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from novanet import exception
from novanet.rpc import errors, policy
from novanet.context import RequestContext
from novanet.rpc.manager_api import ManagerAPI
from novanet.rpc.messaging import oslo_messaging
from novanet.rpc.serializer import to_primitive
from novanet.rpc.versions import METHODS
from novanet.rpc.wire import Arguments

LOG = logging.getLogger("novanet.rpc.endpoint")

E = TypeVar("E", bound="EndpointCore")
Handler = Callable[[E, RequestContext, Arguments], Any]


def served(handler: Handler[E]) -> Callable[..., Any]:
    """Make ``handler(self, context, args)`` an oslo.messaging endpoint method."""
    name = handler.__name__
    manager_method = METHODS[name].manager_method  # a KeyError here: add the method to versions.METHODS

    @functools.wraps(handler)
    def endpoint_method(self: E, context: RequestContext, **kwargs: Any) -> Any:
        args = Arguments(name, kwargs)
        try:
            self.require(manager_method, name)
            result = handler(self, context, args)
        except exception.NovanetError as error:
            raise errors.expected(error, name, LOG) from None
        except oslo_messaging.MessagingTimeout as error:
            # A host this request needed (e.g. the network's host, for
            # _rpc_allocate_fixed_ip) did not answer: an operational fault
            # with a clear cause, not a bug, so no traceback either.
            unavailable = exception.ServiceUnavailable(
                service="network", reason=f"{name}: another network host did not answer in time ({error})")
            raise errors.expected(unavailable, name, LOG, logging.WARNING) from None
        unused = args.unused()
        if unused:
            LOG.debug("%s: ignored arguments %s", name, ", ".join(unused))
        return to_primitive(result)

    endpoint_method.served = True  # type: ignore[attr-defined]
    return expose(endpoint_method)


F = TypeVar("F", bound=Callable[..., Any])


def expose(method: F) -> F:
    """Mark ``method`` as callable over RPC (see NetworkAccessPolicy); nothing else is."""
    method.rpc_exposed = True  # type: ignore[attr-defined]
    return method


def is_served(method: Any) -> bool:
    return getattr(method, "served", False) is True


def is_exposed(method: Any) -> bool:
    return getattr(method, "rpc_exposed", False) is True


class EndpointCore:
    """The manager and the policy check shared by the endpoint's parts."""

    def __init__(self, manager: ManagerAPI) -> None:
        self.manager = manager

    def require(self, manager_method: str, wire_method: str) -> None:
        """:raises InvalidRequest: this manager does not do ``wire_method`` (e.g.
        the flat manager has no host-local floating IP plumbing)."""
        if manager_method == "get_backdoor_port":
            return
        target: Any = self.manager
        for part in manager_method.split("."):
            target = getattr(target, part, None)
        if not callable(target):
            kind = getattr(self.manager, "NAME", type(self.manager).__name__)
            raise exception.InvalidRequest(reason=f"{wire_method} is not supported by the {kind} network manager")

    @staticmethod
    def authorize(context: RequestContext, rule: str, project_id: str | None = None) -> None:
        policy.authorize(context, rule, project_id)

    @staticmethod
    def log_request(context: RequestContext, method: str, detail: str) -> None:
        LOG.debug("%s %s [request %s, project %s]", method, detail, context.request_id, context.project_id)
