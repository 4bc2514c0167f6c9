"""The switch driver interface and its loader.

Contract (pyroute2's ``ensure`` idea, applied to a switch):

* :meth:`SwitchDriver.move` puts every named port on the segment of
  ``bridge`` (None: on no network, where nothing reaches the port), in one
  call so that the members of a port group move together. Moving a port to
  where it is already is a success that changes nothing.
* A port is never on two segments: a driver detaches before it attaches
  (a Linux bridge does that in one netlink message).
* :meth:`SwitchDriver.segment_of` tells where a port is now, so the daemon
  can compare with the store on restart.
* Calls on one switch are serialised by the driver (real switches dislike
  concurrent sessions; the standalone-networking spec warns about it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from novanet.plugins import load_plugin

NAMESPACE = "novanet.baremetal.switch_drivers"


class SwitchDriver(Protocol):
    """Moves switch ports between network segments (see the module docstring)."""

    def exists(self, port: str) -> bool:
        """Whether switch port ``port`` exists."""

    def segment_of(self, port: str) -> str | None:
        """The bridge whose segment ``port`` is on; None when on none.

        :raises SwitchPortNotFound: no such port.
        """

    def move(self, ports: Sequence[str], bridge: str | None) -> None:
        """Put ``ports`` on ``bridge``'s segment (None: on none), together.

        :raises SwitchPortNotFound: a port does not exist (nothing moved).
        :raises SwitchError: the segment does not exist or the switch refused.
        """


def load_switch(name: str, conf: Any) -> SwitchDriver:
    """The switch driver registered as ``name``; entry points are ``cls(conf)``.

    :raises InvalidConfig: no such driver.
    """
    switch: SwitchDriver = load_plugin(NAMESPACE, name, "[baremetal] switch_driver")(conf)
    return switch
