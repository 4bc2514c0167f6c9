"""Tables of baremetal nodes, their ports and port groups, and their network state.

A node's NICs are *ports* (MAC, PXE flag, the switch port they are cabled
to); ports may be bundled into a *port group* (a bond on the node, a LAG on
the switch). Which network a port's switch port is on (``network_id``, NULL
while it is on none) and which phase the node is in are the facts the
network providers (``novanet/providers``) keep; VIFs stay ordinary
``virtual_interfaces`` rows, and ``baremetal_vifs`` says which node, port or
group and purpose each baremetal VIF belongs to and whether DHCP serves it.

Imported by :mod:`novanet.db.models`, so the tables are on its metadata.
"""

from __future__ import annotations

import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from novanet.db.models import Base, Timestamp, _SoftDelete, _Timestamps, utcnow


class BaremetalNode(_SoftDelete, Base):
    """A baremetal node as far as its networks go; the conductor owns the rest.

    ``network_provider`` NULL means ``[baremetal] default_network_provider``,
    resolved at each switch; ``phase_provider`` remembers which provider put
    the node in ``net_phase``. ``reservation`` is the cross-process lock: the
    holder's token, taken by compare-and-set (see ``node_reserve``).
    """

    __tablename__ = "baremetal_nodes"
    __table_args__ = (
        UniqueConstraint("uuid", "deleted"),
        UniqueConstraint("name", "deleted"),
        Index(None, "instance_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    name: Mapped[str] = mapped_column(String(63), nullable=False)
    network_provider: Mapped[str | None] = mapped_column(String(64))
    power_state: Mapped[str] = mapped_column(String(16), nullable=False, default="unknown",
                                             server_default=text("'unknown'"))
    net_phase: Mapped[str] = mapped_column(String(16), nullable=False, default="none",
                                           server_default=text("'none'"))
    phase_provider: Mapped[str | None] = mapped_column(String(64))
    #: The instance whose tenant VIFs the node carries.
    instance_uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    project_id: Mapped[str | None] = mapped_column(String(255))
    #: JSON object: per-node ``provisioning_network``/``cleaning_network``/``rescuing_network``.
    driver_info: Mapped[str | None] = mapped_column(Text)
    reservation: Mapped[str | None] = mapped_column(String(255))
    reserved_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)
    last_error: Mapped[str | None] = mapped_column(Text)


class BaremetalPortgroup(_SoftDelete, Base):
    """Ports bundled as one link (bond): they always move together."""

    __tablename__ = "baremetal_portgroups"
    __table_args__ = (
        UniqueConstraint("uuid", "deleted"),
        UniqueConstraint("node_id", "name", "deleted"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    node_id: Mapped[int] = mapped_column(Integer, ForeignKey("baremetal_nodes.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(63), nullable=False)
    #: The bond's MAC: given, or the first member's; never changed afterwards.
    address: Mapped[str | None] = mapped_column(String(17))
    mode: Mapped[str] = mapped_column(String(32), nullable=False, default="active-backup")
    #: JSON object of bond properties (``miimon``, ``xmit_hash_policy``, ...).
    properties: Mapped[str | None] = mapped_column(Text)
    standalone_ports_supported: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True,
                                                             server_default=true())


class BaremetalPort(_SoftDelete, Base):
    """One NIC of a node and the switch port it is cabled to."""

    __tablename__ = "baremetal_ports"
    __table_args__ = (
        UniqueConstraint("uuid", "deleted"),
        UniqueConstraint("address", "deleted"),
        UniqueConstraint("switch_port", "deleted"),
        Index(None, "node_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    node_id: Mapped[int] = mapped_column(Integer, ForeignKey("baremetal_nodes.id"), nullable=False)
    address: Mapped[str] = mapped_column(String(17), nullable=False)
    pxe_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
    switch_port: Mapped[str] = mapped_column(String(255), nullable=False)
    portgroup_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("baremetal_portgroups.id"))
    #: The network whose segment the switch port is on, as novanet last set
    #: it; NULL: on none (no master, down).
    network_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("networks.id"))


class BaremetalVif(_Timestamps, Base):
    """A VIF of a baremetal node: what it is for, where it sits, whether DHCP serves it.

    A tenant VIF (``purpose`` tenant) is attached to a port or a group and
    *bound* while the node is on its network: then its MAC is the port's or
    group's, and DHCP serves it; unbound it keeps a MAC of its own and is
    not served. ``tagged`` VIFs are VLANs on top of their carrier and always
    keep their own MAC. A management VIF (provisioning, cleaning, rescuing)
    exists only while the node is on that network and has the port's MAC.
    ``pxe``: DHCP answers it with the PXE boot options.
    """

    __tablename__ = "baremetal_vifs"
    __table_args__ = (Index(None, "node_id"),)

    vif_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    node_id: Mapped[int] = mapped_column(Integer, ForeignKey("baremetal_nodes.id"), nullable=False)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    port_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("baremetal_ports.id"))
    portgroup_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("baremetal_portgroups.id"))
    tagged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    bound: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    pxe: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())


class BaremetalNetOp(Base):
    """Append-only audit of every switching call on a node, won or lost."""

    __tablename__ = "baremetal_net_ops"
    __table_args__ = (Index(None, "node_uuid", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    method: Mapped[str] = mapped_column(String(64), nullable=False)
    provider: Mapped[str | None] = mapped_column(String(64))
    from_phase: Mapped[str | None] = mapped_column(String(16))
    to_phase: Mapped[str | None] = mapped_column(String(16))
    #: ``ok`` or the error's class name.
    result: Mapped[str] = mapped_column(String(64), nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
