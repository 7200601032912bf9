"""Live board: presence carries call start and media quality; monitor_audit table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 08:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("presence") as batch:
        batch.add_column(sa.Column("call_started_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("mos", sa.Float(), nullable=True))
        batch.add_column(sa.Column("loss_pct", sa.Float(), nullable=True))
        batch.add_column(sa.Column("jitter_ms", sa.Float(), nullable=True))
    op.create_table(
        "monitor_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("user_role", sa.String(length=20), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("agent_centre_id", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("jti", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_monitor_audit_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_audit")),
    )
    op.create_index("ix_monitor_audit_centre", "monitor_audit", ["centre_id", "id"])
    op.create_index("ix_monitor_audit_agent_centre", "monitor_audit", ["agent_centre_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_monitor_audit_agent_centre", table_name="monitor_audit")
    op.drop_index("ix_monitor_audit_centre", table_name="monitor_audit")
    op.drop_table("monitor_audit")
    with op.batch_alter_table("presence") as batch:
        for name in ("jitter_ms", "loss_pct", "mos", "call_started_at"):
            batch.drop_column(name)
