"""Options of "get me a network": a project's network made on its first ``auto`` boot ([auto_allocate])."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "auto_allocate"

OPTS: list[cfg.Opt] = [
    cfg.BoolOpt(
        "enabled",
        default=True,
        help="Build a project's network when a boot asks for networks 'auto' and the project "
        "has none. When false, 'auto' still uses a network the project already has, and the "
        "dry-run reports DISABLED otherwise.",
    ),
    cfg.IntOpt(
        "build_timeout",
        default=60,
        min=1,
        help="Seconds a request waits for another request's build of the same project's "
        "network before it fails with BUILD_TIMEOUT.",
    ),
    cfg.IntOpt(
        "claim_lease",
        default=15,
        min=2,
        help="Seconds a build's claim lasts without renewal. The building daemon renews it "
        "every third of this while it works; a claim left to expire (the daemon died) is "
        "taken over by the next request for that project.",
    ),
    cfg.IntOpt(
        "failed_build_hold",
        default=10,
        min=1,
        help="Seconds the record of a failed build stays, so that requests that were "
        "waiting for it receive the same failure; the first request after that builds "
        "again. Ignored when keep_failed_topology is set.",
    ),
    cfg.BoolOpt(
        "keep_failed_topology",
        default=False,
        help="Keep the record of a failed build until an operator deletes it "
        "('novanet-manage auto-allocate delete'): every 'auto' boot of that project fails "
        "the same way until then.",
    ),
    cfg.IntOpt(
        "allocation_retries",
        default=10,
        min=1,
        help="Attempts to carve a prefix and VLAN when concurrent builds of other projects "
        "take the same ones first (then POOL_CONTENTION).",
    ),
    cfg.IntOpt(
        "retry_jitter_ms",
        default=50,
        min=0,
        help="Upper bound of the random pause before such a retry, in milliseconds.",
    ),
    cfg.StrOpt(
        "network_label",
        default="auto_allocated_network",
        help="Label of the networks built for projects.",
    ),
    cfg.IntOpt(
        "vlan_start",
        min=1,
        max=4094,
        help="First VLAN number of project networks built automatically (VLAN manager). "
        "Default: [DEFAULT] vlan_start.",
    ),
    cfg.IntOpt(
        "vlan_end",
        default=4094,
        min=1,
        max=4094,
        help="Last VLAN number of project networks built automatically (VLAN manager).",
    ),
    cfg.BoolOpt(
        "egress_from_config",
        default=False,
        help="Without a default egress (novanet-manage egress create ... --default), SNAT "
        "auto-allocated networks to [DEFAULT] routing_source_ip through public_interface, "
        "as nova-network did for every network. When false the dry-run reports "
        "NO_DEFAULT_EGRESS instead.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [(GROUP, OPTS)]
