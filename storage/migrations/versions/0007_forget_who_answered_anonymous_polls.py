"""forget who answered anonymous polls

A database written before anonymous answers stopped keeping their voter's role,
their order and their delivered messages gets the same treatment: roles and
times of anonymous answers are cleared, their ids are redrawn at random (so the
rows no longer follow the order of the votes), who launched, closed or opened a
display of an anonymous poll is forgotten, and every private outbox row already
sent or failed is deleted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:45:00
"""

import json
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The range anonymous answers draw their ids from (bot.polls.service.ANONYMOUS_IDS).
LOW, HIGH = 2**30, 2**31 - 1


def upgrade() -> None:
    conn = op.get_bind()
    anonymous = [row[0] for row in conn.execute(sa.text("SELECT id FROM poll WHERE anonymous"))]
    for poll_id in anonymous:
        conn.execute(
            sa.text("UPDATE poll SET launched_by = NULL, closed_by = NULL WHERE id = :id"),
            {"id": poll_id},
        )
        conn.execute(
            sa.text("UPDATE displaylink SET created_by = NULL WHERE kind = 'poll' AND subject = :id"),
            {"id": poll_id},
        )
        ids = [
            row[0]
            for row in conn.execute(sa.text("SELECT id FROM response WHERE poll_id = :id"), {"id": poll_id})
        ]
        taken = {row[0] for row in conn.execute(sa.text("SELECT id FROM response"))}
        for old in ids:
            new = old
            while new in taken:
                new = LOW + secrets.randbelow(HIGH - LOW)
            taken.add(new)
            conn.execute(
                sa.text(
                    "UPDATE response SET id = :new, role = NULL, updated_at = NULL, user_id = NULL "
                    "WHERE id = :old"
                ),
                {"new": new, "old": old},
            )
    for row_id, payload in conn.execute(
        sa.text("SELECT id, payload FROM outbox WHERE status IN ('sent', 'failed')")
    ).all():
        data = payload if isinstance(payload, dict) else json.loads(payload or "{}")
        if data.get("private"):
            conn.execute(sa.text("DELETE FROM outbox WHERE id = :id"), {"id": row_id})


def downgrade() -> None:
    pass  # what was forgotten stays forgotten
