#!/usr/bin/env bash
# novanet's main job on this machine, from nothing: install, create the fact
# store (embedded SQLite under ./state/demo), carve networks and a floating
# pool with novanet-manage, and show what the store now knows.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${NOVANET_VENV:-$top/.venv}
state=${NOVANET_DEMO_STATE:-$top/state/demo}

bash "$top/tools/install.sh"
rm -rf "$state"
mkdir -p "$state"
conf=$state/novanet.conf
cat > "$conf" <<CONF
[DEFAULT]
state_path = $state
network_manager = vlan
vlan_interface = eth1
CONF

manage() { echo "+ novanet-manage $*"; "$venv/bin/novanet-manage" --config-file "$conf" "$@"; }

manage db sync
manage network create 10.0.0.0/8 3 16
manage network list
manage network show 10.0.0.16/28
manage floating create --ip_range 172.24.4.0/28 --pool public
manage floating list
echo "+ a bad request changes nothing:"
manage network create 10.0.0.0/8 1 16 --vlan 100 || true
manage network list
