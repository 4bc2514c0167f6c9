"""Options for oslo-config-generator (entry point oslo.config.opts: novanet)."""

from __future__ import annotations

import collections

from oslo_config import cfg

from novanet import conf

# novanet changes oslo.messaging's control_exchange default to "novanet".
# The generator imports every namespace's module before it asks any of them
# for options (and oslo.messaging hands out copies), so apply it at import.
import novanet.rpc.transport  # noqa: E402,F401


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """Every option novanet registers, grouped and sorted by group name."""
    grouped: dict[str, list[cfg.Opt]] = collections.defaultdict(list)
    for module in conf.MODULES:
        for group, opts in module.list_opts():
            grouped[group].extend(opts)
    return sorted(grouped.items(), key=lambda item: (item[0] != "DEFAULT", item[0]))
