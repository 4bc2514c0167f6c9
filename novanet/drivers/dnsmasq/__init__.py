"""dnsmasq: DHCP (and multi_host DNS) for novanet's networks.

One dnsmasq per network on this host, inside ``[linux_net] namespace``. A host
added or removed is one file in a ``--dhcp-hostsdir`` that dnsmasq reads by
inotify, so it costs no reload; the bulk of the hosts sits in one base
``--dhcp-hostsfile`` that is only rewritten before a restart or a reload.

* :mod:`.render` — pure: argv, options file, host entries, DNS names, lease lines.
* :mod:`.paths` — the per-network file names under ``networks_path``.
* :mod:`.hostsdir` — base file, per-host files, and what dnsmasq still remembers.
* :mod:`.process` — finding, starting, reloading and stopping a dnsmasq.
* :mod:`.supervisor` — :class:`DnsmasqSupervisor`, what the LinuxNetDriver calls.
* :mod:`.backend` — the ``FileStore`` and ``ProcessTable`` protocols the
  supervisor acts through; :mod:`.privileged` (every host-touching call) is
  their real implementation, :mod:`.fake` the in-memory one.

``novanet-dhcpbridge init`` prints :func:`render_leases` of the leases the
store knows.
"""

from novanet.drivers.dnsmasq.supervisor import DnsmasqSupervisor
from novanet.drivers.dnsmasq.process import ProcessState, ProcessStatus
from novanet.drivers.dnsmasq.render import render_leases
from novanet.drivers.dnsmasq.settings import DnsmasqSettings, settings_from_conf

__all__ = [
    "DnsmasqSupervisor",
    "DnsmasqSettings",
    "ProcessState",
    "ProcessStatus",
    "render_leases",
    "settings_from_conf",
]
