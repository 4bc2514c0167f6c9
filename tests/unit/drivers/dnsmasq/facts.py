"""Facts shared by the dnsmasq unit tests."""

from __future__ import annotations

from novanet.drivers.base import DhcpHost, NetworkSpec
from novanet.drivers.dnsmasq.settings import DnsmasqSettings

ROOT = "/var/lib/novanet/networks"
SETTINGS = DnsmasqSettings(networks_path=ROOT, dhcpbridge="/usr/local/bin/novanet-dhcpbridge",
                           dhcpbridge_flagfile=("/etc/novanet/novanet.conf",))
NET = NetworkSpec(id=3, uuid="u-3", label="private net", bridge="br100", cidr="10.0.0.0/24", gateway="10.0.0.1",
                  dhcp_server="10.0.0.1", dhcp_start="10.0.0.3", netmask="255.255.255.0", dns1="8.8.4.4",
                  dns2="1.1.1.1")
HOST = DhcpHost(mac="FA:16:3E:00:00:01", address="10.0.0.5", hostname="server-1", vif_uuid="vif-1")


def host(n: int, address: str | None = None, **changes: object) -> DhcpHost:
    values: dict[str, object] = {"mac": f"fa:16:3e:00:00:{n:02x}", "address": address or f"10.0.0.{10 + n}",
                                 "hostname": f"vm{n}", "vif_uuid": f"v{n}"}
    values.update(changes)
    return DhcpHost(**values)  # type: ignore[arg-type]
