"""VlanManager: a network (VLAN or VXLAN segment) per project.

A project gets a free network the first time one of its instances needs one
(exactly one, even when several hosts race: see
:func:`novanet.db.networks.project_get_networks`); admins can add more with
``add_network_to_project``. Each network has a VPN address (``.2``) and a
public VPN port forwarded to it. There is no fixed-IP quota: the project
owns the whole network.
"""

from __future__ import annotations

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db.models import Network
from novanet.manager import create
from novanet.manager.base import NetworkManager
from novanet.manager.floating import FloatingIP
from novanet.manager.rpc_allocate import RPCAllocateFixedIP
from novanet.types import InstanceInfo, RequestedNetwork
from novanet.context import RequestContext


class VlanManager(RPCAllocateFixedIP, FloatingIP, NetworkManager):
    NAME = "vlan"
    SHOULD_CREATE_BRIDGE = True
    SHOULD_CREATE_VLAN = True
    DHCP = True
    required_create_args = ("bridge_interface",)

    @classmethod
    def create_rules(cls) -> create.ManagerRules:
        return create.ManagerRules(name=cls.NAME, required=cls.required_create_args, vlan=True,
                                   bottom_reserved=3, top_reserved=1)

    def networks_for_instance(self, context: RequestContext, instance: InstanceInfo,
                              requested: list[RequestedNetwork] | None) -> list[Network]:
        if not instance.project_id:
            raise exception.InvalidRequest(reason="the VLAN manager needs the instance's project_id")
        wanted = [r.network_id for r in requested or () if r.network_id]
        if wanted:
            return db.networks_get_by_uuids(wanted, instance.project_id, project_only=True)
        return db.project_get_networks(instance.project_id, associate=True)

    def check_fixed_ip_quota(self, project_id: str | None) -> None:
        return None

    def address_to_claim(self, network: Network, address: str | None, vpn: bool) -> tuple[str | None, bool]:
        if vpn:
            if not network.vpn_private_address:
                raise exception.InvalidRequest(reason=f"network {network.uuid} has no VPN address")
            return network.vpn_private_address, True
        return address, False

    def add_network_to_project(self, context: RequestContext, project_id: str, network_uuid: str | None) -> None:
        """Give the project a(nother) network: the named one or any free one."""
        if not project_id:
            raise exception.InvalidRequest(reason="add_network_to_project needs a project_id")
        network_id = None
        if network_uuid:
            network_id = db.network_get_by_uuid(self.check_uuid(network_uuid, "network_uuid")).id
        db.network_associate(str(project_id), network_id)

    def setup_network_on_host(self, context: RequestContext, network: Network) -> None:
        if not network.vpn_public_address and CONF.vpn_ip:
            network = db.network_update(network.id, {"vpn_public_address": CONF.vpn_ip})
        super().setup_network_on_host(context, network)
        if network.vpn_public_address and network.vpn_public_address == CONF.vpn_ip:
            self.driver.ensure_vpn_forward(self.spec_for(network))

    def teardown_network_on_host(self, context: RequestContext, network: Network) -> None:
        unused = (CONF.teardown_unused_network_gateway and network.multi_host
                  and network.vpn_public_address != CONF.vpn_ip
                  and not db.network_in_use_on_host(network.id, self.host))
        if not unused:
            super().teardown_network_on_host(context, network)
            return
        self.driver.remove_network(self.spec_for(network, claim=False))
        self.forget_network(network.id)
        if not self.shares_address(network):
            db.fixed_ip_release_host_address(network.id, self.host)
