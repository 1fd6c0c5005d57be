"""The outbox: the one place that sends to Slack.

Causes (a launch, a vote, a close) write outbox rows in their own transaction;
the dispatcher sends due rows in order and records what happened. A live poll
has one refresh row that is re-armed rather than duplicated, so a burst of
votes becomes one `chat.update` per refresh interval.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.clock import Clock, utc
from storage.db import transaction
from storage.models import Outbox, table_of

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Errors that retrying cannot fix; the row is marked failed with the reason.
PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "user_not_found",
    "account_inactive",
    "invalid_blocks",
    "msg_too_long",
    "no_text",
    "message_not_found",
    "cant_update_message",
    "invalid_auth",
    "not_authed",
    "missing_scope",
    "restricted_action",
    "expired_url",
    "used_url",
}

Renderer = Callable[[Session, Outbox], "Delivery | None"]


class Delivery:
    """What a rendered row asks the dispatcher to call, and what to do after."""

    def __init__(
        self,
        method: str,
        args: dict[str, Any],
        after: Callable[[Session, dict[str, Any]], None] | None = None,
    ):
        self.method = method
        self.args = args
        self.after = after


def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    key: str | None = None,
    channel: str | None = None,
    not_before: datetime | None = None,
) -> None:
    """Queue a send inside the caller's transaction; a repeated `key` is ignored."""
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
    session.execute(_insert(session).values(**values).on_conflict_do_nothing(index_elements=[table.c.key]))


def request_refresh(session: Session, *, poll_id: str, now: datetime, immediate: bool = False) -> None:
    """Ask for the poll message to be re-rendered: at most one pending refresh per poll.

    A refresh row that was sent keeps, in `not_before`, the earliest moment the
    next one may go; re-arming takes the later of that and now. `immediate`
    (closing a poll) ignores the interval so final results show at once.
    """
    table = table_of(Outbox)
    stmt = _insert(session).values(
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


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table_of(Outbox))


