"""Tables of the fact store.

nova-network's schema, trimmed to what networking needs and tightened where
nova-network relied on luck:

* Soft delete (``deleted`` = 0 while live, = the row id once deleted) where
  nova-network used it, so that unique constraints hold among live rows only.
* Real constraints: one live network per VLAN, per bridge, per IPv4 and per
  IPv6 CIDR; one live fixed IP per (network, address); one live floating IP
  per address; one live interface per MAC.
* ``fixed_ips.updated_at`` is never NULL: the allocator hands out the least
  recently touched free address, and NULLs sort differently in PostgreSQL
  and MariaDB.
* ``quota_usages`` and ``project_network_claims`` let quota checks and a
  project's first network be decided by one atomic statement instead of
  ``SELECT ... FOR UPDATE`` (which SQLite lacks and Galera ignores).

No relationships are mapped: the API module issues explicit queries and hands
out detached rows, so nothing lazy-loads behind a caller's back.
"""

from __future__ import annotations

import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Names every constraint, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: Timestamps keep microseconds everywhere (MariaDB's DATETIME defaults to
#: whole seconds, which would make "least recently touched" a coin toss).
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def utcnow() -> datetime.datetime:
    """Now, as the naive UTC timestamp every table stores."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def index_applies(index: Index, dialect_name: str) -> bool:
    """Whether ``index`` exists on ``dialect_name`` (see ``ddl_if`` below)."""
    condition = getattr(index, "_ddl_if", None)
    if condition is None or condition.dialect is None:
        return True
    wanted = condition.dialect
    return dialect_name == wanted if isinstance(wanted, str) else dialect_name in wanted


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class _Timestamps:
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)


class _SoftDelete(_Timestamps):
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)
    deleted: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"), nullable=False)


# NOTE(sqlalchemy): ddl_if accepts a tuple of dialect names at run time
# (DDLIf._should_execute), although its annotation says str.
PARTIAL_INDEX_DIALECTS = ("postgresql", "sqlite")
COMPOSITE_INDEX_DIALECTS = ("mysql", "mariadb")
FREE_FIXED_IP = text("deleted = 0 AND NOT reserved AND NOT leased AND instance_uuid IS NULL AND host IS NULL")
RELEASED_FIXED_IP = text("deleted = 0 AND NOT allocated AND instance_uuid IS NOT NULL")
FREE_FLOATING_IP = text("deleted = 0 AND project_id IS NULL AND fixed_ip_id IS NULL")


class Network(_SoftDelete, Base):
    __tablename__ = "networks"
    __table_args__ = (
        UniqueConstraint("vlan", "deleted"),
        UniqueConstraint("bridge", "deleted"),
        UniqueConstraint("cidr", "deleted"),
        UniqueConstraint("cidr_v6", "deleted"),
        UniqueConstraint("uuid", "deleted"),
        Index(None, "host"),
        Index(None, "project_id", "deleted"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    label: Mapped[str | None] = mapped_column(String(255))
    injected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    cidr: Mapped[str | None] = mapped_column(String(43))
    cidr_v6: Mapped[str | None] = mapped_column(String(43))
    multi_host: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    netmask: Mapped[str | None] = mapped_column(String(39))
    gateway: Mapped[str | None] = mapped_column(String(39))
    broadcast: Mapped[str | None] = mapped_column(String(39))
    netmask_v6: Mapped[str | None] = mapped_column(String(39))
    gateway_v6: Mapped[str | None] = mapped_column(String(39))
    bridge: Mapped[str | None] = mapped_column(String(15))
    bridge_interface: Mapped[str | None] = mapped_column(String(15))
    dns1: Mapped[str | None] = mapped_column(String(39))
    dns2: Mapped[str | None] = mapped_column(String(39))
    vlan: Mapped[int | None] = mapped_column(Integer)
    vpn_public_address: Mapped[str | None] = mapped_column(String(39))
    vpn_public_port: Mapped[int | None] = mapped_column(Integer)
    vpn_private_address: Mapped[str | None] = mapped_column(String(39))
    dhcp_start: Mapped[str | None] = mapped_column(String(39))
    rxtx_base: Mapped[int | None] = mapped_column(Integer)
    project_id: Mapped[str | None] = mapped_column(String(255))
    priority: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    mtu: Mapped[int | None] = mapped_column(Integer)
    dhcp_server: Mapped[str | None] = mapped_column(String(39))
    enable_dhcp: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), nullable=False)
    share_address: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    #: BUILDING while a project's network is being made for an ``auto`` boot
    #: (invisible to allocation), ACTIVE otherwise; see novanet.db.auto_allocation.
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE", server_default="ACTIVE", nullable=False)
    #: The egress profile (SNAT source and public interface) of the network, if any.
    egress_id: Mapped[int | None] = mapped_column(Integer)


class Instance(_SoftDelete, Base):
    """An instance as far as networking needs it; compute owns the rest."""

    __tablename__ = "instances"
    __table_args__ = (
        UniqueConstraint("uuid", "deleted"),
        Index(None, "host"),
        Index(None, "project_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    project_id: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    host: Mapped[str | None] = mapped_column(String(255))
    launched_on: Mapped[str | None] = mapped_column(String(255))
    hostname: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    availability_zone: Mapped[str | None] = mapped_column(String(255))


class VirtualInterface(_SoftDelete, Base):
    __tablename__ = "virtual_interfaces"
    __table_args__ = (
        UniqueConstraint("address", "deleted"),
        UniqueConstraint("uuid", "deleted"),
        Index(None, "instance_uuid"),
        Index(None, "network_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(255), nullable=False)
    network_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("networks.id"))
    instance_uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    tag: Mapped[str | None] = mapped_column(String(255))


class FixedIp(_SoftDelete, Base):
    """One row per address of a network, made when the network is created.

    ``instance_uuid`` set = associated; ``allocated`` = in use by a VIF;
    ``leased`` = dnsmasq holds a lease; ``host`` = the per-host DHCP address
    of a multi_host network.
    """

    __tablename__ = "fixed_ips"
    __table_args__ = (
        UniqueConstraint("network_id", "address", "deleted"),
        # The allocator's query ("free rows of network N, least recently
        # touched first") must read a handful of index entries however full
        # the network is. NOTE(postgresql): an IS NULL condition does not let
        # the planner use the index order after it, so PostgreSQL (and SQLite)
        # get a partial index of free rows ordered by (updated_at, id);
        # MariaDB has no partial indexes but treats IS NULL as an equality.
        Index(
            "ix_fixed_ips_free_partial",
            "network_id",
            "updated_at",
            "id",
            postgresql_where=FREE_FIXED_IP,
            sqlite_where=FREE_FIXED_IP,
        ).ddl_if(dialect=PARTIAL_INDEX_DIALECTS),  # type: ignore[arg-type]
        Index(
            "ix_fixed_ips_free_composite",
            "network_id",
            "deleted",
            "reserved",
            "leased",
            "instance_uuid",
            "host",
            "updated_at",
            "id",
        ).ddl_if(dialect=COMPOSITE_INDEX_DIALECTS),  # type: ignore[arg-type]
        Index(None, "address"),
        Index(None, "instance_uuid"),
        Index(None, "virtual_interface_id"),
        # The timeout task's "deallocated, still associated" rows: few at any
        # time. NOTE(sqlite): a plain (deleted, ...) index here made SQLite's
        # planner prefer it over instance_uuid for an instance's addresses
        # and scan whole networks.
        Index(
            "ix_fixed_ips_released_partial",
            "updated_at",
            postgresql_where=RELEASED_FIXED_IP,
            sqlite_where=RELEASED_FIXED_IP,
        ).ddl_if(dialect=PARTIAL_INDEX_DIALECTS),  # type: ignore[arg-type]
        Index("ix_fixed_ips_released_composite", "allocated", "updated_at").ddl_if(
            dialect=COMPOSITE_INDEX_DIALECTS),  # type: ignore[arg-type]
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(39), nullable=False)
    network_id: Mapped[int] = mapped_column(Integer, ForeignKey("networks.id"), nullable=False)
    virtual_interface_id: Mapped[int | None] = mapped_column(Integer)
    instance_uuid: Mapped[str | None] = mapped_column(String(36))
    allocated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    leased: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    reserved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    host: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime.datetime] = mapped_column(
        Timestamp, default=utcnow, onupdate=utcnow, nullable=False
    )


class FloatingIp(_SoftDelete, Base):
    __tablename__ = "floating_ips"
    __table_args__ = (
        UniqueConstraint("address", "deleted"),
        Index(None, "fixed_ip_id"),
        Index(None, "host"),
        Index(None, "project_id"),
        Index(
            "ix_floating_ips_free_partial",
            "pool",
            "updated_at",
            "id",
            postgresql_where=FREE_FLOATING_IP,
            sqlite_where=FREE_FLOATING_IP,
        ).ddl_if(dialect=PARTIAL_INDEX_DIALECTS),  # type: ignore[arg-type]
        Index(
            "ix_floating_ips_free_composite",
            "pool",
            "deleted",
            "project_id",
            "fixed_ip_id",
            "updated_at",
            "id",
        ).ddl_if(dialect=COMPOSITE_INDEX_DIALECTS),  # type: ignore[arg-type]
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(39), nullable=False)
    fixed_ip_id: Mapped[int | None] = mapped_column(Integer)
    project_id: Mapped[str | None] = mapped_column(String(255))
    host: Mapped[str | None] = mapped_column(String(255))
    auto_assigned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    pool: Mapped[str] = mapped_column(String(255), nullable=False)
    interface: Mapped[str | None] = mapped_column(String(255))


class Service(_SoftDelete, Base):
    """A running novanet process and its heartbeat (``updated_at``)."""

    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("host", "binary", "deleted"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255), nullable=False)
    binary: Mapped[str] = mapped_column(String(255), nullable=False)
    topic: Mapped[str | None] = mapped_column(String(255))
    report_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"), nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    last_seen_up: Mapped[datetime.datetime | None] = mapped_column(Timestamp)


class QuotaUsage(_Timestamps, Base):
    """How much of a resource a project holds; changed only by atomic increments."""

    __tablename__ = "quota_usages"
    __table_args__ = (UniqueConstraint("project_id", "resource"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), nullable=False)
    resource: Mapped[str] = mapped_column(String(255), nullable=False)
    in_use: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"), nullable=False)


class ProjectNetworkClaim(_Timestamps, Base):
    """The network a project got on first use (VLAN mode); one per project.

    Its primary key makes "a project's first network" a single atomic insert:
    of two hosts associating a network to the same new project at once, one
    insert fails and that host uses the winner's network.
    """

    __tablename__ = "project_network_claims"

    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    network_id: Mapped[int] = mapped_column(Integer, ForeignKey("networks.id"), nullable=False)


class DnsDomain(_Timestamps, Base):
    __tablename__ = "dns_domains"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    scope: Mapped[str | None] = mapped_column(String(255))
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)


class DnsEntry(_Timestamps, Base):
    """A DNS record kept by the ``db`` DNS driver (nova's MiniDNS, but shared)."""

    __tablename__ = "dns_entries"
    __table_args__ = (UniqueConstraint("domain", "name"), Index(None, "address"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    address: Mapped[str] = mapped_column(String(39), nullable=False)
    type: Mapped[str] = mapped_column(String(8), nullable=False, default="A")
    note: Mapped[str | None] = mapped_column(Text)


# The tables of "get me a network" (subnet pools, egress profiles, build
# claims) live in their own module; importing it registers them here.
from novanet.db import auto_models  # noqa: E402,F401
# The baremetal tables live in their own module; importing it here puts them
# on Base.metadata for migrations and for whoever imports the models.
from novanet.db import baremetal_models  # noqa: E402,F401
