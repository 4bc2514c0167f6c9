"""An in-memory kernel behind the :class:`~.backend.LinkBackend` protocol.

For unit tests (and ``fake_network``): it keeps devices, addresses, routes,
FDB entries and sysctls, applies actions with the same tolerance as
:mod:`.privileged`, and models the kernel behaviour the planners rely on:

* addresses keep insertion order; one in the subnet of an existing primary
  becomes a secondary, and deleting a primary deletes its secondaries;
* a route through a gateway needs an address on the device whose subnet
  holds the gateway (else ENETUNREACH), and a device that loses its last
  IPv4 address loses every route through it;
* a port can be in one bridge; a device cannot be its own master;
* kinds listed in ``unsupported_kinds`` fail to create (no 802.1Q here).

Every applied action is appended to ``applied``; tool runs to ``tool_calls``
and answered by ``tool_handler``. The fake is one namespace: a call naming
any other fails as the real backend fails for a namespace that does not
exist, so a caller that loses track of its namespace is caught.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable, Sequence

from novanet import exception
from novanet.drivers.linux_net import records as r


class FakeBackend:
    def __init__(self, namespace: str | None = None, unsupported_kinds: Sequence[str] = ()) -> None:
        self.namespace = namespace
        self.unsupported_kinds = set(unsupported_kinds)
        self.links: dict[str, r.Link] = {}
        self.addresses: dict[str, list[r.Address]] = {}
        self.routes: list[r.Route] = []
        self.fdb: dict[str, list[r.FdbEntry]] = {}
        self.sysctls: dict[str, str] = {"net/ipv4/ip_forward": "0"}
        self.applied: list[r.Action] = []
        self.tool_calls: list[tuple[str, ...]] = []
        self.closed = 0
        self.tool_handler: Callable[[tuple[str, ...]], r.ToolResult] = lambda argv: r.ToolResult(argv, 0)
        self._next_index = 1
        self.add_link("lo", up=True, mac="00:00:00:00:00:00", mtu=65536)

    # -- test set-up helpers -----------------------------------------------------------

    def add_link(self, name: str, kind: str | None = None, **fields: object) -> r.Link:
        """Put a device in place as if someone else had made it."""
        index = self._next_index
        self._next_index += 1
        mac = fields.pop("mac", f"02:00:00:00:{index // 256:02x}:{index % 256:02x}")
        link = r.Link(index=index, name=name, kind=kind, mac=mac, **fields)  # type: ignore[arg-type]
        self.links[name] = link
        self.addresses.setdefault(name, [])
        self.fdb.setdefault(name, [])
        return link

    def seed_address(self, device: str, cidr: str, broadcast: str | None = None, scope: int = 0) -> None:
        self._add_address(device, r.Address.parse(cidr, broadcast, scope))

    def seed_route(self, route: r.Route) -> None:
        self._add_route(route)

    # -- LinkBackend -------------------------------------------------------------------

    def _check(self, namespace: str | None) -> None:
        if namespace != self.namespace:
            raise exception.DriverError(reason=f"network namespace {namespace!r} does not exist "
                                        f"(this fake kernel is {self.namespace!r})")

    def snapshot(self, namespace: str | None, query: r.Query) -> r.Snapshot:
        self._check(namespace)
        names = dict.fromkeys(query.links + query.addresses + query.routes + query.fdb)
        links = {n: self.links[n] for n in names if n in self.links}
        return r.Snapshot(
            links=links,
            addresses={n: tuple(self.addresses[n]) for n in query.addresses if n in links},
            routes={n: tuple(rt for rt in self.routes if rt.device == n) for n in query.routes if n in links},
            fdb={n: tuple(self.fdb[n]) for n in query.fdb if n in links},
            sysctls={p: self.sysctls.get(p, "0") for p in query.sysctls},
        )

    def apply(self, namespace: str | None, actions: Sequence[r.Action]) -> None:
        self._check(namespace)
        for act in actions:
            self._apply(act)
            self.applied.append(act)

    def list_links(self, namespace: str | None) -> tuple[r.Link, ...]:
        self._check(namespace)
        return tuple(sorted(self.links.values(), key=lambda link: link.index))

    def run_tool(self, namespace: str | None, argv: Sequence[str]) -> r.ToolResult:
        self._check(namespace)
        self.tool_calls.append(tuple(argv))
        return self.tool_handler(tuple(argv))

    def link_kind_supported(self, namespace: str | None, kind: str) -> bool:
        self._check(namespace)
        return kind not in self.unsupported_kinds

    def close(self, namespace: str | None) -> None:
        self._check(namespace)
        self.closed += 1

    # -- the model ---------------------------------------------------------------------

    def _need(self, name: str) -> r.Link:
        if name not in self.links:
            raise exception.DriverError(reason=f"device {name} does not exist")
        return self.links[name]

    def _apply(self, act: r.Action) -> None:
        if isinstance(act, r.CreateLink):
            self._create(act)
        elif isinstance(act, r.SetLink):
            self._set(act)
        elif isinstance(act, r.DeleteLink):
            self._delete(act.name)
        elif isinstance(act, r.AddAddress):
            self._need(act.device)
            self._add_address(act.device, act.address)
        elif isinstance(act, r.DeleteAddress):
            if act.device in self.links:
                self._del_address(act.device, act.address)
        elif isinstance(act, r.AddRoute):
            self._add_route(act.route)
        elif isinstance(act, r.DeleteRoute):
            self.routes = [rt for rt in self.routes if not _same_route(rt, act.route)]
        elif isinstance(act, r.AddFdb):
            self._need(act.device)
            if act.entry not in self.fdb[act.device]:
                self.fdb[act.device].append(act.entry)
        elif isinstance(act, r.DeleteFdb):
            if act.device in self.fdb:
                self.fdb[act.device] = [e for e in self.fdb[act.device] if e != act.entry]
        elif isinstance(act, r.SetSysctl):
            self.sysctls[act.path] = act.value
        elif isinstance(act, r.SendArp):
            self.run_tool(self.namespace, ("arping", "-U", "-S", act.address, "-i", act.device, "-c", str(act.count), act.address))

    def _create(self, act: r.CreateLink) -> None:
        if act.kind in self.unsupported_kinds:
            raise exception.DriverError(
                reason=f"cannot create {act.kind} device {act.name}: this kernel does not support {act.kind} devices"
            )
        if act.name in self.links:
            if self.links[act.name].kind == act.kind:
                return
            raise exception.DriverError(reason=f"creating {act.kind} device {act.name}: File exists (EEXIST)")
        fields: dict[str, object] = dict(
            up=act.up,
            mtu=act.mtu or 1500,
            alias=act.alias,
            vlan_id=act.vlan_id,
            vni=act.vni,
            vxlan_local=act.vxlan_local,
            vxlan_group=act.vxlan_group,
            vxlan_port=act.vxlan_port,
            vxlan_learning=act.vxlan_learning,
            stp=act.stp if act.kind == "bridge" else None,
            forward_delay=act.forward_delay if act.kind == "bridge" else None,
        )
        if act.parent:
            fields["parent"] = self._need(act.parent).index
        if act.vxlan_link:
            fields["vxlan_link"] = self._need(act.vxlan_link).index
        if act.mac:
            fields["mac"] = act.mac
        self.add_link(act.name, act.kind, **fields)

    def _set(self, act: r.SetLink) -> None:
        link = self._need(act.name)
        changes: dict[str, object] = {}
        if act.master is not None:
            master = self._need(act.master)
            if master.index == link.index:
                raise exception.DriverError(reason=f"changing device {act.name}: Too many levels (ELOOP)")
            if master.kind != "bridge":
                raise exception.DriverError(reason=f"changing device {act.name}: {act.master} is not a bridge")
            changes["master"] = master.index
        for field in ("up", "mac", "mtu", "alias", "stp", "forward_delay"):
            value = getattr(act, field)
            if value is not None:
                changes[field] = value
        self.links[act.name] = dataclasses.replace(link, **changes)  # type: ignore[arg-type]

    def _delete(self, name: str) -> None:
        link = self.links.pop(name, None)
        if link is None:
            return
        self.addresses.pop(name, None)
        self.fdb.pop(name, None)
        self.routes = [rt for rt in self.routes if rt.device != name]
        for other, port in list(self.links.items()):
            if other not in self.links:
                continue
            if port.master == link.index:
                self.links[other] = dataclasses.replace(port, master=None)
            if link.kind != "bridge" and (port.parent == link.index or port.vxlan_link == link.index):
                self._delete(other)

    def _add_address(self, device: str, address: r.Address) -> None:
        current = self.addresses.setdefault(device, [])
        if any(a.same_ip(address) for a in current):
            return
        new = ipaddress.ip_interface(address.cidr)
        secondary = any(
            not a.secondary and a.family == address.family and ipaddress.ip_interface(a.cidr).network == new.network
            for a in current
        )
        current.append(dataclasses.replace(address, secondary=secondary))
        if not secondary:
            # Primaries come before secondaries in the kernel's list.
            current.sort(key=lambda a: a.secondary)

    def _del_address(self, device: str, address: r.Address) -> None:
        current = self.addresses.get(device, [])
        gone = [a for a in current if a.same_ip(address)]
        if not gone:
            return
        net = ipaddress.ip_interface(gone[0].cidr).network
        keep = [a for a in current if not a.same_ip(address)]
        if not gone[0].secondary:
            # No promote_secondaries: a primary takes its secondaries along.
            keep = [a for a in keep if not (a.secondary and ipaddress.ip_interface(a.cidr).network == net)]
        self.addresses[device] = keep
        if not any(a.family == 4 for a in keep):
            self.routes = [rt for rt in self.routes if not (rt.device == device and rt.family == 4)]

    def _add_route(self, route: r.Route) -> None:
        self._need(route.device)
        if any(_same_route(rt, route) for rt in self.routes):
            return
        if route.gateway and not route.onlink:
            gw = ipaddress.ip_address(route.gateway)
            if not any(
                a.family == gw.version and gw in ipaddress.ip_interface(a.cidr).network
                for a in self.addresses.get(route.device, [])
            ):
                raise exception.DriverError(
                    reason=f"adding route {route.destination} via {route.gateway} dev {route.device}: "
                    "Network is unreachable (ENETUNREACH)"
                )
        self.routes.append(route)


def _same_route(a: r.Route, b: r.Route) -> bool:
    return (a.device, a.dst, a.dst_len, a.gateway, a.table, a.priority) == (
        b.device,
        b.dst,
        b.dst_len,
        b.gateway,
        b.table,
        b.priority,
    )
