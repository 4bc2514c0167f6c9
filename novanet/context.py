"""The request context: who asks (oslo.context), carried by every RPC.

Neutral ground: the RPC layer rebuilds it from the wire, the managers check
ownership with it, the command-line tools make admin ones. It imports no
novanet layer, so every layer may import it.
"""

from __future__ import annotations

import copy
from typing import Any

from oslo_context import context as oslo_context


class RequestContext(oslo_context.RequestContext):
    """Who asks: user, project, roles, admin flag, request id.

    ``project_id`` scopes floating IP ownership and VLAN networks; admin
    contexts may act on any project.
    """

    def elevated(self) -> RequestContext:
        """A copy with admin rights (for reads the caller may not do itself)."""
        ctx = copy.copy(self)
        ctx.is_admin = True
        if "admin" not in ctx.roles:
            ctx.roles = list(ctx.roles) + ["admin"]
        return ctx

    @classmethod
    def from_dict(cls, values: dict[str, Any], **kwargs: Any) -> RequestContext:
        """Rebuild from ``to_dict()`` output, tolerating nova's keys."""
        values = dict(values)
        values["project_id"] = values.get("project_id") or values.get("tenant") or values.get("project")
        values["user_id"] = values.get("user_id") or values.get("user")
        # oslo.context reads the user from "user"; nova and older senders may
        # carry only "user_id".
        values["user"] = values["user_id"]
        ctx = super().from_dict(values, **kwargs)
        assert isinstance(ctx, RequestContext)
        return ctx


def get_admin_context(**kwargs: Any) -> RequestContext:
    return RequestContext(is_admin=True, roles=["admin"], overwrite=False, **kwargs)
