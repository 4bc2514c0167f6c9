"""RPC options: the topic, the version cap and the client's timeouts.

The transport itself (``transport_url``, ``control_exchange``,
``rpc_response_timeout``, ``executor_thread_pool_size`` and the ``[oslo_messaging_rabbit]``
group) is oslo.messaging's own; novanet only changes the default of
``control_exchange`` to ``novanet`` (see :mod:`novanet.rpc.transport`). A
deployment whose nova-compute hosts call novanet sets ``control_exchange =
nova`` so that both sides meet on nova's exchange.
"""

from __future__ import annotations

from oslo_config import cfg

UPGRADE_GROUP = "upgrade_levels"

DEFAULT_OPTS: list[cfg.Opt] = [
    cfg.StrOpt(
        "network_topic",
        default="network",
        help="RPC topic of the network service. Every novanet-network consumes "
        "the shared queue <topic>, its own queue <topic>.<host> and the fanout "
        "exchange <topic>_fanout. nova-network used 'network'; change it only "
        "to run separate novanet deployments on one broker and exchange.",
    ),
    cfg.IntOpt(
        "network_rpc_timeout",
        default=0,
        min=0,
        help="Seconds a NetworkAPI call waits for its reply; 0 means "
        "oslo.messaging's rpc_response_timeout.",
    ),
]

UPGRADE_OPTS: list[cfg.Opt] = [
    cfg.StrOpt(
        "network",
        help="Highest network RPC API version this host sends: a version "
        "(e.g. 1.13) or a release name (grizzly, havana, icehouse, juno, kilo, "
        "liberty, mitaka, newton, ocata). Set it while network hosts of an "
        "older release are still running; unset means the newest (1.17).",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(UPGRADE_OPTS, group=UPGRADE_GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", DEFAULT_OPTS), (UPGRADE_GROUP, UPGRADE_OPTS)]
