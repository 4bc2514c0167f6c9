"""The Linux-bridge switch: a switch port is a host interface in a network's bridge.

Theory of operation
-------------------
Every novanet network with a bridge is a segment. A node's NIC is cabled
(in tests: a veth pair) to an interface of this host, in ``[linux_net]
namespace`` when set: that interface is the *switch port*. On a network, it
is enslaved to the network's bridge and up; on none, it has no master and
is down, so the node's link has no carrier and nothing it sends reaches this
host (an interface without a master would still deliver to the host's own
addresses). The kernel moves an interface from one bridge to another in one
``RTM_NEWLINK`` (it leaves the old master before joining the new one), so a
port is never on two segments, even for a moment.

All kernel access goes through :mod:`novanet.drivers.linux_net.privileged`
(netlink on the namespace's long-lived socket); a lock serialises moves on
this switch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from novanet import exception
from novanet.drivers.linux_net import privileged
from novanet.drivers.linux_net import records as r

LOG = logging.getLogger(__name__)


class LinuxBridgeSwitch:
    """:class:`~novanet.drivers.switch.base.SwitchDriver` over Linux bridges."""

    def __init__(self, conf: Any = None, namespace: str | None = None) -> None:
        if namespace is None and conf is not None:
            namespace = conf.linux_net.namespace or None
        self.namespace = namespace or None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the namespace's netlink socket (it pins the namespace)."""
        privileged.close(self.namespace)

    @property
    def _where(self) -> str:
        return f" in network namespace {self.namespace}" if self.namespace else ""

    def _links(self, names: Sequence[str]) -> r.Snapshot:
        return privileged.snapshot(self.namespace, r.Query(links=tuple(dict.fromkeys(names))))

    def exists(self, port: str) -> bool:
        return self._links([port]).link(port) is not None

    def segment_of(self, port: str) -> str | None:
        link = self._links([port]).link(port)
        if link is None:
            raise exception.SwitchPortNotFound(port=port, where=self._where)
        if link.master is None:
            return None
        for other in privileged.list_links(self.namespace):
            if other.index == link.master:
                return other.name
        return None

    def move(self, ports: Sequence[str], bridge: str | None) -> None:
        with self._lock:
            snap = self._links([*ports, bridge] if bridge else list(ports))
            for port in ports:
                if snap.link(port) is None:
                    raise exception.SwitchPortNotFound(port=port, where=self._where)
            target = snap.link(bridge) if bridge else None
            if bridge and (target is None or target.kind != "bridge"):
                raise exception.SwitchError(port=",".join(ports),
                                            reason=f"bridge {bridge} does not exist{self._where}")
            actions: list[r.Action] = []
            for port in ports:
                link = snap.link(port)
                assert link is not None
                if target is None and (link.master is not None or link.up):
                    actions.append(r.SetLink(port, master="", up=False))
                elif target is not None and (link.master != target.index or not link.up):
                    actions.append(r.SetLink(port, master=target.name, up=True))
            if actions:
                privileged.apply(self.namespace, actions)
                LOG.info("Switch ports %s now on %s", ", ".join(ports), bridge or "none")
