#!/usr/bin/env bash
# Fetch Debian's cloud-init package and unpack it (never install it) so the
# tests can run cloud-init's real network converter over what novanet makes.
#
#   tools/get_cloud_init.sh            unpack into <checkout>/.cache/cloud-init
#   NOVANET_CLOUD_INIT_DIR=DIR ...     unpack somewhere else
#
# Idempotent: when the unpacked tree is there, nothing is downloaded. The
# .deb comes from the machine's own apt sources through `apt-get download`
# (run `apt-get update` first on a fresh machine; this script does it once
# when the package is unknown). Nothing is installed into the system:
# `dpkg-deb -x` only extracts files, so no boot services are enabled.
#
# cloud-init's Python dependencies the converter needs are installed into
# the project's virtual environment by tools/install.sh (see the list there:
# PyYAML, Jinja2, jsonschema, configobj, requests, jsonpatch, oauthlib).
#
# Prints the directory that must go on PYTHONPATH (the one that holds the
# `cloudinit` package).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${NOVANET_CLOUD_INIT_DIR:-$top/.cache/cloud-init}
pydir=$dest/root/usr/lib/python3/dist-packages

if [ -f "$pydir/cloudinit/sources/helpers/openstack.py" ]; then
    echo "$pydir"
    exit 0
fi

for tool in apt-get dpkg-deb; do
    command -v "$tool" >/dev/null || { echo "get_cloud_init: $tool is missing" >&2; exit 4; }
done

mkdir -p "$dest/deb"
cd "$dest/deb"
if ! ls cloud-init_*_all.deb >/dev/null 2>&1; then
    if ! apt-get download cloud-init >/dev/null 2>&1; then
        # A fresh machine has no package lists yet.
        apt-get update -qq >/dev/null
        apt-get download cloud-init >/dev/null
    fi
fi
deb=$(ls -1 cloud-init_*_all.deb | sort -V | tail -n1)

# Unpack into a temporary tree, then rename: a half-unpacked tree is never
# mistaken for a complete one by the check at the top.
rm -rf "$dest/root.tmp"
dpkg-deb -x "$deb" "$dest/root.tmp"
rm -rf "$dest/root"
mv "$dest/root.tmp" "$dest/root"
echo "$deb" > "$dest/VERSION"
echo "$pydir"
