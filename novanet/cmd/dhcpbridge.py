"""Entry point of novanet-dhcpbridge (dnsmasq's --dhcp-script)."""

import os
import sys


def main() -> None:
    # NOTE(dnsmasq): 'old' events arrive once per lease on every SIGHUP;
    # answer them before importing anything (nova-network bug 1532809).
    if len(sys.argv) > 1 and sys.argv[1] == "old":
        sys.exit(0)
    from novanet.cli import dhcpbridge

    sys.exit(dhcpbridge.run(sys.argv[1:], os.environ))
