"""A baremetal lab: a network host namespace, nodes as namespaces, a conductor.

The *host* namespace stands for the network host (never the root
namespace): novanet's real driver makes its bridges, firewall and one
dnsmasq per network there (``[linux_net] namespace``), and the
``linux_bridge`` switch driver moves *switch ports* there. Each *node* is a
namespace whose NICs are veth pairs; the peer of each NIC, in the host
namespace, is the switch port the node's port is cabled to (on no bridge
and down until novanet moves it). dnsmasq's dhcp-script is the real
``novanet-dhcpbridge``, talking to this process's manager through the
daemon's UNIX socket, so leases and releases reach the store.

"Power on" brings a node's NICs up and runs ISC dhclient once on its first
NIC (the PXE ROM, then the ramdisk or instance asking for an address);
"power off" kills it, flushes the address and takes the links down. The
conductor reports both through ``node set --power-state``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from novanet.conf import CONF
from novanet.context import get_admin_context
from novanet.db import api as db
from novanet.db import migration
from novanet.drivers.host import LinuxNetDriver
from novanet.drivers.switch.linux_bridge import LinuxBridgeSwitch
from novanet.manager.flat import FlatDHCPManager
from novanet.providers import inventory
from novanet.rpc.bridge_socket import BridgeSocketServer
from tests.fixtures.db import use_store
from tests.fixtures.netns import Namespace
from tests.fixtures.topology import DHCLIENT_SCRIPT
from tests.fixtures.wait import wait_until

ADMIN_CTX = get_admin_context()

BIN = Path(sys.executable).parent
DHCLIENT_CONF = "timeout 15;\nretry 1;\nrequest subnet-mask, broadcast-address, routers;\n"

NETWORKS = (
    # label, cidr, bridge, project
    ("provisioning", "10.251.0.0/24", "brprov", None),
    ("cleaning", "10.252.0.0/24", "brclean", None),
    ("rescuing", "10.253.0.0/24", "brrescue", None),
    ("tenant-a", "10.61.0.0/24", "brta", "pa"),
    ("tenant-b", "10.62.0.0/24", "brtb", "pb"),
)


@dataclasses.dataclass(frozen=True)
class Lease:
    """What ISC dhclient recorded for one lease."""

    address: str
    filename: str | None
    server_name: str | None
    routers: str | None

    @classmethod
    def parse(cls, text: str) -> Lease | None:
        blocks = text.split("lease {")
        if len(blocks) < 2:
            return None
        last = blocks[-1]

        def field(pattern: str) -> str | None:
            found = re.search(pattern, last)
            return found.group(1) if found else None

        address = field(r"fixed-address ([0-9.]+);")
        if address is None:
            return None
        return cls(address, field(r'filename "([^"]*)";'), field(r'server-name "([^"]*)";'),
                   field(r"option routers ([0-9.,]+);"))


@dataclasses.dataclass
class Node:
    """A node namespace and its NICs (name in the node, MAC, switch port)."""

    name: str
    ns: Namespace
    nics: list[tuple[str, str, str]]
    workdir: Path
    dhclients: list[int] = dataclasses.field(default_factory=list)
    boots: int = 0

    def power_on(self, nic: int = 0, expect: bool = True) -> Lease | None:
        """Links up, one DHCP exchange on NIC ``nic``; the lease (None if none came)."""
        for ifname, _, _ in self.nics:
            self.ns.run(["ip", "link", "set", ifname, "up"])
        ifname = self.nics[nic][0]
        self.boots += 1
        base = self.workdir / f"{self.name}-{ifname}-{self.boots}"
        script = Path(f"{base}.sh")
        script.write_text(DHCLIENT_SCRIPT.replace("{events}", f"{base}.events"))
        script.chmod(0o755)
        Path(f"{base}.conf").write_text(DHCLIENT_CONF)
        result = self.ns.run(["dhclient", "-1", "-cf", f"{base}.conf", "-sf", str(script), "-pf", f"{base}.pid",
                              "-lf", f"{base}.leases", ifname], check=False, timeout=40)
        if Path(f"{base}.pid").exists():
            pid = int(Path(f"{base}.pid").read_text().strip() or 0)
            if pid:
                self.dhclients.append(pid)
                self.ns.track_pid(pid)
        if result.returncode != 0:
            if expect:
                raise AssertionError(f"node {self.name}: no DHCP lease on {ifname}: {result.stderr[-500:]}")
            return None
        return Lease.parse(Path(f"{base}.leases").read_text())

    def power_off(self) -> None:
        for pid in self.dhclients:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.dhclients.clear()
        for ifname, _, _ in self.nics:
            self.ns.run(["ip", "-4", "addr", "flush", "dev", ifname])
            self.ns.run(["ip", "link", "set", ifname, "down"])

    def address(self, nic: int = 0) -> str | None:
        out = self.ns.run(["ip", "-4", "-o", "addr", "show", "dev", self.nics[nic][0]]).stdout.split()
        return out[out.index("inet") + 1].split("/")[0] if "inet" in out else None


class BaremetalLab:
    """The network host, its networks, nodes, and novanet acting on them in this process."""

    def __init__(self, make_ns: Callable[[str], Namespace], provider: str = "isolated") -> None:
        self.make_ns = make_ns
        self.provider = provider
        self.nodes: dict[str, Node] = {}
        self.overrides: list[tuple[str, str | None]] = []
        self.workdir = Path(tempfile.mkdtemp(prefix="novanet-bm-"))
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _build(self) -> None:
        self.workdir.chmod(0o755)
        self.host = self.make_ns("nnbh")
        self.host.run(["ip", "link", "add", "pub0", "type", "veth", "peer", "name", "pub1"])
        self.host.run(["ip", "link", "set", "pub0", "up"])
        self.host.run(["ip", "addr", "add", "172.24.4.1/24", "dev", "pub0"])
        self.store = f"sqlite:///{self.workdir}/novanet.sqlite"
        migration.sync(self.store)
        (self.workdir / "novanet.sqlite").chmod(0o644)
        use_store(self.store)
        self.set("state_path", str(self.workdir))
        self.set("networks_path", str(self.workdir / "networks"))
        self.set("public_interface", "pub0")
        self.set("routing_source_ip", "172.24.4.1")
        self.set("metadata_host", "172.24.4.1")
        self.set("dhcpbridge", str(BIN / "novanet-dhcpbridge"))
        self.set("dhcpbridge_flagfile", [str(self.workdir / "dhcpbridge.conf")])
        self.set("dhcp_lease_time", 600)
        self.set("fixed_ip_disassociate_timeout", 600)
        self.set("namespace", self.host.name, "linux_net")
        self.set("bridge_socket", str(self.workdir / "dhcpbridge.sock"), "dnsmasq")
        self.set("log_dir", str(self.workdir), "dnsmasq")
        self.set("log_dhcp", True, "dnsmasq")
        for purpose in ("provisioning", "cleaning", "rescuing"):
            self.set(f"{purpose}_network", purpose, "baremetal")
        self.set("conductor_ports", [6385], "baremetal")
        self.set("node_lock_retry_interval", 0.05, "baremetal")
        (self.workdir / "dhcpbridge.conf").write_text(f"[database]\nconnection = {self.store}\n")
        self.driver = LinuxNetDriver(CONF)
        self.manager = FlatDHCPManager("bm-host", driver=self.driver)
        self.bridge = BridgeSocketServer(self.manager, CONF.dnsmasq.bridge_socket)
        self.bridge.start()
        # The manager's own collaborator, with the configured switch driver.
        self.networks = self.manager.baremetal
        self.switch = self.networks.host.switch
        assert isinstance(self.switch, LinuxBridgeSwitch) and self.switch.namespace == self.host.name
        for label, cidr, bridge, project in NETWORKS:
            self.manager.networks.create_networks(ADMIN_CTX, label=label, cidr=cidr, bridge=bridge, project_id=project)

    def set(self, name: str, value: Any, group: str | None = None) -> None:
        CONF.set_override(name, value, group=group)
        self.overrides.append((name, group))

    def write_config(self) -> Path:
        """This lab's options as a configuration file, for another process."""
        sections: dict[str, list[str]] = {"DEFAULT": [], "database": [f"connection = {self.store}"]}
        for name, group in self.overrides:
            value = getattr(CONF[group], name) if group else getattr(CONF, name)
            text = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
            sections.setdefault(group or "DEFAULT", []).append(f"{name} = {text}")
        path = self.workdir / "lab.conf"
        path.write_text("".join(f"[{s}]\n" + "".join(f"{line}\n" for line in lines) for s, lines in sections.items()))
        return path

    def close(self) -> None:
        """Stop what the lab started and forget its options (also after a failed start)."""
        if hasattr(self, "bridge"):
            self.bridge.stop()
        if hasattr(self, "driver"):
            self.driver.close()
        for name, group in reversed(self.overrides):
            CONF.clear_override(name, group=group)
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- nodes ----------------------------------------------------------------------------

    def add_node(self, name: str, nics: int = 1, pxe: tuple[bool, ...] | None = None,
                 provider: str | None = None, group: tuple[int, ...] = ()) -> Node:
        """A node with ``nics`` NICs (the ones in ``group`` bonded), recorded in the store."""
        index = len(self.nodes)
        ns = self.make_ns("nnbn")
        inventory.create_node(CONF, name, network_provider=provider or self.provider, power_state="off")
        if group:
            inventory.create_portgroup(name, "bond0", mode="active-backup", miimon=100)
        node = Node(name, ns, [], self.workdir)
        for n in range(nics):
            mac = f"52:54:00:bb:{index:02x}:{n:02x}"
            port = f"swp{index}n{n}"
            self.host.run(["ip", "link", "add", port, "type", "veth", "peer", "name", f"nic{n}", "netns", ns.name])
            ns.run(["ip", "link", "set", f"nic{n}", "address", mac])
            ns.run(["sysctl", "-qw", f"net.ipv6.conf.nic{n}.disable_ipv6=1"])
            inventory.create_port(name, mac, port, pxe=(pxe[n] if pxe else n == 0),
                                  portgroup="bond0" if n in group else None)
            node.nics.append((f"nic{n}", mac, port))
        self.nodes[name] = node
        return node

    def power(self, node: Node, on: bool, nic: int = 0, expect: bool = True) -> Lease | None:
        """What a conductor does: act on the node, report its power state."""
        if on:
            inventory.set_node(CONF, node.name, power_state="on")
            return node.power_on(nic, expect=expect)
        node.power_off()
        inventory.set_node(CONF, node.name, power_state="off")
        return None

    def switch_op(self, node: Node, method: str, **kwargs: Any) -> dict[str, Any]:
        self.networks.switch(node.name, method, **kwargs)
        return inventory.describe(CONF, node.name)

    # -- the host side ------------------------------------------------------------------------

    def master(self, switch_port: str) -> str | None:
        """The bridge a switch port is in (None: none), read from the kernel."""
        out = self.host.run(["ip", "-o", "link", "show", "dev", switch_port]).stdout
        found = re.search(r" master (\S+) ", out)
        return found.group(1) if found else None

    def net(self, label: str) -> Any:
        (network,) = [n for n in db.network_get_all() if n.label == label]
        return network

    def leased(self, label: str) -> dict[str, str]:
        """address -> instance of the addresses the store says are leased on a network."""
        return {r.address: r.instance_uuid or "" for r in db.fixed_ip_list(network_id=self.net(label).id)
                if r.leased}

    def dnsmasq_log(self, bridge: str) -> str:
        path = self.workdir / f"novanet-{bridge}.log"
        return path.read_text() if path.exists() else ""

    def dnsmasq_pid(self, bridge: str) -> int | None:
        path = self.workdir / "networks" / f"novanet-{bridge}.pid"
        return int(path.read_text().strip()) if path.exists() else None

    def iptables(self) -> str:
        return "\n".join(self.host.run(["iptables-save", "-t", t]).stdout for t in ("filter", "nat", "mangle"))

    def snapshot(self) -> dict[str, Any]:
        """Links (admin state, master), dnsmasq files and rules of the host, without counters."""
        rules = re.sub(r"\[\d+:\d+\]", "", self.iptables())
        rules = "\n".join(line for line in rules.splitlines() if not line.startswith("#"))
        links = []
        for line in self.host.run(["ip", "-o", "link"]).stdout.splitlines():
            # Name, admin state and master: carrier and operstate follow the
            # kernel's own time, not novanet's calls.
            name = line.split(": ")[1].split("@")[0]
            flags = line.split("<")[1].split(">")[0].split(",")
            found = re.search(r" master (\S+) ", line)
            links.append(f"{name} {'UP' if 'UP' in flags else 'down'} {found.group(1) if found else '-'}")
        links.sort()
        files = {}
        networks = self.workdir / "networks"
        for path in sorted(networks.rglob("*")) if networks.exists() else ():
            if path.is_file() and not path.name.endswith(".pid"):
                files[str(path.relative_to(networks))] = path.read_text()
        return {"rules": rules, "links": links, "files": files}


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``novanet-manage`` in this process (the store is the lab's)."""
    import io

    from novanet.cli import manage

    out, err = io.StringIO(), io.StringIO()
    code = manage.run(list(argv), out, err, configure=False)
    return code, out.getvalue(), err.getvalue()


def processes_in(ns: Namespace, name: str) -> list[str]:
    pids = ns.run(["ip", "netns", "pids", ns.name], check=False).stdout.split()
    found = []
    for pid in pids:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        if os.path.basename(cmd) == name:
            found.append(pid)
    return found


def wait_for(predicate: Callable[[], Any], timeout: float = 20, message: str = "") -> Any:
    return wait_until(predicate, timeout=timeout, message=message)


__all__ = ["BaremetalLab", "Lease", "Node", "processes_in", "run_cli", "subprocess", "wait_for"]
