"""The outbox: what the bot must send, written in the same transaction as its cause.

Its kinds (`Kind`) are listed here with the Slack method each ends in; each
feature registers the renderer of the kinds it queues (`Renderers`), so the
dispatcher knows no feature.

A launch, a vote, a reminder or a close adds rows here; `bot.delivery.dispatcher` sends
them. A live poll has one refresh row that is re-armed rather than duplicated,
so a burst of votes becomes one `chat.update` per refresh interval.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import bindparam, case
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlmodel import Session

from bot.core import Clock
from storage.db import insert_for, transaction
from storage.locks import guard_live_message
from storage.models import Outbox, table_of

log = logging.getLogger(__name__)


class Kind(StrEnum):
    """What an outbox row is; stored as its value in `Outbox.kind`."""

    POST = "post"  # a message to a channel
    DM = "dm"  # a direct message to one person
    POLL_POST = "poll_post"  # a poll's message, first posted
    POLL_REFRESH = "poll_refresh"  # the same message with the latest counts (one row per poll, re-armed)
    EPHEMERAL = "ephemeral"  # a note only one person sees, by chat.postEphemeral
    RESPOND = "respond"  # a note only one person sees, through their click's response_url
    UPLOAD = "upload"  # a file, by files upload v2
    QA_POST = "qa_post"  # a Q&A's live message, first posted
    QA_REFRESH = "qa_refresh"  # the same message with the latest questions (one row per Q&A, re-armed)

    @property
    def method(self) -> str:
        """The Slack method a row of this kind ends in (for pacing before it is rendered)."""
        return METHOD[self]


METHOD = {
    Kind.POST: "chat.postMessage",
    Kind.DM: "chat.postMessage",
    Kind.POLL_POST: "chat.postMessage",
    Kind.POLL_REFRESH: "chat.update",
    Kind.EPHEMERAL: "chat.postEphemeral",
    Kind.RESPOND: "response_url",
    Kind.UPLOAD: "files_upload_v2",
    Kind.QA_POST: "chat.postMessage",
    Kind.QA_REFRESH: "chat.update",
}
# Slack takes posts to a response_url for 30 minutes; a little less, so a note is not sent
# into a link that expires while it waits its turn.
RESPONSE_URL_LIFETIME = timedelta(minutes=28)
# Kinds sent through a click's response_url: by the replies' own sender, side by side
# (see Dispatcher._reply_step), never one at a time by the main loop.
BATCHED = frozenset(k for k, method in METHOD.items() if method == "response_url")
# Live messages re-rendered in place: one row per poll or Q&A, re-armed rather than duplicated,
# claimed as sent (a refresh is safe to repeat) and sharing chat.update's budget in turns.
REFRESHES = frozenset({Kind.POLL_REFRESH, Kind.QA_REFRESH})
# Kinds whose delivery leaves a message in the conversation that recovery can look for.
POSTS = frozenset(k for k, method in METHOD.items() if method in ("chat.postMessage", "files_upload_v2"))


def method_of(kind: str) -> str:
    """The Slack method of a stored kind; empty for a kind this version does not know."""
    try:
        return Kind(kind).method
    except ValueError:
        return ""


@dataclass
class Delivery:
    """The Slack call a row renders to, what to record once it succeeds, and what to do if it
    fails for good (`failed`, given Slack's error, in the transaction that records the failure)."""

    method: str
    args: dict[str, Any]
    after: Callable[[Session, dict[str, Any]], None] | None = None
    failed: Callable[[Session, str], None] | None = None


Renderer = Callable[[Session, Outbox], Delivery | None]


@dataclass(frozen=True)
class Claimed:
    """A row queued already claimed by the process that queued it, for it to send itself."""

    id: int
    kind: Kind
    payload: dict[str, Any]


class Renderers:
    """How each kind becomes a Slack call, registered once by the feature that queues it.

    A renderer returns None when there is nothing to send any more (a refresh
    for a poll whose message is gone).
    """

    def __init__(self) -> None:
        self._by_kind: dict[Kind, Renderer] = {}

    def register(self, kind: Kind, renderer: Renderer) -> None:
        if kind in self._by_kind:
            raise ValueError(f"outbox kind {kind.value} already has a renderer")
        self._by_kind[kind] = renderer

    def get(self, kind: str) -> Renderer | None:
        try:
            return self._by_kind.get(Kind(kind))
        except ValueError:
            return None

    def __getitem__(self, kind: str) -> Renderer:
        renderer = self.get(kind)
        if renderer is None:
            raise KeyError(kind)
        return renderer

    def __contains__(self, kind: object) -> bool:
        return isinstance(kind, str) and self.get(kind) is not None


Executor = Session | Connection


@cache
def _statements(dialect: str) -> dict[str, Any]:
    """The outbox's write statements for one SQL dialect, built once.

    Values come as parameters at execution, so a burst of votes reuses one
    compiled statement instead of building and compiling one per vote.
    """
    table = table_of(Outbox)
    insert = insert_for(dialect, table)
    later = case((table.c.not_before > bindparam("now_"), table.c.not_before), else_=bindparam("now_"))
    return {
        # RETURNING says whether a row went in; rowcount is not reliable across drivers for this.
        "enqueue": insert.on_conflict_do_nothing(index_elements=[table.c.key]).returning(table.c.id),
        "refresh_now": insert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"status": "pending", "not_before": bindparam("now_"), "attempts": 0},
        ),
        "refresh": insert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"status": "pending", "attempts": 0, "not_before": later},
            # Already pending: nothing to write, which keeps a vote burst cheap.
            where=table.c.status != "pending",
        ),
        # PostgreSQL's ON CONFLICT DO UPDATE locks the row even where its WHERE is false, so
        # there every vote of a burst would queue on the one refresh row. Instead: make the
        # row if it is missing (DO NOTHING takes no lock), and update it only where it is not
        # pending (an UPDATE locks only the rows its WHERE keeps), under guard_live_message.
        "refresh_missing": insert.on_conflict_do_nothing(index_elements=[table.c.key]),
        "refresh_rearm": sa.update(table)
        .where(table.c.key == bindparam("key_"), table.c.status != "pending")
        .values(status="pending", attempts=0, not_before=later),
    }


