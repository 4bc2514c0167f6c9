"""The initial fact store.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# Microsecond timestamps on MariaDB too (its DATETIME defaults to seconds).
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


FREE_FIXED_IP = sa.text("deleted = 0 AND NOT reserved AND NOT leased AND instance_uuid IS NULL AND host IS NULL")
RELEASED_FIXED_IP = sa.text("deleted = 0 AND NOT allocated AND instance_uuid IS NOT NULL")
FREE_FLOATING_IP = sa.text("deleted = 0 AND project_id IS NULL AND fixed_ip_id IS NULL")


def _partial_indexes() -> bool:
    """PostgreSQL and SQLite get partial indexes of free rows; MariaDB composites."""
    return op.get_bind().dialect.name in ("postgresql", "sqlite")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP),
    ]


def _soft_delete() -> list[sa.Column]:
    return _timestamps() + [
        sa.Column("deleted_at", TIMESTAMP),
        sa.Column("deleted", sa.Integer, nullable=False, server_default=sa.text("0")),
    ]


def _flag(name: str, default: bool) -> sa.Column:
    return sa.Column(name, sa.Boolean, nullable=False, server_default=sa.true() if default else sa.false())


def upgrade() -> None:
    op.create_table(
        "networks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("label", sa.String(255)),
        _flag("injected", False),
        sa.Column("cidr", sa.String(43)),
        sa.Column("cidr_v6", sa.String(43)),
        _flag("multi_host", False),
        sa.Column("netmask", sa.String(39)),
        sa.Column("gateway", sa.String(39)),
        sa.Column("broadcast", sa.String(39)),
        sa.Column("netmask_v6", sa.String(39)),
        sa.Column("gateway_v6", sa.String(39)),
        sa.Column("bridge", sa.String(15)),
        sa.Column("bridge_interface", sa.String(15)),
        sa.Column("dns1", sa.String(39)),
        sa.Column("dns2", sa.String(39)),
        sa.Column("vlan", sa.Integer),
        sa.Column("vpn_public_address", sa.String(39)),
        sa.Column("vpn_public_port", sa.Integer),
        sa.Column("vpn_private_address", sa.String(39)),
        sa.Column("dhcp_start", sa.String(39)),
        sa.Column("rxtx_base", sa.Integer),
        sa.Column("project_id", sa.String(255)),
        sa.Column("priority", sa.Integer),
        sa.Column("host", sa.String(255)),
        sa.Column("mtu", sa.Integer),
        sa.Column("dhcp_server", sa.String(39)),
        _flag("enable_dhcp", True),
        _flag("share_address", False),
        *_soft_delete(),
        sa.PrimaryKeyConstraint("id", name="pk_networks"),
        sa.UniqueConstraint("vlan", "deleted", name="uq_networks_vlan_deleted"),
        sa.UniqueConstraint("bridge", "deleted", name="uq_networks_bridge_deleted"),
        sa.UniqueConstraint("cidr", "deleted", name="uq_networks_cidr_deleted"),
        sa.UniqueConstraint("cidr_v6", "deleted", name="uq_networks_cidr_v6_deleted"),
        sa.UniqueConstraint("uuid", "deleted", name="uq_networks_uuid_deleted"),
    )
    op.create_index("ix_networks_host", "networks", ["host"])
    op.create_index("ix_networks_project_id_deleted", "networks", ["project_id", "deleted"])

    op.create_table(
        "instances",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(255)),
        sa.Column("user_id", sa.String(255)),
        sa.Column("host", sa.String(255)),
        sa.Column("launched_on", sa.String(255)),
        sa.Column("hostname", sa.String(255)),
        sa.Column("display_name", sa.String(255)),
        sa.Column("availability_zone", sa.String(255)),
        *_soft_delete(),
        sa.PrimaryKeyConstraint("id", name="pk_instances"),
        sa.UniqueConstraint("uuid", "deleted", name="uq_instances_uuid_deleted"),
    )
    op.create_index("ix_instances_host", "instances", ["host"])
    op.create_index("ix_instances_project_id", "instances", ["project_id"])

    op.create_table(
        "virtual_interfaces",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("network_id", sa.Integer,
                  sa.ForeignKey("networks.id", name="fk_virtual_interfaces_network_id_networks")),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("tag", sa.String(255)),
        *_soft_delete(),
        sa.PrimaryKeyConstraint("id", name="pk_virtual_interfaces"),
        sa.UniqueConstraint("address", "deleted", name="uq_virtual_interfaces_address_deleted"),
        sa.UniqueConstraint("uuid", "deleted", name="uq_virtual_interfaces_uuid_deleted"),
    )
    op.create_index("ix_virtual_interfaces_instance_uuid", "virtual_interfaces", ["instance_uuid"])
    op.create_index("ix_virtual_interfaces_network_id", "virtual_interfaces", ["network_id"])

    op.create_table(
        "fixed_ips",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.String(39), nullable=False),
        sa.Column("network_id", sa.Integer,
                  sa.ForeignKey("networks.id", name="fk_fixed_ips_network_id_networks"), nullable=False),
        sa.Column("virtual_interface_id", sa.Integer),
        sa.Column("instance_uuid", sa.String(36)),
        _flag("allocated", False),
        _flag("leased", False),
        _flag("reserved", False),
        sa.Column("host", sa.String(255)),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("deleted_at", TIMESTAMP),
        sa.Column("deleted", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("id", name="pk_fixed_ips"),
        sa.UniqueConstraint("network_id", "address", "deleted", name="uq_fixed_ips_network_id_address_deleted"),
    )
    if _partial_indexes():
        op.create_index("ix_fixed_ips_free_partial", "fixed_ips", ["network_id", "updated_at", "id"],
                        postgresql_where=FREE_FIXED_IP, sqlite_where=FREE_FIXED_IP)
    else:
        op.create_index(
            "ix_fixed_ips_free_composite",
            "fixed_ips",
            ["network_id", "deleted", "reserved", "leased", "instance_uuid", "host", "updated_at", "id"],
        )
    op.create_index("ix_fixed_ips_address", "fixed_ips", ["address"])
    op.create_index("ix_fixed_ips_instance_uuid", "fixed_ips", ["instance_uuid"])
    op.create_index("ix_fixed_ips_virtual_interface_id", "fixed_ips", ["virtual_interface_id"])
    if _partial_indexes():
        op.create_index("ix_fixed_ips_released_partial", "fixed_ips", ["updated_at"],
                        postgresql_where=RELEASED_FIXED_IP, sqlite_where=RELEASED_FIXED_IP)
    else:
        op.create_index("ix_fixed_ips_released_composite", "fixed_ips", ["allocated", "updated_at"])

    op.create_table(
        "floating_ips",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.String(39), nullable=False),
        sa.Column("fixed_ip_id", sa.Integer),
        sa.Column("project_id", sa.String(255)),
        sa.Column("host", sa.String(255)),
        _flag("auto_assigned", False),
        sa.Column("pool", sa.String(255), nullable=False),
        sa.Column("interface", sa.String(255)),
        *_soft_delete(),
        sa.PrimaryKeyConstraint("id", name="pk_floating_ips"),
        sa.UniqueConstraint("address", "deleted", name="uq_floating_ips_address_deleted"),
    )
    op.create_index("ix_floating_ips_fixed_ip_id", "floating_ips", ["fixed_ip_id"])
    op.create_index("ix_floating_ips_host", "floating_ips", ["host"])
    op.create_index("ix_floating_ips_project_id", "floating_ips", ["project_id"])
    if _partial_indexes():
        op.create_index("ix_floating_ips_free_partial", "floating_ips", ["pool", "updated_at", "id"],
                        postgresql_where=FREE_FLOATING_IP, sqlite_where=FREE_FLOATING_IP)
    else:
        op.create_index("ix_floating_ips_free_composite", "floating_ips",
                        ["pool", "deleted", "project_id", "fixed_ip_id", "updated_at", "id"])

    op.create_table(
        "services",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("binary", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(255)),
        sa.Column("report_count", sa.Integer, nullable=False, server_default=sa.text("0")),
        _flag("disabled", False),
        sa.Column("last_seen_up", TIMESTAMP),
        *_soft_delete(),
        sa.PrimaryKeyConstraint("id", name="pk_services"),
        sa.UniqueConstraint("host", "binary", "deleted", name="uq_services_host_binary_deleted"),
    )

    op.create_table(
        "quota_usages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("in_use", sa.Integer, nullable=False, server_default=sa.text("0")),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_quota_usages"),
        sa.UniqueConstraint("project_id", "resource", name="uq_quota_usages_project_id_resource"),
    )

    op.create_table(
        "project_network_claims",
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("network_id", sa.Integer,
                  sa.ForeignKey("networks.id", name="fk_project_network_claims_network_id_networks"),
                  nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("project_id", name="pk_project_network_claims"),
    )

    op.create_table(
        "dns_domains",
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("scope", sa.String(255)),
        sa.Column("availability_zone", sa.String(255)),
        sa.Column("project_id", sa.String(255)),
        _flag("deleted", False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("domain", name="pk_dns_domains"),
    )

    op.create_table(
        "dns_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("address", sa.String(39), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("note", sa.Text),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_dns_entries"),
        sa.UniqueConstraint("domain", "name", name="uq_dns_entries_domain_name"),
    )
    op.create_index("ix_dns_entries_address", "dns_entries", ["address"])
