"""Which host does a network's work (manager/routing.py)."""

from __future__ import annotations

from novanet.context import get_admin_context
from novanet.db import api as db
from novanet.manager.flat import FlatDHCPManager
from novanet.manager.networks import NetworkAdmin
from novanet.manager.routing import LocalRouting, ServingHostRouting

ADMIN = get_admin_context()


def _networks() -> tuple[object, object]:
    admin = NetworkAdmin(FlatDHCPManager.create_rules(), "host-a")
    (single,) = admin.create_networks(ADMIN, label="one", cidr="10.0.0.0/28", bridge="br-one")
    (multi,) = admin.create_networks(ADMIN, label="mh", cidr="10.0.1.0/28", bridge="br-mh", multi_host="T")
    return single, multi


def test_local_routing_keeps_fixed_ip_work_here(sqlite_store: str) -> None:
    single, multi = _networks()
    routing = LocalRouting("host-a")
    assert routing.fixed_ip_host(single, "host-b") == "host-a"  # type: ignore[arg-type]
    assert routing.fixed_ip_host(multi, "host-b") == "host-a"  # type: ignore[arg-type]
    assert routing.deallocation_host(multi, "host-b") == ("host-a", True)  # type: ignore[arg-type]
    # Floating IPs still go where the network is served: an unclaimed network is claimed by this host.
    assert routing.serving_host(single, "host-b") == "host-a"  # type: ignore[arg-type]
    assert db.network_get(single.id).host == "host-a"  # type: ignore[attr-defined]


def test_serving_host_routing(sqlite_store: str) -> None:
    single, multi = _networks()
    routing = ServingHostRouting("host-a")
    db.network_set_host(single.id, "host-c")  # type: ignore[attr-defined]
    single = db.network_get(single.id)  # type: ignore[attr-defined]
    assert routing.fixed_ip_host(single, "host-b") == "host-c"  # type: ignore[arg-type]
    assert routing.deallocation_host(single, "host-b") == ("host-c", True)  # type: ignore[arg-type]
    assert routing.fixed_ip_host(multi, "host-b") == "host-b"  # type: ignore[arg-type]
    assert routing.fixed_ip_host(multi, None) == "host-a"  # type: ignore[arg-type]
    # A multi_host instance's host with no heartbeat is down: store only.
    assert routing.deallocation_host(multi, "host-b") == ("host-b", False)  # type: ignore[arg-type]
    db.service_heartbeat("host-b", "novanet-network", "network")
    assert routing.deallocation_host(multi, "host-b") == ("host-b", True)  # type: ignore[arg-type]
    assert routing.deallocation_host(multi, None) == ("host-a", True)  # type: ignore[arg-type]
