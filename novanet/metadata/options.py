"""The settings of the metadata layer, as one frozen value.

Library code takes a :class:`MetadataOptions` rather than reading the global
``CONF``, so tests build exactly the settings they need; the executables
call :meth:`MetadataOptions.from_conf`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import netaddr

from novanet import exception


@dataclasses.dataclass(frozen=True)
class MetadataOptions:
    """Everything the content, identification and drive code need to know.

    :param dhcp_domain: appended to host names in meta_data.json (nova's
        ``dhcp_domain``; empty for bare host names).
    :param proxy_mode: identify instances by signed ``X-Instance-ID`` /
        ``X-Tenant-ID`` headers from a proxy instead of by source address.
    :param shared_secret: the HMAC key of proxy mode. Never logged or shown
        in ``repr``.
    :param trusted_proxies: CIDRs whose ``X-Forwarded-For`` is believed;
        from anyone else the header is refused.
    :param injected_network_template: path of the interfaces template (None:
        the shipped one).
    :param virt_type: hypervisor type (``lxc`` changes the template's IPv6).
    :param cache_ttl: seconds an instance lookup is remembered (0: never).
    """

    dhcp_domain: str = "novalocal"
    proxy_mode: bool = False
    shared_secret: str = dataclasses.field(default="", repr=False)
    trusted_proxies: tuple[str, ...] = ()
    injected_network_template: str | None = None
    virt_type: str | None = None
    cache_ttl: float = 15.0

    def __post_init__(self) -> None:
        for cidr in self.trusted_proxies:
            try:
                netaddr.IPNetwork(cidr)
            except (netaddr.AddrFormatError, TypeError, ValueError) as exc:
                raise exception.InvalidConfig(reason=f"trusted_proxies entry {cidr!r} is not an address or CIDR") from exc
        if self.proxy_mode and not self.shared_secret:
            # NOTE(proxy-secret): nova only warned; an empty HMAC key lets
            # anyone compute a valid signature for any instance.
            raise exception.InvalidConfig(
                reason="[metadata] service_metadata_proxy is set but metadata_proxy_shared_secret is empty"
            )

    def trusted_networks(self) -> list[netaddr.IPNetwork]:
        return [netaddr.IPNetwork(c) for c in self.trusted_proxies]

    @classmethod
    def from_conf(cls, conf: Any) -> MetadataOptions:
        """Read ``[DEFAULT] dhcp_domain`` and the ``[metadata]`` group of ``conf``."""
        group = conf.metadata
        return cls(
            dhcp_domain=getattr(conf, "dhcp_domain", "novalocal") or "",
            proxy_mode=group.service_metadata_proxy,
            shared_secret=group.metadata_proxy_shared_secret or "",
            trusted_proxies=tuple(group.trusted_proxies or ()),
            injected_network_template=group.injected_network_template,
            cache_ttl=float(group.metadata_cache_expiration),
        )
