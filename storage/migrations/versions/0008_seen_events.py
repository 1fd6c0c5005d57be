"""seen events: Slack's event ids, so that a redelivered event is handled once

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seenevent",
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index(op.f("ix_seenevent_seen_at"), "seenevent", ["seen_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_seenevent_seen_at"), table_name="seenevent")
    op.drop_table("seenevent")
