"""The option values auto-allocation reads, as one frozen record (read per request)."""

from __future__ import annotations

import dataclasses

from oslo_config import cfg

from novanet.manager import create
from novanet.manager.autoalloc.plan import EgressFacts


@dataclasses.dataclass(frozen=True)
class AutoOptions:
    enabled: bool = True
    build_timeout: int = 60
    claim_lease: int = 15
    failed_build_hold: int = 10
    keep_failed_topology: bool = False
    allocation_retries: int = 10
    retry_jitter_ms: int = 50
    network_label: str = "auto_allocated_network"
    vlan_start: int = 100
    vlan_end: int = 4094
    #: The egress used when no default egress exists ([auto_allocate] egress_from_config).
    config_egress: EgressFacts | None = None
    #: What a built network's other columns default to (as for network create).
    create_defaults: create.Defaults = dataclasses.field(default_factory=create.Defaults)

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts | None = None) -> AutoOptions:
        if conf is None:
            from novanet.conf import CONF
            conf = CONF
        group = conf.auto_allocate
        config_egress = None
        if group.egress_from_config and conf.routing_source_ip and conf.public_interface:
            config_egress = EgressFacts(None, "[DEFAULT] public_interface and routing_source_ip",
                                        conf.public_interface, conf.routing_source_ip)
        return cls(
            enabled=group.enabled, build_timeout=group.build_timeout, claim_lease=group.claim_lease,
            failed_build_hold=group.failed_build_hold, keep_failed_topology=group.keep_failed_topology,
            allocation_retries=group.allocation_retries, retry_jitter_ms=group.retry_jitter_ms,
            network_label=group.network_label,
            vlan_start=group.vlan_start if group.vlan_start is not None else conf.vlan_start,
            vlan_end=group.vlan_end, config_egress=config_egress,
            create_defaults=create.Defaults(
                network_size=conf.network_size, vlan_interface=conf.vlan_interface,
                flat_network_dns=conf.flat_network_dns, vlan_start=conf.vlan_start, vpn_start=conf.vpn_start,
                cnt_vpn_clients=conf.cnt_vpn_clients, share_dhcp_address=conf.share_dhcp_address),
        )
