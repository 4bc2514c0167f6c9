"""A network host set up for "get me a network", shared by the e2e tests and tools/bench_auto_allocate.py.

On top of a :class:`~tests.fixtures.topology.Site` (host namespace, ``pub0``
towards an "outside" namespace):

* an underlay ``und0`` for the VXLAN segment driver (this kernel has no
  802.1Q, so VLAN mode runs on VXLAN, VNI = the VLAN number);
* the egress's SNAT address :data:`EGRESS_SOURCE` on ``pub0`` (an operator
  gives the host the address before naming it in ``egress create``), which
  differs from the daemon's ``routing_source_ip`` so a test can tell which
  SNAT an instance's traffic got;
* a dnsmasq wrapper as ``[dnsmasq] binary`` that can hold a start
  (``pause`` file: the daemon stalls in its host step) or fail it (``fail``
  file), and records each invocation's pid; otherwise it runs the real
  dnsmasq under the wrapper's name, so the daemon recognises its process.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import Any

from novanet.types import NetworkChoice
from novanet.context import RequestContext
from tests.fixtures.netns import Namespace
from tests.fixtures.topology import Site

EGRESS_SOURCE = "172.24.4.7"
UNDERLAY_IP = "10.99.0.1"

WRAPPER = """#!/bin/bash
# dnsmasq as novanet starts it, with a pause and a failure switch for tests.
echo $$ >> {dir}/invocations
while [ -e {dir}/pause ]; do sleep 0.05; done
if [ -e {dir}/fail ]; then echo "dnsmasq: injected failure" >&2; exit 3; fi
exec -a "$0" {dnsmasq} "$@"
"""


class AutoLab:
    """One network host namespace ready for VLAN-mode auto-allocation."""

    def __init__(self, site: Site, workdir: Path) -> None:
        self.site = site
        self.dir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        workdir.chmod(0o755)
        host = site.host
        host.run(["ip", "link", "add", "und0", "type", "veth", "peer", "name", "und0p"])
        host.run(["ip", "link", "set", "und0p", "up"])
        host.run(["ip", "link", "set", "und0", "up"])
        host.run(["ip", "addr", "add", f"{UNDERLAY_IP}/24", "dev", "und0"])
        host.run(["ip", "addr", "add", f"{EGRESS_SOURCE}/24", "dev", "pub0"])
        dnsmasq = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        self.wrapper = workdir / "dnsmasq"
        self.wrapper.write_text(WRAPPER.format(dir=workdir, dnsmasq=dnsmasq))
        self.wrapper.chmod(0o755)

    def daemon_groups(self, **auto_allocate: Any) -> dict[str, dict[str, Any]]:
        """Configuration groups of a VLAN-mode daemon serving this host."""
        return {
            "DEFAULT": {"vlan_interface": "und0"},
            "linux_net": {"segment_driver": "vxlan", "vxlan_local_ip": UNDERLAY_IP, "vxlan_interface": "und0"},
            "dnsmasq": {"binary": self.wrapper},
            "auto_allocate": {"claim_lease": 3, "failed_build_hold": 2, "build_timeout": 60, **auto_allocate},
        }

    # -- switches -----------------------------------------------------------------------

    def hold_dnsmasq(self, on: bool = True) -> None:
        self._flag("pause", on)

    def fail_dnsmasq(self, on: bool = True) -> None:
        self._flag("fail", on)

    def _flag(self, name: str, on: bool) -> None:
        path = self.dir / name
        if on:
            path.touch()
        else:
            path.unlink(missing_ok=True)

    def invocations(self) -> list[int]:
        path = self.dir / "invocations"
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    # -- looking at the host ----------------------------------------------------------------

    def bridges(self) -> set[str]:
        out = self.site.host.run(["ip", "-o", "link", "show", "type", "bridge"]).stdout
        return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if line.strip()}

    def dnsmasq_pids(self) -> set[int]:
        """The dnsmasq servers in the host namespace (not their dhcp-script helper children)."""
        parents: dict[int, int] = {}
        for pid in self.site.host.run(["ip", "netns", "pids", self.site.host.name], check=False).stdout.split():
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "dnsmasq":
                    stat = Path(f"/proc/{pid}/stat").read_text()
                    parents[int(pid)] = int(stat.rsplit(")", 1)[1].split()[1])
            except OSError:
                pass
        return {pid for pid, parent in parents.items() if parent not in parents}

    def snapshot(self, networks_path: Path) -> dict[str, str]:
        """The host as text, minus what changes by itself (counters, timestamps, IPv6 DAD)."""
        host = self.site.host
        state = {
            "links": host.run(["ip", "-o", "link", "show"]).stdout,
            # IPv4 only: the kernel's own IPv6 link-local addresses change state (DAD) by themselves.
            "addresses": host.run(["ip", "-4", "-o", "addr", "show"]).stdout,
            "routes": host.run(["ip", "-4", "route", "show", "table", "all"]).stdout,
            "dnsmasq": " ".join(str(p) for p in sorted(self.dnsmasq_pids())),
        }
        for table in ("filter", "nat", "mangle"):
            saved = host.run(["iptables-save", "-t", table]).stdout
            state[f"iptables-{table}"] = re.sub(r"\[\d+:\d+\]", "", "\n".join(
                line for line in saved.splitlines() if not line.startswith("#")))
        files = sorted(p for p in networks_path.rglob("*") if p.is_file()) if networks_path.exists() else []
        state["files"] = "\n".join(f"{p}: {p.read_bytes()!r}" for p in files)
        return state


def boot(api: Any, lab: AutoLab, project: str, host: str = "net-a", dhcp: bool = True,
         requested: Any = NetworkChoice.AUTO) -> tuple[Namespace | None, Any]:
    """An ``auto`` boot over RPC; with ``dhcp``, a namespace that takes its lease from the real dnsmasq."""
    instance_uuid = str(uuid.uuid4())
    info = api.allocate_for_instance(RequestContext(project_id=project, user_id="u1", roles=["member"]),
                                     instance_uuid, project_id=project, host=host, requested_networks=requested)
    if not dhcp:
        return None, info
    (vif,) = info
    assert vif.network is not None
    ns = lab.site.instance(vif.network.bridge, vif.address)
    lab.site.dhclient(ns)
    assert Site.address_of(ns) == vif.fixed_ips()[0].address, "dnsmasq gave another address"
    return ns, info
