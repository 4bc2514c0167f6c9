"""The network provider interface, and what a provider is handed for one call.

A *network provider* decides how a baremetal node's NICs are moved between
networks as the conductor deploys, cleans, rescues and tears the node down
(Ironic's "pluggable network providers" spec). Providers load by name from
``novanet.baremetal.network_providers`` and hold no per-node state: every
call gets a :class:`Call` (the node's facts, read under its lock, and the
host it may act on) and returns nothing; the collaborator in
:mod:`novanet.providers.service` takes the lock, checks the provider, audits
the call and reports the node's new state.

Every method is idempotent: at its target the call converges what it can
and succeeds; a ``remove_*``/``unconfigure_*`` of a network the node is not
on succeeds after cleaning up what a crashed call may have left there.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Protocol

from novanet import exception
from novanet.db import baremetal as bmdb
from novanet.db.models import Network
from novanet.drivers.base import DhcpHost
from novanet.drivers.switch import SwitchDriver


class Phase(enum.Enum):
    """Where novanet last put a node's NICs."""

    NONE = "none"
    PROVISIONING = "provisioning"
    CLEANING = "cleaning"
    RESCUING = "rescuing"
    TENANT = "tenant"
    IDLE = "idle"

    @property
    def resting(self) -> bool:
        """On no network: ports and provider may change."""
        return self in (Phase.NONE, Phase.IDLE)


class Purpose(enum.Enum):
    """What a network is for, from a node's point of view."""

    PROVISIONING = "provisioning"
    CLEANING = "cleaning"
    RESCUING = "rescuing"
    TENANT = "tenant"

    @property
    def phase(self) -> Phase:
        return Phase(self.value)

    @property
    def option(self) -> str:
        """The ``[baremetal]`` option (and driver_info key) naming its network."""
        return f"{self.value}_network"

    @classmethod
    def parse(cls, value: str) -> Purpose:
        """``deploy``/``clean``/``rescue`` (Ironic's words) or a purpose name.

        :raises InvalidParameterValue: anything else.
        """
        aliases = {"deploy": "provisioning", "clean": "cleaning", "rescue": "rescuing"}
        try:
            return cls(aliases.get(value, value))
        except ValueError:
            raise exception.InvalidParameterValue(
                reason=f"purpose {value!r} is not one of deploy, clean, rescue, tenant") from None


class PowerState(enum.Enum):
    ON = "on"
    OFF = "off"
    UNKNOWN = "unknown"


class NodeHost(Protocol):
    """What a provider may do on this network host.

    :meth:`serve` and :meth:`unserve` are the DHCP flip (an entry appears,
    or is tombstoned and its lease released with ``dhcp_release``);
    :attr:`switch` moves switch ports.
    """

    @property
    def host(self) -> str:
        """This network host's name."""

    @property
    def switch(self) -> SwitchDriver:
        """The switch driver moving the nodes' switch ports."""

    def prepare_network(self, network: Network, management: bool = False) -> str:
        """Serve ``network`` on this host (bridge, DHCP, firewall); its bridge.

        :param management: it carries provisioning, cleaning or rescue: lock
            it down (only DHCP, TFTP, DNS and the conductor ports, no forwarding).
        :raises BaremetalNetworkError: another host serves it.
        """

    def bridge_of(self, network: Network) -> str:
        """The bridge of ``network``, without setting anything up."""

    def serve(self, network: Network, host: DhcpHost) -> None:
        """Make ``network``'s DHCP answer ``host`` (no reload when avoidable)."""

    def unserve(self, network: Network, host: DhcpHost) -> None:
        """Stop answering ``host`` at once and end its lease (``dhcp_release``)."""

    def confirm(self, network: Network, host: DhcpHost, served: bool) -> None:
        """After the store recorded it: make sure ``host`` is (not) answered.

        A network set up (or refreshed) from the store between a host step and
        the commit wrote what the store said then; this puts the entry back
        as the store says now. No lease is released; a no-op when it is so.
        """


@dataclasses.dataclass
class Call:
    """One switching call on one node, made under the node's lock."""

    layout: bmdb.NodeLayout
    provider: str
    host: NodeHost
    conf: Any
    allow_powered_on: bool = False
    method: str = ""
    _guarded: bool = dataclasses.field(default=False, repr=False)

    @property
    def node(self) -> Any:
        return self.layout.node

    @property
    def phase(self) -> Phase:
        return Phase(self.layout.node.net_phase)

    def guard(self, action: str) -> None:
        """Refuse to touch the host while the node is reported powered on.

        :raises NodePoweredOn: unless ``require_power_off_for_switch`` is off
            or the caller allowed it for this call.
        """
        if self._guarded:
            return
        if (self.node.power_state == PowerState.ON.value and self.conf.baremetal.require_power_off_for_switch
                and not self.allow_powered_on):
            raise exception.NodePoweredOn(node=self.node.name, action=action)
        self._guarded = True


class NetworkProvider(Protocol):
    """The interface of every provider (see the module docstring)."""

    name: str

    def validate(self, call: Call, purpose: Purpose) -> list[str]:
        """Dry run: what the call for ``purpose`` would use; raises what it would
        raise. Touches nothing."""

    def add_provisioning_network(self, call: Call) -> None: ...

    def remove_provisioning_network(self, call: Call) -> None: ...

    def add_cleaning_network(self, call: Call) -> None: ...

    def remove_cleaning_network(self, call: Call) -> None: ...

    def add_rescuing_network(self, call: Call) -> None: ...

    def remove_rescuing_network(self, call: Call) -> None: ...

    def configure_tenant_networks(self, call: Call) -> None: ...

    def unconfigure_tenant_networks(self, call: Call) -> None: ...

    def vif_attach(self, call: Call, network: Network, tagged: bool, port: str | None,
                   portgroup: str | None) -> str | None:
        """Give the node a tenant VIF on ``network``; its uuid (None: the
        provider keeps no VIFs)."""

    def vif_detach(self, call: Call, network: Network) -> None: ...
