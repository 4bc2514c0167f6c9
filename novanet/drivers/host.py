"""LinuxNetDriver: the real host driver, composing links, iptables and dnsmasq.

Theory of operation
-------------------
Implements :class:`~novanet.drivers.base.NetworkDriver` for a Linux host (or
the network namespace named by ``[linux_net] namespace``):

* a network is a segment + bridge + gateway address (:class:`Links
  <novanet.drivers.linux_net.links.Links>`), its rules under the iptables tag
  ``network:<uuid>`` (:class:`IptablesFirewall
  <novanet.drivers.iptables.firewall.IptablesFirewall>`), and a dnsmasq
  (:class:`DnsmasqSupervisor <novanet.drivers.dnsmasq.supervisor.DnsmasqSupervisor>`);
  each of the three goes through a pure planner to its driver's
  ``privileged`` module;
* a floating IP is its NAT rules under ``floating:<address>``, added
  **before** the address is bound on the public interface, and removed
  after it is unbound, followed by a conntrack cleanup of the fixed address;
* process-wide rules (metadata forward/accept, project isolation) have
  their own tags and follow the set of networks.

``init_host`` converges everything at once inside one deferred block: the
iptables model is rebuilt from the facts and synchronised in one pass
(chains whose content did not change are not rewritten, so instance
traffic never stops), dnsmasq processes and host files are converged and
leftovers removed, devices novanet made that no network needs are deleted,
and floating addresses this driver bound earlier but no fact backs any
more are unbound. Which floating addresses it bound is kept in a small file
under ``networks_path`` (the kernel has no place to mark an address as
ours), written atomically.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from novanet import exception
from novanet.drivers.base import DhcpHost, FloatingForward, HostState, NetworkSpec
from novanet.drivers.dnsmasq import DnsmasqSupervisor
from novanet.drivers.iptables.builders import (
    ISOLATION_TAG,
    RuleConfig,
    floating_forward_rules,
    floating_tag,
    metadata_accept_rules,
    metadata_forward_rules,
    network_rules,
    network_tag,
    project_isolation_rules,
)
from novanet.drivers.iptables.firewall import IptablesFirewall
from novanet.drivers.linux_net import GatewaySpec, Links

LOG = logging.getLogger(__name__)

GLOBAL_TAG = "global"


class BoundAddresses:
    """The floating addresses this driver bound, persisted across restarts."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._bound: dict[str, str] = {}
        try:
            with open(path) as f:
                data = json.load(f)
            self._bound = {str(k): str(v) for k, v in data.items()}
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as error:
            LOG.warning("Ignoring unreadable %s: %s", path, error)

    def items(self) -> list[tuple[str, str]]:
        return sorted(self._bound.items())

    def add(self, address: str, device: str) -> None:
        if self._bound.get(address) != device:
            self._bound[address] = device
            self._save()

    def replace(self, bound: dict[str, str]) -> None:
        if bound != self._bound:
            self._bound = dict(bound)
            self._save()

    def discard(self, address: str) -> None:
        if self._bound.pop(address, None) is not None:
            self._save()

    def _save(self) -> None:
        directory = os.path.dirname(self.path)
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".bound-")
        with os.fdopen(fd, "w") as f:
            json.dump(self._bound, f, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


class LinuxNetDriver:
    """Makes a Linux host (or namespace) match the facts."""

    def __init__(self, conf: Any, links: Links | None = None, iptables: IptablesFirewall | None = None,
                 dnsmasq: DnsmasqSupervisor | None = None) -> None:
        self.conf = conf
        self.links = links or Links.from_conf(conf)
        self.iptables = iptables or IptablesFirewall.from_config(conf)
        self.dnsmasq = dnsmasq or DnsmasqSupervisor.from_conf(conf)
        self.rules = RuleConfig.from_conf(conf)
        self.isolation = bool(conf.iptables.project_isolation)
        self.bound = BoundAddresses(os.path.join(conf.networks_path, "floating-addresses.json"))
        self._networks: dict[str, NetworkSpec] = {}
        self._lock = threading.RLock()
        self._global_done = False

    def close(self) -> None:
        self.iptables.close()
        self.links.close()

    # -- process-wide rules -----------------------------------------------------------

    def _ensure_global(self) -> None:
        if self._global_done:
            return
        items = metadata_forward_rules(self.rules) + metadata_accept_rules(self.rules)
        self.iptables.ensure(GLOBAL_TAG, items)
        if self.rules.metadata_host and self.rules.metadata_host.startswith("127."):
            self.links.ensure_metadata_ip()
        self._global_done = True

    def _ensure_isolation(self) -> None:
        if self.isolation:
            self.iptables.ensure(ISOLATION_TAG, project_isolation_rules(self._networks.values(), self.rules))

    # -- networks ---------------------------------------------------------------------

    def _plug(self, network: NetworkSpec) -> None:
        if network.should_create_bridge:
            self.links.plug(network)
        if network.gateway_on_host and network.dhcp_server and network.cidr:
            self.links.ensure_gateway(network.bridge, GatewaySpec.from_network(network))
        self.iptables.ensure(network_tag(network), network_rules(network, self.rules))
        self._networks[network.uuid] = network

    def ensure_network(self, network: NetworkSpec, hosts: Sequence[DhcpHost]) -> None:
        with self._lock, self.deferred():
            self._ensure_global()
            self._plug(network)
            self._ensure_isolation()
        if network.enable_dhcp:
            self.dnsmasq.ensure_network(network, hosts)

    def remove_network(self, network: NetworkSpec) -> None:
        with self._lock:
            self.dnsmasq.remove_network(network)
            with self.iptables.defer_apply():
                self.iptables.remove(network_tag(network))
                self._networks.pop(network.uuid, None)
                self._ensure_isolation()
            self.iptables.apply()
            if network.should_create_bridge:
                self.links.unplug(network)

    def has_device(self, name: str) -> bool:
        """Whether device ``name`` exists where this driver works (read-only)."""
        return self.links.device_exists(name)

    # -- DHCP ---------------------------------------------------------------------------

    def add_dhcp_host(self, network: NetworkSpec, host: DhcpHost) -> None:
        self.dnsmasq.add_host(network, host)

    def remove_dhcp_host(self, network: NetworkSpec, host: DhcpHost) -> None:
        # The manager ends the lease itself with release_dhcp right after.
        self.dnsmasq.remove_host(network, host, release=False)

    def release_dhcp(self, network: NetworkSpec, address: str, mac: str) -> None:
        self.dnsmasq.release(network, address, mac)

    def update_dns(self, network: NetworkSpec, hosts: Sequence[DhcpHost]) -> None:
        self.dnsmasq.update_dns(network, hosts)

    # -- floating IPs -------------------------------------------------------------------

    def add_floating_ip(self, forward: FloatingForward) -> None:
        device = self.links.public_device(forward.interface)
        self.iptables.ensure(floating_tag(forward.floating), floating_forward_rules(forward, self.rules))
        self.iptables.apply()
        # NOTE(nova-network): NAT first, then the address, so the first packet
        # to the address already finds its DNAT (a test checked this order).
        self.links.bind_floating_ip(forward.floating, device)
        self.bound.add(forward.floating, device)

    def remove_floating_ip(self, forward: FloatingForward) -> None:
        self.links.unbind_floating_ip(forward.floating, self.links.public_device(forward.interface))
        self.bound.discard(forward.floating)
        self.iptables.remove(floating_tag(forward.floating))
        self.iptables.apply()
        self.links.clean_conntrack(forward.fixed)

    def ensure_vpn_forward(self, network: NetworkSpec) -> None:
        # The VPN forward is part of the network's rules (see network_rules).
        with self._lock:
            self.iptables.ensure(network_tag(network), network_rules(network, self.rules))
            self.iptables.apply()

    # -- the whole host -------------------------------------------------------------------

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        with self.iptables.defer_apply(), self.dnsmasq.deferred():
            yield
        self.iptables.apply()

    def init_host(self, state: HostState) -> None:
        networks = [spec for spec, _ in state.networks]
        with self._lock:
            self._networks = {}
            self._global_done = False
            with self.iptables.defer_apply():
                self._ensure_global()
                for spec in networks:
                    try:
                        self._plug(spec)
                    except exception.NovanetError as error:
                        LOG.error("Network %s (%s) cannot be set up here: %s", spec.uuid, spec.bridge, error)
                self._ensure_isolation()
                wanted = {f.floating for f in state.floating}
                for forward in state.floating:
                    self.iptables.ensure(floating_tag(forward.floating), floating_forward_rules(forward, self.rules))
                # Tags of an earlier init_host in this process that no fact backs now.
                kept = ({GLOBAL_TAG, ISOLATION_TAG} | {network_tag(spec) for spec in networks}
                        | {floating_tag(address) for address in wanted})
                for tag in self.iptables.tags():
                    if tag not in kept:
                        self.iptables.remove(tag)
            # One pass over the kernel: unchanged chains are not rewritten and
            # rules no fact backs (stale tags of a previous run) disappear.
            self.iptables.sync()
            self.dnsmasq.init_host([(spec, hosts) for spec, hosts in state.networks if spec.enable_dhcp])
            by_device: dict[str, list[str]] = {}
            for forward in state.floating:
                by_device.setdefault(self.links.public_device(forward.interface), []).append(forward.floating)
            for device, addresses in by_device.items():
                self.links.bind_floating_ips(addresses, device)
            stale: dict[str, list[str]] = {}
            for address, device in self.bound.items():
                if address not in wanted:
                    LOG.info("Unbinding %s from %s: no floating IP fact backs it any more", address, device)
                    stale.setdefault(device, []).append(address)
            for device, addresses in stale.items():
                self.links.unbind_floating_ips(addresses, device)
            self.bound.replace({a: d for d, addresses in by_device.items() for a in addresses})
            removed = self.links.remove_stale_devices(networks)
            if removed:
                LOG.info("Removed devices no network needs any more: %s", ", ".join(removed))

    def periodic_tasks(self, networks: Sequence[NetworkSpec]) -> None:
        """Restart dnsmasqs found dead; fold accumulated host files when worth it."""
        for network in networks:
            if not network.enable_dhcp:
                continue
            try:
                self.dnsmasq.ensure_running(network)
                self.dnsmasq.tidy(network)
            except exception.NovanetError as error:
                LOG.error("dnsmasq for %s: %s", network.bridge, error)


def create(conf: Any) -> LinuxNetDriver:
    """Entry point ``novanet.network_drivers: linux_net``."""
    return LinuxNetDriver(conf)
