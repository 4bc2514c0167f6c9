"""The ``flat`` provider: the tenant network is the provisioning network.

As Ironic's flat interface: the node deploys on the network its tenant VIF
is on, so its switch ports never move between deploy and service. Adding
provisioning (or rescuing) binds the tenant VIFs with the PXE boot options;
removing it unbinds them (entry tombstoned, lease released); configuring
the tenant network binds them again without PXE options, at the same
address. Cleaning, which must not run on a tenant network, uses
``[baremetal] cleaning_network`` like the isolated provider; without one,
validation for cleaning fails before anything is touched.
"""

from __future__ import annotations

from novanet.providers.base import Call, Phase, Purpose
from novanet.providers.vifs import VifMethods


class FlatProvider(VifMethods):
    name = "flat"

    def validate(self, call: Call, purpose: Purpose) -> list[str]:
        if purpose is Purpose.CLEANING:
            return self._validate_management(call, purpose)
        notes = self._validate_tenant(call)
        if purpose is not Purpose.TENANT:
            notes.append(f"{purpose.value} happens on the tenant network, with PXE options")
        return notes

    def add_provisioning_network(self, call: Call) -> None:
        self._bind_tenant(call, Phase.PROVISIONING, pxe=True)

    def remove_provisioning_network(self, call: Call) -> None:
        self._unbind_tenant(call, Phase.PROVISIONING, cut=False)

    def add_cleaning_network(self, call: Call) -> None:
        self._attach_management(call, Purpose.CLEANING)

    def remove_cleaning_network(self, call: Call) -> None:
        self._detach_management(call, Purpose.CLEANING)

    def add_rescuing_network(self, call: Call) -> None:
        self._bind_tenant(call, Phase.RESCUING, pxe=True)

    def remove_rescuing_network(self, call: Call) -> None:
        self._unbind_tenant(call, Phase.RESCUING, cut=False)

    def configure_tenant_networks(self, call: Call) -> None:
        self._bind_tenant(call, Phase.TENANT, pxe=False)

    def unconfigure_tenant_networks(self, call: Call) -> None:
        self._unbind_tenant(call, Phase.TENANT, cut=False)
