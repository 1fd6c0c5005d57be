"""Slack's event ids already taken in, shared by every worker process through the database."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.db import insert_for, writing
from storage.models import SeenEvent, table_of

# Slack redelivers an event three times at most, within minutes; a day is ample.
KEEP = timedelta(days=1)


def first_sight(engine: Engine, event_id: str, *, now: datetime) -> bool:
    """Record `event_id` and say whether this is the first time it was seen.

    One insert-or-ignore decides it, so two workers given the same event at the
    same moment cannot both take it; old ids are pruned in the same transaction.
    """
    table = table_of(SeenEvent)
    with writing(engine) as conn:
        conn.execute(sa.delete(table).where(table.c.seen_at < now - KEEP))
        inserted = conn.execute(
            insert_for(conn.dialect.name, table)
            .values(event_id=event_id, seen_at=now)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(table.c.event_id)
        )
        return inserted.first() is not None
