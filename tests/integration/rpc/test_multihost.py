"""multi_host: several daemons, each serving the instances of its own host."""

from __future__ import annotations

import re
import uuid

import pytest

from novanet.db import api as db
from novanet.types import InstanceInfo
from novanet.rpc.client import NetworkAPI
from novanet.context import RequestContext, get_admin_context
from tests.fixtures.daemons import DaemonFactory, make_api
from tests.fixtures.rabbit import RpcIsolation

pytestmark = [pytest.mark.services]

USER = RequestContext(user_id="u1", project_id="p1", roles=["member"])
HOSTS = ["host-a", "host-b", "host-c"]


def served_instances(log: str, method: str) -> set[str]:
    return set(re.findall(rf"DEBUG novanet\.rpc\.endpoint .*\] {method} instance ([0-9a-f-]{{36}})", log))


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_each_host_serves_its_own_instances(daemons: DaemonFactory, network_api: NetworkAPI,
                                            rpc_isolation: RpcIsolation) -> None:
    running = dict(zip(HOSTS, daemons.spawn_many(HOSTS)))
    (network,) = network_api.create_networks(get_admin_context(), label="mh", cidr="10.80.0.0/24",
                                             num_networks=1, bridge="br600", multi_host=True)
    api, transport = make_api(rpc_isolation.url, rpc_isolation.topic, multi_host=True)
    try:
        instances = {host: [InstanceInfo(uuid=str(uuid.uuid4()), project_id="p1", host=host) for _ in range(2)]
                     for host in HOSTS}
        for host, infos in instances.items():
            for info in infos:
                nw_info = api.allocate_for_instance(USER, info)
                (vif,) = nw_info
                assert vif.network is not None and vif.network.meta.get("multi_host") is True
                # the DHCP server and gateway of a multi_host instance is its own host's address
                own = db.fixed_ip_get_by_network_host(network["id"], host)
                assert own is not None
                assert vif.network.subnets[0].dhcp_server == own.address
                assert vif.fixed_ips()[0].address != own.address
        # three hosts, three different per-host addresses
        assert len({db.fixed_ip_get_by_network_host(network["id"], h).address for h in HOSTS}) == 3  # type: ignore[union-attr]

        for host, infos in instances.items():
            for info in infos:
                api.deallocate_for_instance(USER, info)
                assert len(api.get_instance_nw_info(USER, info.uuid)) == 0

        for host, daemon in running.items():
            mine = {info.uuid for info in instances[host]}
            log = daemon.log()
            assert served_instances(log, "allocate_for_instance") == mine, host
            assert served_instances(log, "deallocate_for_instance") == mine, host
        assert {s.host for s in db.service_get_all("novanet-network")
                if db.service_is_up(s, 5)} == set(HOSTS)
    finally:
        transport.cleanup()