def _dialect(executor: Executor) -> str:
    bind = executor.get_bind() if isinstance(executor, Session) else executor
    return bind.dialect.name


def enqueue(
    session: Executor,
    *,
    kind: Kind,
    payload: dict[str, Any],
    now: datetime,
    key: str | None = None,
    channel: str | None = None,
    not_before: datetime | None = None,
    claimed_by: str | None = None,
) -> int | None:
    """Queue a send inside the caller's transaction: the new row's id, or None if `key` was
    taken (a repeated key is ignored). With `claimed_by`, the row goes in already claimed by
    that dispatcher (see `enqueue_notice`)."""
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
    if claimed_by is not None:
        values.update(status="sending", claimed_by=claimed_by, claimed_at=now, attempts=1)
    found = session.execute(_statements(_dialect(session))["enqueue"], values).first()
    return None if found is None else int(found[0])


def request_refresh(session: Executor, *, poll_id: str, now: datetime, immediate: bool = False) -> None:
    """Ask for the poll message to be re-rendered: at most one pending refresh per poll.

    A refresh row that was sent keeps, in `not_before`, the earliest moment the
    next one may go; re-arming takes the later of that and now. `immediate`
    (closing a poll) ignores the interval so final results show at once.
    """
    _rearm(session, Kind.POLL_REFRESH, f"poll-refresh:{poll_id}", {"poll_id": poll_id}, now, immediate)


def request_qa_refresh(session: Executor, *, qa_id: str, now: datetime, immediate: bool = False) -> None:
    """Ask for a Q&A's live message to be re-rendered: one pending refresh per Q&A, re-armed
    like a poll's (see `request_refresh`)."""
    _rearm(session, Kind.QA_REFRESH, f"qa-refresh:{qa_id}", {"qa_id": qa_id}, now, immediate)


