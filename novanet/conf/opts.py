"""Options for oslo-config-generator (entry point oslo.config.opts: novanet)."""

from __future__ import annotations

import collections

from oslo_config import cfg

from novanet import conf


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """Every option novanet registers, grouped and sorted by group name."""
    grouped: dict[str, list[cfg.Opt]] = collections.defaultdict(list)
    for module in conf.MODULES:
        for group, opts in module.list_opts():
            grouped[group].extend(opts)
    return sorted(grouped.items(), key=lambda item: (item[0] != "DEFAULT", item[0]))
