"""An in-memory switch for unit tests: ports, bridges, and failures on demand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from novanet import exception


class FakeSwitch:
    """:class:`~novanet.drivers.switch.base.SwitchDriver` in memory.

    ``ports`` maps a port to its bridge (None: on none); ``moves`` records
    every call; a port in ``broken`` makes a move that touches it fail
    after the ports before it moved (as a real switch session could).
    """

    def __init__(self, conf: Any = None, ports: dict[str, str | None] | None = None) -> None:
        self.ports: dict[str, str | None] = dict(ports or {})
        self.bridges: set[str] | None = None
        self.moves: list[tuple[tuple[str, ...], str | None]] = []
        self.broken: set[str] = set()

    def exists(self, port: str) -> bool:
        return port in self.ports

    def segment_of(self, port: str) -> str | None:
        if port not in self.ports:
            raise exception.SwitchPortNotFound(port=port, where="")
        return self.ports[port]

    def move(self, ports: Sequence[str], bridge: str | None) -> None:
        for port in ports:
            if port not in self.ports:
                raise exception.SwitchPortNotFound(port=port, where="")
        if bridge is not None and self.bridges is not None and bridge not in self.bridges:
            raise exception.SwitchError(port=",".join(ports), reason=f"bridge {bridge} does not exist")
        self.moves.append((tuple(ports), bridge))
        for port in ports:
            if port in self.broken:
                raise exception.SwitchError(port=port, reason="the switch refused (fake failure)")
            self.ports[port] = bridge