class Dispatcher:
    """Sends due outbox rows, in id order, and records each outcome."""

    def __init__(
        self,
        *,
        engine: Engine,
        client: WebClient,
        clock: Clock,
        renderers: dict[str, Renderer],
        refresh_interval: float = 2.0,
        on_failure: Callable[[Outbox], None] | None = None,
    ) -> None:
        self.engine = engine
        self.client = client
        self.clock = clock
        self.renderers = renderers
        self.refresh_interval = timedelta(seconds=refresh_interval)
        self.on_failure = on_failure
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ running

    def start(self) -> None:
        """Send in a background thread until stop()."""
        self._thread = threading.Thread(target=self._run, name="convene-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=10)

    def wake(self) -> None:
        """Tell the background thread there may be new work."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.drain()
            except Exception:  # keep the dispatcher alive; the row stays pending
                log.exception("outbox dispatcher pass failed")
            self._wake.wait(timeout=0.1)
            self._wake.clear()

    # ------------------------------------------------------------ sending

    def next_due(self) -> datetime | None:
        """When the earliest pending row becomes due (None if nothing is pending)."""
        with Session(self.engine) as session:
            value = session.execute(
                select(col(Outbox.not_before))
                .where(col(Outbox.status) == "pending")
                .order_by(col(Outbox.not_before))
                .limit(1)
            ).scalar()
        return utc(value) if value else None

    def drain(self, limit: int | None = None) -> int:
        """Send every row due now; return how many were attempted."""
        with self._lock:
            done = 0
            blocked: set[str] = set()
            while limit is None or done < limit:
                now = self.clock.now()
                with Session(self.engine) as session:
                    rows = session.execute(
                        select(col(Outbox.id), col(Outbox.channel))
                        .where(col(Outbox.status) == "pending", col(Outbox.not_before) <= now)
                        .order_by(col(Outbox.id))
                        .limit(100)
                    ).all()
                rows = [r for r in rows if not (r.channel and r.channel in blocked)]
                if not rows:
                    return done
                for row_id, channel in rows:
                    if channel and channel in blocked:
                        continue
                    ok = self._send_one(row_id)
                    done += 1
                    # Keep per-channel order: once a row for a channel is held
                    # back, later rows for that channel wait for the next pass.
                    if not ok and channel:
                        blocked.add(channel)
                    if limit is not None and done >= limit:
                        return done
            return done

    def _send_one(self, row_id: int) -> bool:
        now = self.clock.now()
        with transaction(self.engine) as session:
            row = session.get(Outbox, row_id)
            if row is None or row.status != "pending" or utc(row.not_before or now) > now:
                return True
            if row.kind == "poll_refresh":
                # Claim before rendering: a vote committed after this point
                # re-arms the row, so no vote is left out of the next refresh.
                row.status = "sent"
                row.sent_at = now
                row.not_before = now + self.refresh_interval
            renderer = self.renderers.get(row.kind)
            if renderer is None:
                row.status, row.last_error = "failed", f"no renderer for {row.kind}"
                return True
            delivery = renderer(session, row)
            if delivery is None:  # nothing to send (e.g. the poll message is not posted yet)
                if row.kind == "poll_refresh":
                    row.status, row.not_before = "pending", now + timedelta(seconds=0.5)
                else:
                    row.status = "sent"
                return True
        try:
            result = self._call(delivery)
        except SlackApiError as exc:
            return self._record_error(row_id, exc)
        except OSError as exc:  # connection refused, reset, timeout
            return self._retry(row_id, f"connection: {exc}", None)
        with transaction(self.engine) as session:
            row = session.get(Outbox, row_id)
            assert row is not None
            if row.kind != "poll_refresh":
                row.status = "sent"
                row.sent_at = self.clock.now()
            row.attempts += 1
            row.result_channel = result.get("channel")
            row.result_ts = result.get("ts")
            if row.payload.get("private"):
                row.payload = {"private": True}  # nothing personal outlives the send
            if delivery.after:
                delivery.after(session, result)
        return True

    def _call(self, delivery: Delivery) -> dict[str, Any]:
        if delivery.method == "response_url":
            args = dict(delivery.args)
            url = args.pop("url")
            webhook_response = WebhookClient(url, timeout=10).send_dict(args)
            if webhook_response.status_code == 404:
                raise SlackApiError("response_url expired", _Fake({"ok": False, "error": "expired_url"}, 404))
            if webhook_response.status_code == 429 or webhook_response.status_code >= 500:
                raise SlackApiError(
                    "response_url failed",
                    _Fake(
                        {"ok": False, "error": "server"},
                        webhook_response.status_code,
                        webhook_response.headers,
                    ),
                )
            return {}
        response = self.client.api_call(delivery.method, json=delivery.args)
        return dict(response.data) if isinstance(response.data, dict) else {}

    def _record_error(self, row_id: int, exc: SlackApiError) -> bool:
        status = getattr(exc.response, "status_code", 0)
        data = exc.response.data if isinstance(getattr(exc.response, "data", None), dict) else {}
        error = data.get("error", str(exc))
        if status == 429:
            retry_after = int(
                exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1))
            )
            return self._retry(row_id, "ratelimited", timedelta(seconds=max(1, retry_after)), count=False)
        if error in PERMANENT:
            with transaction(self.engine) as session:
                row = session.get(Outbox, row_id)
                assert row is not None
                row.status, row.last_error, row.attempts = "failed", error, row.attempts + 1
                failed = row
            log.warning("outbox row %s (%s) failed: %s", row_id, failed.kind, error)
            if self.on_failure:
                self.on_failure(failed)
            return False
        return self._retry(row_id, error, None)

    def _retry(self, row_id: int, error: str, delay: timedelta | None, count: bool = True) -> bool:
        with transaction(self.engine) as session:
            row = session.get(Outbox, row_id)
            assert row is not None
            if count:
                row.attempts += 1
            row.last_error = error
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
            else:
                row.status = "pending"
                row.not_before = self.clock.now() + (delay or timedelta(seconds=min(60, 2**row.attempts)))
        return False


class _Fake:
    """Just enough of a SlackResponse for SlackApiError from a webhook answer."""

    def __init__(self, data: dict[str, Any], status_code: int, headers: Any = None) -> None:
        self.data = data
        self.status_code = status_code
        self.headers = headers or {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


def pending_count(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.execute(select(col(Outbox.id)).where(col(Outbox.status) == "pending")).all())


def mark_all_sent(engine: Engine) -> None:  # pragma: no cover - maintenance helper
    with transaction(engine) as session:
        session.execute(update(Outbox).where(col(Outbox.status) == "pending").values(status="sent"))
