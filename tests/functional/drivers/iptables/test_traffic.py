"""The rules proven with real TCP traffic between namespaces.

Floating IPs: a client outside reaches a server on an instance through the
floating address, and the instance's outbound connections leave with it;
after removal the floating address is dead. The metadata REDIRECT reaches a
local service. Project isolation: instances on bridges of different projects
cannot connect through the host, same-project bridges and the outside can.
"""

from __future__ import annotations

from collections.abc import Callable

import threading

import pytest

from novanet.drivers.base import FloatingForward, NetworkSpec
from novanet.drivers.iptables import IptablesFirewall, builders
from tests.fixtures.netns import Namespace, veth_between
from tests.functional.drivers.iptables.conftest import KINDS, start_server, tcp, tcp_loop

pytestmark = pytest.mark.root

Build = Callable[..., IptablesFirewall]
NamespaceFactory = Callable[[], Namespace]


def router(factory: NamespaceFactory) -> Namespace:
    ns = factory()
    ns.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
    return ns


def host(factory: NamespaceFactory, gateway_ns: Namespace, link: str, address: str, gateway: str) -> Namespace:
    """A namespace with ``eth0`` (``address``) linked to ``gateway_ns``'s ``link``, default route via ``gateway``."""
    ns = factory()
    veth_between(gateway_ns, link, ns, "eth0")
    ns.run(["ip", "addr", "add", address, "dev", "eth0"])
    ns.run(["ip", "route", "add", "default", "via", gateway])
    return ns


@pytest.mark.parametrize("kind", list(KINDS))
def test_floating_ip_and_metadata_with_traffic(kind: str, netns_factory: NamespaceFactory,
                                               firewalls: Build) -> None:
    r = router(netns_factory)
    instance = host(netns_factory, r, "rinst", "10.0.0.3/24", "10.0.0.1")
    outside = host(netns_factory, r, "rext", "192.168.50.2/24", "192.168.50.1")
    r.run(["ip", "addr", "add", "10.0.0.1/24", "dev", "rinst"])
    r.run(["ip", "addr", "add", "192.168.50.1/24", "dev", "rext"])
    # Without NAT, the floating range is unreachable: refused at once.
    r.run(["ip", "route", "add", "unreachable", "172.24.4.0/24"])

    cfg = builders.RuleConfig(public_interface="rext", metadata_host="127.0.0.1", metadata_port=8775)
    firewall = firewalls(kind, r)
    forward = FloatingForward("172.24.4.10", "10.0.0.3", "rext")
    with firewall.defer_apply():
        firewall.ensure("metadata", builders.metadata_forward_rules(cfg) + builders.metadata_accept_rules(cfg))
        firewall.ensure(builders.floating_tag(forward.floating), builders.floating_forward_rules(forward, cfg))

    start_server(instance, "10.0.0.3", 8080)
    start_server(outside, "192.168.50.2", 9090)
    start_server(r, "0.0.0.0", 8775)

    # In through the floating address: the server sees the real client, and
    # the connection completes with the floating address as the peer, i.e.
    # the replies came back from 172.24.4.10.
    assert tcp(outside, "172.24.4.10", 8080) == ["OK", "192.168.50.2", "172.24.4.10"]
    # Out from the instance: the outside sees the floating address.
    assert tcp(instance, "192.168.50.2", 9090) == ["OK", "172.24.4.10", "192.168.50.2"]
    # Metadata: 169.254.169.254:80 is redirected to the local service.
    assert tcp(instance, "169.254.169.254", 80) == ["OK", "10.0.0.3", "169.254.169.254"]

    firewall.remove(builders.floating_tag(forward.floating))
    firewall.apply()
    assert tcp(outside, "172.24.4.10", 8080) == ["ERR", "EHOSTUNREACH"]
    assert tcp(instance, "192.168.50.2", 9090) == ["OK", "10.0.0.3", "192.168.50.2"]  # no SNAT any more


