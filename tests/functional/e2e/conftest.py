"""End-to-end fixtures: real daemons driving real namespaces through RabbitMQ.

Each test gets a fresh SQLite store in a world-readable directory (dnsmasq
drops to ``nobody`` and must read its files; the dhcp-script and the
metadata service, inside the host namespace, reach the same file), its own
RPC exchange and topic, and :class:`HostDaemons` to start ``novanet-network``
processes in the root namespace whose driver targets a site's namespace.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from novanet.conf import CONF
from novanet.db import migration
from novanet.rpc.client import NetworkAPI
from tests.fixtures.daemons import Daemon, make_api
from tests.fixtures.db import using_store
from tests.fixtures.netns import Namespace
from tests.fixtures.rabbit import RpcIsolation
from tests.fixtures.services import require_root, require_tool
from tests.fixtures.topology import Site

BIN = Path(sys.executable).parent
pytestmark = [pytest.mark.root, pytest.mark.services]


@pytest.fixture
def world_dir() -> Iterator[Path]:
    """A state directory every user can traverse (dnsmasq runs as nobody)."""
    path = Path(tempfile.mkdtemp(prefix="novanet-e2e-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def e2e_store(world_dir: Path) -> Iterator[str]:
    url = f"sqlite:///{world_dir}/novanet.sqlite"
    migration.sync(url)
    (world_dir / "novanet.sqlite").chmod(0o644)
    with using_store(url):
        yield url


class HostDaemons:
    """novanet-network processes for sites; all killed at the end."""

    def __init__(self, workdir: Path, iso: RpcIsolation, store: str) -> None:
        self.workdir = workdir
        self.iso = iso
        self.store = store
        self.daemons: list[Daemon] = []
        self.api, self._transport = make_api(iso.url, iso.topic, timeout=60)

    def config(self, host: str, site: Site, manager: str = "flatdhcp", **groups: dict[str, Any]) -> Path:
        state = self.workdir / host
        state.mkdir(parents=True, exist_ok=True)
        state.chmod(0o755)
        path = self.workdir / f"{host}.conf"
        default: dict[str, Any] = {
            "host": host, "transport_url": self.iso.url, "control_exchange": self.iso.exchange,
            "network_topic": self.iso.topic, "state_path": state, "network_manager": manager,
            "network_driver": "linux_net", "public_interface": "pub0", "my_ip": site.public_ip,
            "routing_source_ip": site.public_ip, "metadata_host": site.public_ip, "metadata_port": 8775,
            "dhcpbridge": BIN / "novanet-dhcpbridge", "dhcpbridge_flagfile": path,
            "report_interval": 1, "service_down_time": 10, "periodic_interval": 2, "periodic_fuzzy_delay": 0,
            "graceful_shutdown_timeout": 20, "rpc_response_timeout": 60, "debug": True,
        }
        default.update(groups.pop("DEFAULT", {}))
        sections: dict[str, dict[str, Any]] = {"DEFAULT": default, "database": {"connection": self.store},
                                               "linux_net": {"namespace": site.host.name}}
        for name, values in groups.items():
            sections.setdefault(name, {}).update(values)
        lines = []
        for name, values in sections.items():
            lines.append(f"[{name}]")
            lines += [f"{key} = {value}" for key, value in values.items()]
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o644)
        return path

    def start(self, host: str, site: Site, manager: str = "flatdhcp", **groups: dict[str, Any]) -> Daemon:
        config = self.config(host, site, manager, **groups)
        daemon = Daemon(host, config, self.workdir / f"{host}.log")
        self.daemons.append(daemon)
        daemon.start()
        daemon.wait_ready(self.api)
        return daemon

    def restart(self, daemon: Daemon) -> float:
        """SIGTERM, start again, wait until it serves; seconds until it serves again."""
        import time

        started = time.monotonic()
        assert daemon.terminate() == 0, daemon.log()[-5000:]
        daemon.proc = None
        daemon.start()
        daemon.wait_ready(self.api)
        return time.monotonic() - started

    def cleanup(self) -> None:
        for daemon in self.daemons:
            if daemon.running():
                daemon.terminate(timeout=30) if daemon.proc else None
            daemon.kill()
        self._transport.cleanup()

    def logs(self) -> str:
        return "\n".join(f"===== {d.host} =====\n{d.log()[-30000:]}" for d in self.daemons)


@contextlib.contextmanager
def running_daemons(world_dir: Path, iso: RpcIsolation, store: str) -> Iterator[HostDaemons]:
    """:class:`HostDaemons` against ``store``; every daemon killed and its log shown at the end."""
    require_root()
    for tool in ("dnsmasq", "dhclient", "dhcp_release", "iptables-restore", "conntrack"):
        require_tool(tool)
    factory = HostDaemons(world_dir, iso, store)
    try:
        yield factory
    finally:
        factory.cleanup()
        sys.stderr.write(factory.logs())


@pytest.fixture
def host_daemons(world_dir: Path, rpc_isolation: RpcIsolation, e2e_store: str) -> Iterator[HostDaemons]:
    with running_daemons(world_dir, rpc_isolation, e2e_store) as factory:
        yield factory


@pytest.fixture
def vlan_mode() -> Iterator[None]:
    """This process (the operator's novanet-manage) uses the VLAN manager with the daemons' uplink."""
    CONF.set_override("network_manager", "vlan")
    CONF.set_override("vlan_interface", "und0")
    yield
    CONF.clear_override("network_manager")
    CONF.clear_override("vlan_interface")


@pytest.fixture
def site_factory(netns_factory: Callable[[str], Namespace], world_dir: Path) -> Callable[..., Site]:
    count = [0]

    def make(**kwargs: Any) -> Site:
        count[0] += 1
        return Site(netns_factory, world_dir / f"site{count[0]}", **kwargs)

    return make


@pytest.fixture
def api(host_daemons: HostDaemons) -> NetworkAPI:
    return host_daemons.api


def iptables_save(ns: Namespace, table: str) -> str:
    return ns.run(["iptables-save", "-t", table]).stdout


def manage(*argv: str) -> str:
    """novanet-manage in this process, against the test's store."""
    import io

    from novanet.cli import manage as cli

    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(argv), out, err, configure=False)
    assert code == 0, err.getvalue()
    return out.getvalue()


def world_readable(path: Path) -> None:
    mode = path.stat().st_mode
    path.chmod(mode | stat.S_IROTH | stat.S_IXOTH)


def run_in(ns: Namespace, *argv: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    return ns.popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)


__all__ = ["HostDaemons", "iptables_save", "manage", "run_in", "world_readable", "os"]
