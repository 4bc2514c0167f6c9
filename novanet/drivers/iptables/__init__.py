"""The iptables driver: wrapped chains, their apply backends, nova's rules.

* :mod:`.model` - the in-memory tables: wrapped chains ``<binary>-<name>``,
  rules with owners (tags), change tracking;
* :mod:`.firewall` - :class:`IptablesFirewall`: nova-network's chain layout,
  tagged :meth:`~IptablesFirewall.ensure`, the coalesced (group-commit)
  :meth:`~IptablesFirewall.apply` and the full converge
  :meth:`~IptablesFirewall.sync`;
* :mod:`.plan` - pure planning of ``iptables-restore --noflush`` text that
  writes only changed chains and never disturbs other tools' rules;
* :mod:`.ruletext`, :mod:`.savefile` - rule text canonicalisation and
  ``iptables-save`` parsing;
* backends (entry points ``novanet.firewall_backends``, :mod:`.backend`):
  :mod:`.restore` (``iptables-restore``, nft or legacy, detected by
  :mod:`.detect`), :mod:`.libiptc` (``python-iptables``, an optional
  plugin), :mod:`.fake`;
  :mod:`.privileged` runs their commands and calls inside a network namespace;
* :mod:`.builders` - pure rule builders from ``NetworkSpec`` /
  ``FloatingForward`` and options.

The only modules that touch the kernel are :mod:`.privileged` and the
backends that run through it.
"""

from novanet.drivers.iptables.backend import FirewallBackend, create_backend
from novanet.drivers.iptables.firewall import ApplyStats, IptablesFirewall
from novanet.drivers.iptables.model import (
    DEFAULT_BINARY_NAME, FILTER_TOP, POSTROUTING_BOTTOM, ChainSpec, IptablesTable, RuleItem, RuleSpec)

__all__ = [
    "DEFAULT_BINARY_NAME", "FILTER_TOP", "POSTROUTING_BOTTOM", "ApplyStats", "ChainSpec", "FirewallBackend",
    "IptablesFirewall", "IptablesTable", "RuleItem", "RuleSpec", "create_backend",
]