def _rearm(
    session: Executor, kind: Kind, key: str, payload: dict[str, Any], now: datetime, immediate: bool
) -> None:
    values = dict(
        key=key,
        kind=kind,
        channel=None,
        payload=payload,
        status="pending",
        not_before=now,
        attempts=0,
        # Not `now`: the row is made by a poll's first vote, and would keep that vote's time.
        created_at=None,
        now_=now,
    )
    dialect = _dialect(session)
    statements = _statements(dialect)
    if immediate or dialect != "postgresql":
        session.execute(statements["refresh_now" if immediate else "refresh"], values)
        return
    guard_live_message(session, key, exclusive=False)
    rearmed = session.execute(statements["refresh_rearm"], {"key_": key, "now_": now})
    if cast(CursorResult[Any], rearmed).rowcount == 0:
        del values["now_"]
        session.execute(statements["refresh_missing"], values)


def hold_live_message(session: Session, row_id: int) -> None:
    """Before the dispatcher locks a row to claim it: if it is a live message's refresh, wait
    for the re-arms in progress (see `guard_live_message`), so that the counts it renders hold
    every vote that found the refresh already pending."""
    if _dialect(session) != "postgresql":
        return  # SQLite's one writer at a time already orders them
    t = table_of(Outbox)
    found = session.execute(sa.select(t.c.key, t.c.kind).where(t.c.id == row_id)).first()
    if found is not None and found.kind in REFRESHES:
        guard_live_message(session, found.key, exclusive=True)


def enqueue_notice(
    session: Executor,
    reply_to: dict[str, Any],
    text: str,
    *,
    now: datetime,
    replace: bool = False,
    claimed_by: str | None = None,
) -> Claimed | None:
    """Queue an ephemeral note to one person.

    `reply_to` is {"response_url": ..., "user": ...} (preferred: not rate-limited
    like chat.postEphemeral; the user keeps one person's notes in order) or
    {"channel": ..., "user": ...}. A note is private: deleted from the outbox once sent
    or failed, so none outlives its delivery (a note may say what someone answered, or
    that they tried to answer an anonymous poll). With `replace`, a note through a
    response_url takes the place of the message the click came from (a moderator's
    direct message, once its question is settled).

    With `claimed_by` (a claim of `Dispatcher.own_claim`), a note through a response_url is
    queued already claimed, for the process that took the request to post once its
    transaction has committed: returned as `Claimed` for `Dispatcher.send_claimed`.
    """
    payload: dict[str, Any] = {"text": text, "private": True}
    if reply_to.get("response_url"):
        payload["response_url"] = reply_to["response_url"]
        if replace:
            payload["replace"] = True
        if reply_to.get("user"):
            payload["lane"] = reply_to["user"]
        row_id = enqueue(session, kind=Kind.RESPOND, payload=payload, now=now, claimed_by=claimed_by)
        if claimed_by is not None and row_id is not None:
            return Claimed(row_id, Kind.RESPOND, payload)
    else:
        payload.update(channel=reply_to["channel"], user=reply_to["user"])
        enqueue(session, kind=Kind.EPHEMERAL, channel=reply_to["channel"], payload=payload, now=now)
    return None


def tell_later(
    session: Executor, reply_to: dict[str, Any], text: str, *, now: datetime, issued: datetime, key: str
) -> None:
    """A note to one person about something that happened after their request was answered:
    ephemeral through the request's response_url while Slack still takes it (it expires
    RESPONSE_URL_LIFETIME after `issued`), else by DM. `reply_to` is {"response_url": ...,
    "user": ...} or {"user": ...}; `key` makes the DM go once."""
    if reply_to.get("response_url") and now - issued < RESPONSE_URL_LIFETIME:
        enqueue_notice(session, reply_to, text, now=now)
    elif reply_to.get("user"):
        payload = {"user": reply_to["user"], "text": text, "describe": "a note", "private": True}
        enqueue(session, kind=Kind.DM, key=key, channel=reply_to["user"], payload=payload, now=now)
    else:
        log.warning("a note had nowhere to go")


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
    private: bool = False,
) -> bool:
    """Queue a direct message to one Slack user (posted to the user id: no conversations.open needed).

    A private DM (about an anonymous poll) is deleted once it is sent or has failed.
    """
    payload: dict[str, Any] = {"user": user, "text": text, "describe": describe}
    if private:
        payload["private"] = True
    if blocks:
        payload["blocks"] = blocks
    queued = enqueue(
        session, kind=Kind.DM, key=key, channel=user, payload=payload, now=now, not_before=not_before
    )
    return queued is not None
