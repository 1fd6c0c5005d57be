"""The outbox: what the bot must send, written in the same transaction as its cause.

A launch, a vote, a reminder or a close adds rows here; `bot.dispatcher` sends
them. A live poll has one refresh row that is re-armed rather than duplicated,
so a burst of votes becomes one `chat.update` per refresh interval.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import case
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock
from storage.db import transaction, upsert
from storage.models import Outbox, table_of

log = logging.getLogger(__name__)


def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    key: str | None = None,
    channel: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue a send inside the caller's transaction; a repeated `key` is ignored (returns False)."""
    table = table_of(Outbox)
    values = dict(
        key=key or f"{kind}:{uuid.uuid4().hex}",
        kind=kind,
        channel=channel,
        payload=payload,
        status="pending",
        not_before=not_before or now,
        attempts=0,
        created_at=now,
    )
    # RETURNING says whether a row went in; rowcount is not reliable across drivers for this.
    inserted = session.execute(
        upsert(session, table_of(Outbox))
        .values(**values)
        .on_conflict_do_nothing(index_elements=[table.c.key])
        .returning(table.c.id)
    ).first()
    return inserted is not None


def request_refresh(session: Session, *, poll_id: str, now: datetime, immediate: bool = False) -> None:
    """Ask for the poll message to be re-rendered: at most one pending refresh per poll.

    A refresh row that was sent keeps, in `not_before`, the earliest moment the
    next one may go; re-arming takes the later of that and now. `immediate`
    (closing a poll) ignores the interval so final results show at once.
    """
    table = table_of(Outbox)
    stmt = upsert(session, table_of(Outbox)).values(
        key=f"poll-refresh:{poll_id}",
        kind="poll_refresh",
        channel=None,
        payload={"poll_id": poll_id},
        status="pending",
        not_before=now,
        attempts=0,
        created_at=now,
    )
    if immediate:
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key], set_={"status": "pending", "not_before": now, "attempts": 0}
        )
    else:
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "status": "pending",
                "attempts": 0,
                "not_before": case((table.c.not_before > now, table.c.not_before), else_=now),
            },
            # Already pending: nothing to write, which keeps a vote burst cheap.
            where=table.c.status != "pending",
        )
    session.execute(stmt)


def enqueue_notice(
    session: Session, reply_to: dict[str, Any], text: str, *, now: datetime, private: bool = False
) -> None:
    """Queue an ephemeral note to one person.

    `reply_to` is {"response_url": ...} (preferred: not rate-limited like
    chat.postEphemeral) or {"channel": ..., "user": ...}. A private note is
    erased from the outbox once sent.
    """
    payload: dict[str, Any] = {"text": text, "private": private}
    if reply_to.get("response_url"):
        payload["response_url"] = reply_to["response_url"]
        enqueue(session, kind="respond", payload=payload, now=now)
    else:
        payload.update(channel=reply_to["channel"], user=reply_to["user"])
        enqueue(session, kind="ephemeral", channel=reply_to["channel"], payload=payload, now=now)


def notify(engine: Engine, clock: Clock, reply_to: dict[str, Any], text: str) -> None:
    """Queue an ephemeral note in a transaction of its own."""
    with transaction(engine) as session:
        enqueue_notice(session, reply_to, text, now=clock.now())


def enqueue_dm(
    session: Session,
    *,
    user: str,
    text: str,
    now: datetime,
    key: str,
    blocks: list[dict[str, Any]] | None = None,
    describe: str = "a direct message",
    not_before: datetime | None = None,
) -> bool:
    """Queue a direct message to one Slack user (posted to the user id: no conversations.open needed)."""
    payload: dict[str, Any] = {"user": user, "text": text, "describe": describe}
    if blocks:
        payload["blocks"] = blocks
    return enqueue(session, kind="dm", key=key, channel=user, payload=payload, now=now, not_before=not_before)
