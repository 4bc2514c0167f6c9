#!/usr/bin/env bash
# novanet's main job on this machine, from nothing: install, then the
# all-in-one demo (tools/demo.py): the fact store and novanet-manage, the
# daemons against the local RabbitMQ, an instance in a network namespace
# taking its DHCP lease, a floating IP reached from an "outside" namespace,
# and network_data.json read through 169.254.169.254. Everything it creates
# lives in namespaces named nndemo-* and under state/demo; the namespaces are
# removed at the end. Run as root.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${NOVANET_VENV:-$top/.venv}

bash "$top/tools/install.sh"
exec "$venv/bin/python" "$top/tools/demo.py" "$@"
