"""Option values and address spelling shared by the rule builders."""

from __future__ import annotations

import dataclasses

from oslo_config import cfg as oslo_cfg

from novanet import exception
from novanet.drivers.iptables import ruletext

__all__ = ["RuleConfig", "address", "family_of", "network"]


@dataclasses.dataclass(frozen=True)
class RuleConfig:
    """The option values rule builders need (nova's names in comments)."""

    routing_source_ip: str | None = None  # routing_source_ip
    public_interface: str | None = None  # public_interface
    dmz_cidr: tuple[str, ...] = ()  # dmz_cidr
    force_snat_range: tuple[str, ...] = ()  # force_snat_range
    metadata_host: str | None = None  # metadata_host
    metadata_port: int = 8775  # metadata_port
    forward_bridge_interface: tuple[str, ...] = ("all",)  # forward_bridge_interface
    drop_action: str = "DROP"  # iptables_drop_action
    floating_ip_buckets: int = 256  # [iptables] floating_ip_buckets
    project_mark_mask: int = 0x0FFF0000  # [iptables] project_mark_mask
    conductor_ports: tuple[int, ...] = ()  # [baremetal] conductor_ports

    def __post_init__(self) -> None:
        buckets = self.floating_ip_buckets
        if buckets < 0 or buckets > 256 or (buckets & (buckets - 1)):
            raise exception.InvalidConfig(reason=f"floating_ip_buckets must be 0 or a power of two up to 256, "
                                                 f"not {buckets}")
        if not 0 < self.project_mark_mask <= 0xFFFFFFFF:
            raise exception.InvalidConfig(reason=f"project_mark_mask {self.project_mark_mask:#x} is not a "
                                                 "non-zero 32-bit mask")
        action = self.drop_action.split()
        if len(action) != 1:
            raise exception.InvalidConfig(reason=f"iptables_drop_action must be one target, "
                                                 f"not {self.drop_action!r}")

    @classmethod
    def from_conf(cls, conf: oslo_cfg.ConfigOpts | None = None) -> RuleConfig:
        """Read the options (``[DEFAULT]`` nova names and ``[iptables]``)."""
        if conf is None:
            from novanet.conf import CONF
            conf = CONF
        try:
            mask = int(conf.iptables.project_mark_mask, 0)
        except ValueError as exc:
            raise exception.InvalidConfig(reason=f"[iptables] project_mark_mask "
                                                 f"{conf.iptables.project_mark_mask!r} is not a number") from exc
        return cls(
            routing_source_ip=conf.routing_source_ip or None,
            public_interface=conf.public_interface or None,
            dmz_cidr=tuple(conf.dmz_cidr),
            force_snat_range=tuple(conf.force_snat_range),
            metadata_host=conf.metadata_host or None,
            metadata_port=conf.metadata_port,
            forward_bridge_interface=tuple(conf.forward_bridge_interface),
            drop_action=conf.iptables_drop_action,
            floating_ip_buckets=conf.iptables.floating_ip_buckets,
            project_mark_mask=mask,
            conductor_ports=tuple(conf.baremetal.conductor_ports),
        )

    def drop_target(self, family: int = 4) -> str:
        """The drop action as iptables-save prints it (``REJECT`` gains its default)."""
        return ruletext.canonical(f"-j {self.drop_action}", family)[3:]


def address(value: str, family: int | None = None) -> str:
    """A host address in canonical form (``10.0.0.3/32``).

    :raises InvalidAddress: not an IP address (of ``family`` when given).
    """
    return _canonical(value.split("/")[0], family, exception.InvalidAddress(address=value))


def network(value: str, family: int | None = None) -> str:
    """A network in canonical form (``10.0.0.0/24``).

    :raises InvalidCidr: not a network (of ``family`` when given).
    """
    return _canonical(value, family, exception.InvalidCidr(cidr=value))


def _canonical(value: str, family: int | None, error: exception.NovanetError) -> str:
    for version in (family,) if family else (4, 6):
        try:
            found = ruletext.canonical_address(value, version)
        except ruletext.UnsupportedRule:
            continue
        return found if found is not None else ("0.0.0.0/0" if version == 4 else "::/0")
    raise error


def family_of(value: str) -> int:
    """4 or 6 for an address or network."""
    return 6 if ":" in value else 4
