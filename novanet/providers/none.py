"""The ``none`` provider: today's flat model, nothing moves.

The node stays wherever its NICs are cabled; DHCP and PXE are the
conductor's business. Every call succeeds, changes nothing on the host, and
leaves the node's phase alone.
"""

from __future__ import annotations

from novanet.db.models import Network
from novanet.providers.base import Call, Purpose


class NoneProvider:
    name = "none"

    def validate(self, call: Call, purpose: Purpose) -> list[str]:
        return ["provider none: nothing on this host changes"]

    def add_provisioning_network(self, call: Call) -> None:
        return None

    def remove_provisioning_network(self, call: Call) -> None:
        return None

    def add_cleaning_network(self, call: Call) -> None:
        return None

    def remove_cleaning_network(self, call: Call) -> None:
        return None

    def add_rescuing_network(self, call: Call) -> None:
        return None

    def remove_rescuing_network(self, call: Call) -> None:
        return None

    def configure_tenant_networks(self, call: Call) -> None:
        return None

    def unconfigure_tenant_networks(self, call: Call) -> None:
        return None

    def vif_attach(self, call: Call, network: Network, tagged: bool, port: str | None,
                   portgroup: str | None) -> str | None:
        return None

    def vif_detach(self, call: Call, network: Network) -> None:
        return None
