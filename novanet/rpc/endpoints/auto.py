"""Get me a network over RPC (1.18): a project's network for ``auto``, its dry-run, its deletion.

``project_id`` defaults to the caller's project; a user may name only their
own (policy ``admin_or_owner``), and every answer carries the project id so
that callers' own policy checks can use it (Neutron bugs 1552059/2066369).
"""

from __future__ import annotations

from typing import Any

from novanet import exception
from novanet.rpc import wire
from novanet.context import RequestContext
from novanet.rpc.endpoints.base import EndpointCore, served
from novanet.rpc.wire import Arguments


def project_of(context: RequestContext, args: Arguments) -> str:
    project_id = args.optional("project_id", wire.text) or context.project_id
    if not project_id:
        raise exception.InvalidRequest(reason=f"{args.method}: project_id is required (the context has none)")
    return str(project_id)


class AutoMethods(EndpointCore):
    @served
    def get_auto_allocated_network(self, context: RequestContext, args: Arguments) -> Any:
        project_id = project_of(context, args)
        dry_run = args.flag("dry_run")
        self.authorize(context, "get_auto_allocated_network", project_id)
        self.log_request(context, "get_auto_allocated_network", f"project {project_id} dry_run {dry_run}")
        return self.manager.get_auto_allocated_network(context, project_id, dry_run)

    @served
    def delete_auto_allocated_network(self, context: RequestContext, args: Arguments) -> Any:
        project_id = project_of(context, args)
        self.authorize(context, "delete_auto_allocated_network", project_id)
        self.log_request(context, "delete_auto_allocated_network", f"project {project_id}")
        return self.manager.delete_auto_allocated_network(context, project_id)
