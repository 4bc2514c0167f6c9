"""Get me a network: subnet pools, egress profiles, build claims, network status.

Revision ID: 0013
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0013"
down_revision = "0001"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", TIMESTAMP, nullable=False), sa.Column("updated_at", TIMESTAMP)]


def _soft_delete() -> list[sa.Column]:
    return _timestamps() + [
        sa.Column("deleted_at", TIMESTAMP),
        sa.Column("deleted", sa.Integer, nullable=False, server_default=sa.text("0")),
    ]


def upgrade() -> None:
    op.create_table(
        "subnet_pools",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("ip_version", sa.Integer, nullable=False),
        sa.Column("default_prefixlen", sa.Integer, nullable=False),
        sa.Column("default_for", sa.Integer),
        sa.Column("generation", sa.Integer, nullable=False, server_default=sa.text("0")),
        *_soft_delete(),
        sa.PrimaryKeyConstraint("id", name="pk_subnet_pools"),
        sa.UniqueConstraint("name", "deleted", name="uq_subnet_pools_name_deleted"),
        sa.UniqueConstraint("uuid", "deleted", name="uq_subnet_pools_uuid_deleted"),
        sa.UniqueConstraint("default_for", name="uq_subnet_pools_default_for"),
    )
    op.create_table(
        "subnet_pool_prefixes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pool_id", sa.Integer,
                  sa.ForeignKey("subnet_pools.id", name="fk_subnet_pool_prefixes_pool_id_subnet_pools"),
                  nullable=False),
        sa.Column("cidr", sa.String(43), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_subnet_pool_prefixes"),
        sa.UniqueConstraint("pool_id", "cidr", name="uq_subnet_pool_prefixes_pool_id_cidr"),
    )
    op.create_table(
        "egress_profiles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("public_interface", sa.String(15), nullable=False),
        sa.Column("snat_source", sa.String(39), nullable=False),
        sa.Column("default_for", sa.Integer),
        *_soft_delete(),
        sa.PrimaryKeyConstraint("id", name="pk_egress_profiles"),
        sa.UniqueConstraint("name", "deleted", name="uq_egress_profiles_name_deleted"),
        sa.UniqueConstraint("uuid", "deleted", name="uq_egress_profiles_uuid_deleted"),
        sa.UniqueConstraint("default_for", name="uq_egress_profiles_default_for"),
    )
    op.create_table(
        "auto_allocated_topologies",
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("network_id", sa.Integer,
                  sa.ForeignKey("networks.id", name="fk_auto_allocated_topologies_network_id_networks")),
        sa.Column("subnet_pool_id", sa.Integer,
                  sa.ForeignKey("subnet_pools.id", name="fk_auto_allocated_topologies_subnet_pool_id_subnet_pools")),
        sa.Column("claimed_by", sa.String(255)),
        sa.Column("claim_token", sa.String(36)),
        sa.Column("claim_expires_at", TIMESTAMP),
        sa.Column("reason", sa.String(32)),
        sa.Column("last_error", sa.Text),
        *_timestamps(),
        sa.PrimaryKeyConstraint("project_id", name="pk_auto_allocated_topologies"),
    )
    # Plain columns (no foreign key): SQLite cannot add a constraint to an
    # existing table without copying it, and nothing needs one here.
    op.add_column("networks", sa.Column("status", sa.String(16), nullable=False, server_default="ACTIVE"))
    op.add_column("networks", sa.Column("egress_id", sa.Integer))


def downgrade() -> None:
    op.drop_column("networks", "egress_id")
    op.drop_column("networks", "status")
    op.drop_table("auto_allocated_topologies")
    op.drop_table("egress_profiles")
    op.drop_table("subnet_pool_prefixes")
    op.drop_table("subnet_pools")
