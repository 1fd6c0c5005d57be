"""vision headlines

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:18:45.723457
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "headline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("author_person", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("author_user", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
        sa.Column("explanation", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("hidden_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("headline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_headline_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("headline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_headline_team_id"))

    op.drop_table("headline")
