"""schedule: outbox claims, job runs, breakout choices

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:59:41.060946
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "breakoutchoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("round_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "round_key", name="uq_breakout_round"),
    )
    with op.batch_alter_table("breakoutchoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_breakoutchoice_session_id"), ["session_id"], unique=False)

    op.create_table(
        "jobrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "scheduled_for", name="uq_job_run"),
    )
    with op.batch_alter_table("jobrun", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobrun_job_id"), ["job_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")

    with op.batch_alter_table("jobrun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobrun_job_id"))

    op.drop_table("jobrun")
    with op.batch_alter_table("breakoutchoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_breakoutchoice_session_id"))

    op.drop_table("breakoutchoice")
