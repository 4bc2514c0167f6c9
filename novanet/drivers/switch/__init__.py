"""Switch drivers: moving a baremetal node's switch port between networks.

A node's NIC is cabled to a *switch port*; the network the port is on is
the network the NIC is on. A switch driver reads and changes that, one
idempotent call at a time (:class:`~.base.SwitchDriver`). Drivers load by
name from ``novanet.baremetal.switch_drivers`` (``[baremetal] switch_driver``):

* :mod:`.linux_bridge` — a switch port is an interface of this host (in
  ``[linux_net] namespace``) enslaved to the network's bridge;
* :mod:`.fake` — in memory, for unit tests.
"""

from novanet.drivers.switch.base import SwitchDriver, load_switch

__all__ = ["SwitchDriver", "load_switch"]