@pytest.mark.parametrize("kind", ["nft", "legacy"])
def test_chain_rewrites_and_restarts_do_not_interrupt_traffic(kind: str, netns_factory: NamespaceFactory,
                                                              firewalls: Build) -> None:
    """The DNAT rule's chain is flushed and rewritten over and over (other
    floating IPs of its bucket come and go; firewalls restart) while
    connections go through it: the swap is atomic, none is lost."""
    r = router(netns_factory)
    instance = host(netns_factory, r, "rinst", "10.0.0.3/24", "10.0.0.1")
    outside = host(netns_factory, r, "rext", "192.168.50.2/24", "192.168.50.1")
    r.run(["ip", "addr", "add", "10.0.0.1/24", "dev", "rinst"])
    r.run(["ip", "addr", "add", "192.168.50.1/24", "dev", "rext"])
    r.run(["ip", "route", "add", "unreachable", "172.24.0.0/16"])
    cfg = builders.RuleConfig(public_interface="rext")
    forward = FloatingForward("172.24.4.10", "10.0.0.3", "rext")
    model = builders.floating_forward_rules(forward, cfg)
    firewall = firewalls(kind, r)
    firewall.ensure("fip", model)
    firewall.apply()
    start_server(instance, "10.0.0.3", 8080)
    churn: list[int] = []

    def rewrite_bucket() -> None:
        current = firewall
        for _ in range(3):
            for index in range(1, 6):  # 172.24.<n>.10: same DNAT bucket as 172.24.4.10
                other = FloatingForward(f"172.24.{index}.10", f"10.0.0.{index + 10}", "rext")
                current.ensure(f"other-{index}", builders.floating_forward_rules(other, cfg))
                current.apply()
                current.remove(f"other-{index}")
                current.apply()
                churn.append(index)
            current = firewalls(kind, r)  # a restart with the same model
            current.ensure("fip", model)
            current.apply()

    thread = threading.Thread(target=rewrite_bucket)
    thread.start()
    attempted = answered = 0
    try:
        while thread.is_alive() or not attempted:
            answered += tcp_loop(outside, "172.24.4.10", 8080, 50)
            attempted += 50
    finally:
        thread.join()
    assert len(churn) == 15  # 30 rewrites of the DNAT rule's chain and 3 restarts happened meanwhile
    assert answered == attempted


def test_project_isolation_with_traffic(netns_factory: NamespaceFactory, firewalls: Build) -> None:
    r = router(netns_factory)
    instances = {}
    nets = []
    for index, (name, project) in enumerate((("a", "p1"), ("b", "p2"), ("c", "p1")), start=1):
        bridge = f"br{name}"
        r.run(["ip", "link", "add", bridge, "type", "bridge"])
        r.run(["ip", "addr", "add", f"10.10.{index}.1/24", "dev", bridge])
        r.run(["ip", "link", "set", bridge, "up"])
        instances[name] = host(netns_factory, r, f"v{name}", f"10.10.{index}.2/24", f"10.10.{index}.1")
        r.run(["ip", "link", "set", f"v{name}", "master", bridge])
        nets.append(NetworkSpec(id=index, uuid=f"u-{name}", label=name, bridge=bridge, cidr=f"10.10.{index}.0/24",
                                gateway=f"10.10.{index}.1", dhcp_server=f"10.10.{index}.1", project_id=project,
                                enable_dhcp=False))
    outside = host(netns_factory, r, "rext", "192.168.60.2/24", "192.168.60.1")
    r.run(["ip", "addr", "add", "192.168.60.1/24", "dev", "rext"])
    for name, ns in instances.items():
        start_server(ns, "0.0.0.0", 8080)
    start_server(outside, "0.0.0.0", 8080)

    cfg = builders.RuleConfig(routing_source_ip="192.168.60.1", public_interface="rext", drop_action="REJECT")
    firewall = firewalls("nft", r)
    with firewall.defer_apply():
        for net in nets:
            firewall.ensure(builders.network_tag(net), builders.network_rules(net, cfg))
    # Without isolation the host forwards between any two project bridges.
    assert tcp(instances["a"], "10.10.2.2", 8080)[:2] == ["OK", "10.10.1.2"]

    firewall.ensure(builders.ISOLATION_TAG, builders.project_isolation_rules(nets, cfg))
    firewall.apply()
    assert tcp(instances["a"], "10.10.2.2", 8080) == ["ERR", "ECONNREFUSED"]  # p1 -> p2
    assert tcp(instances["b"], "10.10.1.2", 8080) == ["ERR", "ECONNREFUSED"]  # p2 -> p1
    assert tcp(instances["a"], "10.10.3.2", 8080)[:2] == ["OK", "10.10.1.2"]  # p1 -> p1, other bridge
    assert tcp(instances["c"], "10.10.1.2", 8080)[:2] == ["OK", "10.10.3.2"]
    # The outside still works both ways (SNAT out; routed in).
    assert tcp(instances["b"], "192.168.60.2", 8080)[:2] == ["OK", "192.168.60.1"]
    outside.run(["ip", "route", "add", "10.10.0.0/16", "via", "192.168.60.1"])
    assert tcp(outside, "10.10.2.2", 8080)[:2] == ["OK", "192.168.60.2"]
