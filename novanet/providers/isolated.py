"""The ``isolated`` provider: management networks apart from tenant networks.

Ironic's ``neutron`` network interface, done by novanet itself. Provisioning,
cleaning and rescue happen on their own admin-only novanet networks
(``[baremetal] provisioning_network``, ``cleaning_network``,
``rescuing_network``, or the node's driver_info), where each PXE-enabled
port gets a VIF with its own MAC and an address answered with the PXE boot
options; tenant networks are ordinary project networks that only see the
node once it is configured for them, without PXE options. Between the two
the node's switch ports are on none.
"""

from __future__ import annotations

from novanet.providers.base import Call, Phase, Purpose
from novanet.providers.vifs import VifMethods


class IsolatedProvider(VifMethods):
    name = "isolated"

    def validate(self, call: Call, purpose: Purpose) -> list[str]:
        if purpose is Purpose.TENANT:
            return self._validate_tenant(call)
        return self._validate_management(call, purpose)

    def add_provisioning_network(self, call: Call) -> None:
        self._attach_management(call, Purpose.PROVISIONING)

    def remove_provisioning_network(self, call: Call) -> None:
        self._detach_management(call, Purpose.PROVISIONING)

    def add_cleaning_network(self, call: Call) -> None:
        self._attach_management(call, Purpose.CLEANING)

    def remove_cleaning_network(self, call: Call) -> None:
        self._detach_management(call, Purpose.CLEANING)

    def add_rescuing_network(self, call: Call) -> None:
        self._attach_management(call, Purpose.RESCUING)

    def remove_rescuing_network(self, call: Call) -> None:
        self._detach_management(call, Purpose.RESCUING)

    def configure_tenant_networks(self, call: Call) -> None:
        self._bind_tenant(call, Phase.TENANT, pxe=False)

    def unconfigure_tenant_networks(self, call: Call) -> None:
        self._unbind_tenant(call, Phase.TENANT, cut=True)
