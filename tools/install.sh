#!/usr/bin/env bash
# Prepare this machine for novanet: the Debian packages it drives, a virtual
# environment, and the project installed into it (editable, with test extras).
# Safe to run again: it only installs what is missing.
#
#   NOVANET_VENV   where the virtual environment lives (default: <checkout>/.venv)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${NOVANET_VENV:-$top/.venv}

# System tools novanet drives (links, firewall, DHCP, conntrack, ARP, FAT
# config drives) and the
# ones its tests use (a real DHCP client, curl, ISO and FAT tools to read
# config drives back, and rabbitmq-server, whose binary the broker-restart
# test runs as a private node).
packages=(iproute2 iptables ebtables dnsmasq-base dnsmasq-utils isc-dhcp-client
          conntrack arping curl ca-certificates dosfstools mtools xorriso genisoimage
          rabbitmq-server)
if ! python3 -m venv --help >/dev/null 2>&1; then
    packages+=(python3-venv python3-pip)
fi

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install: Debian packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "install: run as root (or with sudo) to install system packages" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$venv/bin/python" ]; then
    echo "install: virtual environment in $venv"
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e "$top[test]"
echo "install: novanet installed in $venv"
