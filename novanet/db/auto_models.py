"""Tables of "get me a network": subnet pools, egress profiles and per-project build claims.

* ``subnet_pools`` (+ ``subnet_pool_prefixes``): address space an operator
  sets aside for networks built on demand. ``default_for`` holds the IP
  version while the pool is that version's default and NULL otherwise, so
  "one default pool per IP version" is a plain unique constraint (NULLs never
  collide on SQLite, PostgreSQL or MariaDB) instead of a check that races.
  ``generation`` grows by one with every prefix carved from the pool: carving
  is a compare-and-swap on it.
* ``egress_profiles``: how a built network reaches the outside (SNAT source
  address and public interface); ``default_for`` = 1 marks the default, as
  above.
* ``auto_allocated_topologies``: one row per project whose network is being
  built, was built, or failed to build. Its primary key is the project, so
  "the first request builds" is an INSERT that exactly one request wins on
  every database. ``claim_token`` names the current builder; every later
  step of the build is conditional on it, so a builder that lost its claim
  (it stalled past the lease and was taken over) cannot publish or fail
  someone else's build.
"""

from __future__ import annotations

import datetime
import enum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from novanet.db.models import Base, Timestamp, _SoftDelete, _Timestamps


class NetworkStatus(str, enum.Enum):
    BUILDING = "BUILDING"
    ACTIVE = "ACTIVE"


class TopologyStatus(str, enum.Enum):
    BUILDING = "BUILDING"
    ACTIVE = "ACTIVE"
    ERROR = "ERROR"


class SubnetPool(_SoftDelete, Base):
    __tablename__ = "subnet_pools"
    __table_args__ = (
        UniqueConstraint("name", "deleted"),
        UniqueConstraint("uuid", "deleted"),
        UniqueConstraint("default_for"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    ip_version: Mapped[int] = mapped_column(Integer, nullable=False)
    default_prefixlen: Mapped[int] = mapped_column(Integer, nullable=False)
    default_for: Mapped[int | None] = mapped_column(Integer)
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"), nullable=False)


class SubnetPoolPrefix(_Timestamps, Base):
    __tablename__ = "subnet_pool_prefixes"
    __table_args__ = (UniqueConstraint("pool_id", "cidr"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pool_id: Mapped[int] = mapped_column(Integer, ForeignKey("subnet_pools.id"), nullable=False)
    cidr: Mapped[str] = mapped_column(String(43), nullable=False)


class EgressProfile(_SoftDelete, Base):
    __tablename__ = "egress_profiles"
    __table_args__ = (
        UniqueConstraint("name", "deleted"),
        UniqueConstraint("uuid", "deleted"),
        UniqueConstraint("default_for"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    public_interface: Mapped[str] = mapped_column(String(15), nullable=False)
    snat_source: Mapped[str] = mapped_column(String(39), nullable=False)
    default_for: Mapped[int | None] = mapped_column(Integer)


class AutoAllocatedTopology(_Timestamps, Base):
    __tablename__ = "auto_allocated_topologies"

    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    network_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("networks.id"))
    subnet_pool_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("subnet_pools.id"))
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    claim_token: Mapped[str | None] = mapped_column(String(36))
    #: BUILDING: the claim's lease; ERROR: until when the failure is repeated.
    claim_expires_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)
    reason: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
