"""Baremetal nodes, ports, port groups, their VIFs and the audit of switching calls.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0014"
down_revision = "0013"
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


def _flag(name: str, default: bool) -> sa.Column:
    return sa.Column(name, sa.Boolean, nullable=False, server_default=sa.true() if default else sa.false())


def _fk(column: str, table: str, referred: str, nullable: bool = True) -> sa.Column:
    return sa.Column(column, sa.Integer, sa.ForeignKey(f"{referred}.id", name=f"fk_{table}_{column}_{referred}"),
                     nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "baremetal_nodes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("network_provider", sa.String(64)),
        sa.Column("power_state", sa.String(16), nullable=False, server_default=sa.text("'unknown'")),
        sa.Column("net_phase", sa.String(16), nullable=False, server_default=sa.text("'none'")),
        sa.Column("phase_provider", sa.String(64)),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(255)),
        sa.Column("driver_info", sa.Text),
        sa.Column("reservation", sa.String(255)),
        sa.Column("reserved_at", TIMESTAMP),
        sa.Column("last_error", sa.Text),
        *_soft_delete(),
        sa.PrimaryKeyConstraint("id", name="pk_baremetal_nodes"),
        sa.UniqueConstraint("uuid", "deleted", name="uq_baremetal_nodes_uuid_deleted"),
        sa.UniqueConstraint("name", "deleted", name="uq_baremetal_nodes_name_deleted"),
    )
    op.create_index("ix_baremetal_nodes_instance_uuid", "baremetal_nodes", ["instance_uuid"])

    op.create_table(
        "baremetal_portgroups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        _fk("node_id", "baremetal_portgroups", "baremetal_nodes", nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("address", sa.String(17)),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("properties", sa.Text),
        _flag("standalone_ports_supported", True),
        *_soft_delete(),
        sa.PrimaryKeyConstraint("id", name="pk_baremetal_portgroups"),
        sa.UniqueConstraint("uuid", "deleted", name="uq_baremetal_portgroups_uuid_deleted"),
        sa.UniqueConstraint("node_id", "name", "deleted", name="uq_baremetal_portgroups_node_id_name_deleted"),
    )

    op.create_table(
        "baremetal_ports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        _fk("node_id", "baremetal_ports", "baremetal_nodes", nullable=False),
        sa.Column("address", sa.String(17), nullable=False),
        _flag("pxe_enabled", True),
        sa.Column("switch_port", sa.String(255), nullable=False),
        _fk("portgroup_id", "baremetal_ports", "baremetal_portgroups"),
        _fk("network_id", "baremetal_ports", "networks"),
        *_soft_delete(),
        sa.PrimaryKeyConstraint("id", name="pk_baremetal_ports"),
        sa.UniqueConstraint("uuid", "deleted", name="uq_baremetal_ports_uuid_deleted"),
        sa.UniqueConstraint("address", "deleted", name="uq_baremetal_ports_address_deleted"),
        sa.UniqueConstraint("switch_port", "deleted", name="uq_baremetal_ports_switch_port_deleted"),
    )
    op.create_index("ix_baremetal_ports_node_id", "baremetal_ports", ["node_id"])

    op.create_table(
        "baremetal_vifs",
        sa.Column("vif_uuid", sa.String(36), nullable=False),
        _fk("node_id", "baremetal_vifs", "baremetal_nodes", nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        _fk("port_id", "baremetal_vifs", "baremetal_ports"),
        _fk("portgroup_id", "baremetal_vifs", "baremetal_portgroups"),
        _flag("tagged", False),
        _flag("bound", False),
        _flag("pxe", False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("vif_uuid", name="pk_baremetal_vifs"),
    )
    op.create_index("ix_baremetal_vifs_node_id", "baremetal_vifs", ["node_id"])

    op.create_table(
        "baremetal_net_ops",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("node_uuid", sa.String(36), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(64)),
        sa.Column("from_phase", sa.String(16)),
        sa.Column("to_phase", sa.String(16)),
        sa.Column("result", sa.String(64), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("host", sa.String(255)),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_baremetal_net_ops"),
    )
    op.create_index("ix_baremetal_net_ops_node_uuid_id", "baremetal_net_ops", ["node_uuid", "id"])
