"""The outbox dispatcher: the one place that sends to Slack.

Each row goes through three steps:

1. claim: pending -> sending (committed before any byte goes to Slack);
2. call Slack;
3. record: sending -> sent (with channel and ts), back to pending (retry
   later), or failed (with the reason, reported to organizers).

A pass claims every due row the pacer allows in one transaction, calls Slack for
each in order, and records those Slack took in one transaction a batch (every
RECORD_EVERY rows or RECORD_AFTER seconds, and at the end of the pass). A live
message's refresh is never claimed in the same batch as a post whose record it
reads (the message's ts): it waits for the next pass.

A crash between 1 and 3 leaves the row in `sending`: the message may or may
not have reached Slack. Every chat.postMessage carries the row's key as
message metadata, so on start `recover()` looks for it in the channel's
history and records the message if it is there, or sends it again if not:
a message is never lost and never sent twice.

A call that Slack did not answer (refused, reset, timed out) may still have
reached it, so a post that failed that way is looked for in the channel's
history before it is sent again. Such failures never use up a row's attempts:
while Slack cannot be reached, rows wait, and the leader hands the lead on
(`slack_silent_for`) to a host that can reach it.

With several hosts, only the leader sends, and only while its lease is valid:
`fence` is asked just before each call to Slack, so a leader cut off from the
database stops sending before another can take over. A row claimed but fenced
off goes back to the queue, or, if the database is out of reach too, stays in
`sending` for the next leader's `recover()`.

A vote's confirmation skips the queue: the vote's transaction inserts it already claimed
by the process that took the vote, which posts it once the vote has committed
(`send_claimed`, a dispatcher made with `own_replies`, in every serving process) and
records the outcome like the leader does. If that process dies or loses the database
first, the claim is never settled; once it is STALE_OWN_CLAIM old, the leader puts the row
back in the queue and sends it. A reply cannot be looked up in Slack, so one that was
posted at the very moment its process died arrives twice.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.core import Clock, utc
from bot.delivery.outbox import (
    BATCHED,
    POSTS,
    REFRESHES,
    Claimed,
    Delivery,
    Kind,
    Renderers,
    hold_live_message,
    method_of,
)
from bot.delivery.pacing import Pacer
from bot.delivery.webhooks import Unanswered, Webhooks
from storage.db import reading, transaction
from storage.models import Outbox, table_of

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Replies to clicks (response_url) go out side by side, this many in flight at once: each
# waits a round trip on Slack, so one at a time would cap a burst's confirmations at a
# few per second. drain() claims them a batch at a time.
REPLY_IN_FLIGHT = 128
REPLY_BATCH = 200
REPLY_CONNECTIONS = 128  # kept open to Slack; replies beyond them wait for one to be free
# What Slack took in a pass is recorded a batch at a time: every this many rows, or once this
# many seconds have passed since the last record, so a long pass holds no result back for long.
RECORD_EVERY = 100
RECORD_AFTER = 0.25
# A reply the process that took the click queued already claimed (see `send_claimed`) is posted by
# that process, and only if its post begins within OWN_POST_WITHIN of the claim (else it goes back
# to the queue unsent). A post ends within REPLY_TIMEOUT, and its outcome is recorded in the next
# moments; so a claim of that kind still unsettled after STALE_OWN_CLAIM belongs to a process that
# died or lost the database, and the leader takes the row over and sends it.
OWN_POST_WITHIN = 2.0
REPLY_TIMEOUT = 10.0
STALE_OWN_CLAIM = timedelta(seconds=15)
OWN_CLAIM = "own-"  # how such a claim begins
TAKE_OVER_EVERY = 1.0  # seconds between the leader's looks for them
METADATA_TYPE = "convene_outbox"
# How the error of a call Slack did not answer begins (it may or may not have reached Slack).
_UNANSWERED = "connection:"

# Errors that retrying cannot fix, in words an organizer can act on.
PERMANENT: dict[str, str] = {
    "channel_not_found": "the channel does not exist, or the bot cannot see it (check the name in the event "
    "file; invite the bot to private channels)",
    "not_in_channel": "the bot is not in the channel and could not join it (invite it: /invite @Convene)",
    "is_archived": "the channel is archived",
    "user_not_found": "that person is not in this Slack workspace",
    "user_disabled": "that person's Slack account is deactivated",
    "account_inactive": "the bot's own Slack account or token has been deactivated",
    "cannot_dm_bot": "that account is a bot",
    "invalid_blocks": "the message broke one of Slack's layout limits",
    "msg_too_long": "the message is longer than Slack allows",
    "no_text": "the message was empty",
    "message_not_found": "the message to update was deleted",
    "cant_update_message": "the message to update was not posted by the bot",
    "invalid_auth": "the bot token is not valid",
    "not_authed": "no bot token was given",
    "missing_scope": "the app lacks a permission (reinstall it from the current manifest)",
    "restricted_action": "the workspace does not allow the bot to post there",
    "expired_url": "the person's reply link expired (Slack keeps it for 30 minutes)",
    "used_url": "the person's reply link was used up",
}


def plain_error(error: str | None) -> str:
    """Why Slack refused a message, in the words above where they are known, else as Slack
    gave it."""
    return PERMANENT.get(error, error) if error else "unknown error"


# What _send_lane answers for a reply the fence held back (nothing was sent).
_FENCED = object()


class _Failure(Exception):
    def __init__(self, error: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.retry_after = retry_after


class Dispatcher:
    """Sends due outbox rows in id order (per channel), paced to Slack's limits."""

    def __init__(
        self,
        *,
        engine: Engine,
        client: WebClient,
        clock: Clock,
        renderers: Renderers,
        refresh_interval: float = 2.0,
        pacer: Pacer | None = None,
        on_failure: Callable[[Session, Outbox, str], None] | None = None,
        webhooks: Webhooks | None = None,
        own_replies: bool = False,
    ) -> None:
        """`webhooks` posts replies to response_urls (default: over HTTP, REPLY_CONNECTIONS kept
        open). With `own_replies`, this dispatcher sends only the replies its process queued
        claimed for itself (`send_claimed`, under its `claim_id`), whether or not the process
        leads; it claims nothing from the queue."""
        self.engine = engine
        self.client = client
        self.clock = clock
        self.renderers = renderers
        self.refresh_interval = timedelta(seconds=refresh_interval)
        self.pacer = pacer or Pacer(clock)
        self.on_failure = on_failure
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._webhooks = webhooks or Webhooks(connections=REPLY_CONNECTIONS, timeout=REPLY_TIMEOUT)
        self._reply_thread: threading.Thread | None = None
        self._reply_wake = threading.Event()
        self._in_flight: set[str] = set()  # lanes (people) with a reply on its way
        # Replies of this process's own claims waiting for their person's earlier one, by lane.
        self._waiting: dict[str, list[tuple[int, Delivery]]] = {}
        # time.monotonic() by which each of this process's own claims must be posted, if at all.
        self._post_by: dict[int, float] = {}
        self._next_takeover = 0.0
        self._flight = threading.Lock()
        self._settled: queue.SimpleQueue[tuple[int, Delivery, Any]] = queue.SimpleQueue()
        self._fence: Callable[[], bool] = lambda: True
        # Written into every row this dispatcher claims: an outcome is recorded only over its own
        # claim, never over a row that a leader which took over has claimed since.
        self.claim_id = _own_claim() if own_replies else uuid.uuid4().hex
        self.own_replies = own_replies
        # time.monotonic() of the earliest call left unanswered since Slack last answered one.
        self._silent_since: float | None = None
        self._last_answer = 0.0
        self._health = threading.Lock()
        # Tries that met an error answer (and will be retried), by method, since it last worked.
        self._retrying: dict[str, int] = {}

    # ------------------------------------------------------------ running

    def start(self, *, fence: Callable[[], bool] | None = None) -> None:
        """Recover interrupted sends, then send in a background thread until stop(); with `fence`,
        each call to Slack goes out only if `fence()` says so at that moment (the lead's lease)."""
        self._stop.clear()
        self._fence = fence or (lambda: True)
        if self.own_replies:  # only the recording of its own replies' outcomes runs in the background
            self._reply_thread = threading.Thread(
                target=self._run_replies, name="convene-own-replies", daemon=True
            )
            self._reply_thread.start()
            return
        self.claim_id = uuid.uuid4().hex  # a late answer to the last run's claims settles nothing
        with self._health:
            self._silent_since = None
        self.recover()
        self._thread = threading.Thread(target=self._run, name="convene-outbox", daemon=True)
        self._thread.start()
        self._reply_thread = threading.Thread(target=self._run_replies, name="convene-replies", daemon=True)
        self._reply_thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._reply_wake.set()
        for thread in (self._thread, self._reply_thread):
            if thread:
                thread.join(timeout=10)
        self._thread = self._reply_thread = None
        self._wait_for_replies(timeout=15)
        self._webhooks.close()
        try:  # the last replies that came back: recorded, so they are not sent again on start
            self._settle([self._settled.get_nowait() for _ in range(self._settled.qsize())])
        except Exception as exc:  # noqa: BLE001 - cut off from the database: recover() settles them
            log.warning("could not record the last replies sent: %s", exc)

    def wake(self) -> None:
        """Tell the background threads there may be new work."""
        self._wake.set()
        self._reply_wake.set()

    def wake_replies(self) -> None:
        """Tell the reply sender only: a click queued a reply, and at most a live message's
        refresh, which the main loop finds on its next pass (it looks every 50 ms; a refresh
        waits the 2 s interval anyway). A burst of votes then costs the main loop no pass each."""
        self._reply_wake.set()

    def slack_silent_for(self) -> float:
        """Seconds since the earliest call that Slack has left unanswered (refused, reset, timed
        out) since it last answered one; 0 while Slack answers."""
        with self._health:
            since = self._silent_since
        return 0.0 if since is None else time.monotonic() - since

    def reach_slack(self) -> bool:
        """Whether Slack answers now (api.test: any answer at all counts)."""
        try:
            self.client.api_call("api.test")
        except SlackApiError:
            pass
        except OSError:
            return False
        self._answered()
        return True

    def _answered(self) -> None:
        with self._health:
            self._silent_since, self._last_answer = None, time.monotonic()

    def _unanswered(self, started: float) -> None:
        with self._health:
            if self._silent_since is None:
                self._silent_since = max(started, self._last_answer)

    def _run(self) -> None:
        """Everything but replies to clicks, which _run_replies sends beside it: a refresh or a
        reminder never waits behind a burst's confirmations."""
        while not self._stop.is_set():
            try:
                self.drain(replies=False)
            except Exception:  # keep the dispatcher alive; rows stay pending
                log.exception("outbox dispatcher pass failed")
            self._wake.wait(timeout=0.05)
            self._wake.clear()

    def _run_replies(self) -> None:
        """Keep up to REPLY_IN_FLIGHT replies on their way: claim due ones as slots free up, and
        record the answers as they come back, a transaction for all that came meanwhile."""
        while not self._stop.is_set():
            try:
                self._reply_step()
            except Exception:  # keep sending; rows stay pending or sending (recover() settles those)
                log.exception("sending replies failed")
            self._reply_wake.wait(timeout=0.05)
            self._reply_wake.clear()

    def next_due(self) -> datetime | None:
        """When the earliest pending row becomes due (None if nothing is pending)."""
        with reading(self.engine) as session:
            value = session.execute(_NEXT_DUE).scalar()
        return utc(value) if value else None

    # ------------------------------------------------------------ sending

    def drain(self, limit: int | None = None, *, replies: bool = True) -> int:
        """Send every row that is due and allowed by the rate limits now; return how many were tried.

        Each pass claims every due row the pacer allows (one transaction), calls Slack for them in
        order, and records what Slack took a batch at a time (see `_send_claimed`).
        With `replies=False`, replies to clicks are left to the background reply sender."""
        with self._lock:
            done = 0
            while (limit is None or done < limit) and self._fence():
                sent_this_pass = 0
                due = _longest_waiting_refresh_first(self._due_rows(replies=replies))
                batch = [row_id for row_id, kind, _, _ in due if kind in BATCHED]
                # Held like any other method after a 429 (Pacer.hold in _failed).
                if batch and self.pacer.delay(Kind.RESPOND.method) <= 0:
                    room = REPLY_BATCH if limit is None else min(REPLY_BATCH, limit - done)
                    tried = self._send_replies(batch[:room])
                    sent_this_pass += tried
                    done += tried
                    if limit is not None and done >= limit:
                        return done
                others = [row for row in due if row[1] not in BATCHED]
                if others:
                    claimed, tried = self._claim_due(others, None if limit is None else limit - done)
                    sent_this_pass += tried
                    done += tried
                    if claimed and not self._send_claimed(claimed):
                        return done  # fenced off
                if sent_this_pass == 0:
                    return done
            return done

    def _due_rows(self, *, replies: bool = True) -> list[_Due]:
        # Asked after every send and every step of a rehearsal: a bare statement built once, no
        # model objects.
        now = self.clock.now()
        with reading(self.engine) as session:
            rows = session.execute(_DUE if replies else _DUE_BUT_REPLIES, {"now": now}).all()
        return [(r[0], r[1], r[2], utc(r[3] or now)) for r in rows if r[0] is not None]

    def _claim_due(self, due: list[_Due], room: int | None) -> tuple[list[_Claimed], int]:
        """Claim, in one transaction, the due rows (in order) that the pacer allows now, counting
        those claimed before them, and render each; return them and how many rows were tried.

        A channel whose next row must wait keeps its later rows waiting too (its order). A live
        message's refresh is not claimed after a post whose bookkeeping (`Delivery.after`, the
        message's ts) is in this batch: it waits for the next pass, once that is recorded."""
        now = self.clock.now()
        blocked: set[str] = set()
        planned: Counter[str] = Counter()
        candidates: list[_Due] = []
        for entry in due:
            row_id, kind, channel, _ = entry
            lane = channel or f"row:{row_id}"
            if room is not None and len(candidates) >= room:
                break
            if lane in blocked:
                continue
            method = method_of(kind)
            if self.pacer.delay(method, channel, planned=planned) > 0:
                blocked.add(lane)  # keep per-channel order: later rows wait too
                continue
            self.pacer.plan(method, channel, planned)
            candidates.append(entry)
        if not candidates:
            return [], 0
        claimed: list[_Claimed] = []
        tried = 0
        deferred: set[str] = set()
        with transaction(self.engine) as session:
            for row_id, kind, _, _ in candidates:
                if kind in REFRESHES:
                    hold_live_message(session, row_id)
            # Locked (on PostgreSQL, in id order; SQLite's write transaction already is), so two
            # dispatchers on one database can never both claim a row.
            rows = {
                row.id: row
                for row in session.exec(
                    select(Outbox)
                    .where(col(Outbox.id).in_([entry[0] for entry in candidates]))
                    .order_by(col(Outbox.id))
                    .with_for_update()
                ).all()
            }
            bookkeeping = False  # a claimed post records its message when Slack answers
            for row_id, kind, channel, _ in candidates:
                lane = channel or f"row:{row_id}"
                if lane in deferred:
                    continue
                if kind in REFRESHES and bookkeeping:
                    deferred.add(lane)
                    continue
                tried += 1
                row = rows.get(row_id)
                if row is None or row.status != "pending" or utc(row.not_before or now) > now:
                    continue
                renderer = self.renderers.get(row.kind)
                delivery = renderer(session, row) if renderer else None
                if renderer is None:
                    row.status, row.last_error = "failed", f"no renderer for {row.kind}"
                    continue
                if delivery is None:  # nothing to send (a refresh for a poll with no channel message)
                    row.status = "sent"
                    continue
                # A post whose last call went unanswered may have reached Slack: look before sending.
                unconfirmed = row.kind in POSTS and (row.last_error or "").startswith(_UNANSWERED)
                earlier_claim = row.claimed_at
                if row.kind in REFRESHES:
                    # Re-rendered from the database every time, so a refresh is
                    # safe to repeat; claiming it as sent now means a vote that
                    # lands during the call re-arms it rather than being missed.
                    # The interval counts again from Slack's answer (_next_refresh).
                    row.status, row.sent_at, row.not_before = "sent", now, now + self.refresh_interval
                else:
                    row.status, row.claimed_at = "sending", now
                row.claimed_by = self.claim_id
                row.attempts += 1
                if delivery.method == "chat.postMessage":
                    key = {"key": row.key}
                    delivery.args["metadata"] = {"event_type": METADATA_TYPE, "event_payload": key}
                bookkeeping = bookkeeping or delivery.after is not None
                claimed.append(_Claimed(row_id, row, lane, delivery, unconfirmed, earlier_claim))
        return claimed, tried

    def _send_claimed(self, claimed: list[_Claimed]) -> bool:
        """Call Slack for claimed rows in order, recording what it took every RECORD_EVERY rows or
        RECORD_AFTER seconds and at the end; False if the fence stopped the pass.

        The fence and the pacer are asked just before each call: rows fenced off, or held since
        their claim (a 429 in this pass), go back to the queue. A row that fails holds back the
        rest of its channel's rows in this pass, which go back too."""
        sent: list[_Sent] = []
        back: list[int] = []
        stopped: set[str] = set()
        recorded = time.monotonic()
        at = 0
        try:
            for at, item in enumerate(claimed):
                if item.lane in stopped:
                    back.append(item.row_id)
                    continue
                if not self._fence():
                    back += [later.row_id for later in claimed[at:]]
                    at = len(claimed)
                    return False
                channel = item.row.channel
                if self.pacer.delay(item.delivery.method, channel) > 0:
                    stopped.add(item.lane)
                    back.append(item.row_id)
                    continue
                try:
                    found = item.unconfirmed and self._find_delivered(item.row, since=item.earlier_claim)
                    if found:
                        with transaction(self.engine) as session:
                            current = session.get(Outbox, item.row_id)
                            if current is not None and self._owns(current):
                                self._settle_found(session, current, found)
                        continue
                    result = self._call(item.delivery)
                except _Failure as failure:
                    self.pacer.note(item.delivery.method, channel)
                    self._failed(item.row_id, item.delivery, channel, failure)
                    stopped.add(item.lane)
                    continue
                # Noted once Slack has answered: the latest moment it can have counted the
                # call, so the window never opens before Slack's does.
                self.pacer.note(item.delivery.method, channel)
                self._worked(item.delivery.method)
                sent.append(_Sent(item.row_id, item.delivery, result, self.clock.now()))
                if len(sent) >= RECORD_EVERY or time.monotonic() - recorded >= RECORD_AFTER:
                    batch, sent = sent, []
                    self._record_sent(batch)
                    recorded = time.monotonic()
            at = len(claimed)
            return True
        finally:
            # Also on the way out of an error: what Slack took is recorded (or left in `sending`
            # for recover() if that fails too); the row being sent stays in `sending`, and the
            # rows not reached yet go back to the queue.
            batch, sent = sent, []
            back += [later.row_id for later in claimed[at + 1 :]]
            try:
                if batch:
                    self._record_sent(batch)
            finally:
                if back:
                    self._unclaim(back)

    def _record_sent(self, sent: list[_Sent]) -> None:
        """Record, in one transaction, the rows Slack took; a row taken over while it was being
        sent is left to its new sender."""
        with transaction(self.engine) as session:
            rows = {
                row.id: row
                for row in session.exec(
                    select(Outbox).where(col(Outbox.id).in_([item.row_id for item in sent]))
                ).all()
            }
            for item in sent:
                row = rows.get(item.row_id)
                if row is None or not self._owns(row):
                    log.info("row %s was taken over while being sent; its new sender records it", item.row_id)
                    continue
                self._mark_sent(session, row, item.delivery, item.result, answered=item.answered)

    def _mark_sent(
        self,
        session: Session,
        row: Outbox,
        delivery: Delivery,
        result: dict[str, Any],
        *,
        answered: datetime | None = None,
    ) -> None:
        answered = answered or self.clock.now()
        if row.kind in REFRESHES:
            self._next_refresh(row, answered=answered)
        else:
            row.status, row.sent_at = "sent", answered
        row.last_error = None
        row.result_channel = result.get("channel")
        row.result_ts = result.get("ts")
        if delivery.after:
            delivery.after(session, result)
        _forget_if_private(session, row)

    def _next_refresh(self, row: Outbox, *, answered: datetime) -> None:
        """The next refresh of a live message waits the interval from Slack's answer to this one,
        not from its claim: Slack took this update at some moment before it answered, and takes the
        next one after it is sent, so however slowly Slack answers it never sees two closer together.

        The claim set `not_before` one interval after `sent_at`; a vote meanwhile only moved it
        later. Earlier means a close asked for its final results at once (`request_refresh`
        with `immediate`): that keeps its place."""
        claimed_next = utc(row.sent_at or answered) + self.refresh_interval
        due = utc(row.not_before or answered)
        if due >= claimed_next:
            row.not_before = max(due, answered + self.refresh_interval)

    def _send_replies(self, row_ids: list[int]) -> int:
        """Claim, send and record a batch of replies to people's clicks, waiting for every answer;
        return how many were tried (drain's way; the background sender does not wait)."""
        with transaction(self.engine) as session:
            rows = self._claimable(session, _OUTBOX.c.id.in_(row_ids), len(row_ids))
            lanes, claimed = self._claim(session, rows, busy=set(), room=len(rows))
        if claimed:
            lanes_of = [[(i, claimed[i]) for i in ids] for ids in lanes.values()]
            futures = [self._webhooks.run(self._send_lane(lane)) for lane in lanes_of]
            done = [outcome for future in futures for outcome in future.result()]
            self._settle([(row_id, claimed[row_id], outcome) for row_id, outcome in done])
        return len(rows)

    def _due_replies(self) -> Any:
        """The condition on a reply row that is pending and due now."""
        t = _OUTBOX
        return sa.and_(
            t.c.kind.in_(list(BATCHED)), t.c.status == "pending", t.c.not_before <= self.clock.now()
        )

    def _replies_due(self) -> bool:
        """Whether any reply row is due now (a read, no lock)."""
        with reading(self.engine) as session:
            found = session.execute(sa.select(_OUTBOX.c.id).where(self._due_replies()).limit(1)).first()
        return found is not None

    def _claimable(self, session: Session, which: Any, limit: int) -> list[Outbox]:
        """Due, pending reply rows, oldest first, locked for this claim (SKIP LOCKED on
        PostgreSQL: rows another dispatcher is claiming are left to it). Read with bare
        statements, as detached rows: this runs in a burst, holding the write lock."""
        t = _OUTBOX
        found = session.execute(
            sa.select(t.c.id, t.c.kind, t.c.payload)
            .where(which, self._due_replies())
            .order_by(t.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        # Not model instances: building one validates it, which a burst cannot afford.
        return [cast(Outbox, _ReplyRow(r.id, r.kind, r.payload)) for r in found]

    def _claim(
        self, session: Session, rows: list[Outbox], *, busy: set[str], room: int
    ) -> tuple[dict[str, list[int]], dict[int, Delivery]]:
        """Claim reply rows for at most `room` lanes that are not `busy`: the claimed rows' ids
        by lane, in queue order, and each one's delivery.

        A reply goes to its own response_url, so replies keep no order among themselves and
        wait on no channel's pace; but one person's replies go one after another, in order.
        """
        claimed: dict[int, Delivery] = {}
        lanes: dict[str, list[int]] = {}
        nothing: list[int] = []
        for row in rows:
            assert row.id is not None
            lane = str(row.payload.get("lane") or f"row:{row.id}")
            if lane in busy or (lane not in lanes and len(lanes) >= room):
                continue  # that person's earlier reply is on its way, or no slot: it waits
            delivery = self.renderers[row.kind](session, row)
            if delivery is None:
                nothing.append(row.id)
                continue
            claimed[row.id] = delivery
            lanes.setdefault(lane, []).append(row.id)
        t = _OUTBOX
        if claimed:
            session.execute(
                sa.update(t)
                .where(t.c.id.in_(list(claimed)))
                .values(
                    status="sending",
                    claimed_at=self.clock.now(),
                    claimed_by=self.claim_id,
                    attempts=t.c.attempts + 1,
                )
            )
        if nothing:
            session.execute(sa.update(t).where(t.c.id.in_(nothing)).values(status="sent"))
        return lanes, claimed

    async def _send_lane(self, lane: list[tuple[int, Delivery]]) -> list[tuple[int, Any]]:
        """One person's replies, one after another (on the webhooks' loop): each row's id and its
        outcome: Slack's answer, its _Failure, or _FENCED if the fence held it back."""
        outcomes: list[tuple[int, Any]] = []
        for row_id, delivery in lane:
            post_by = self._post_by.pop(row_id, None)
            if not self._fence() or (post_by is not None and time.monotonic() > post_by):
                outcomes.append((row_id, _FENCED))  # back to the queue, unsent
                continue
            args = dict(delivery.args)
            url = args.pop("url")
            started = time.monotonic()
            try:
                status, text, headers = await self._webhooks.post(url, args)
            except Unanswered as exc:
                self._unanswered(started)
                outcomes.append((row_id, _Failure(f"{_UNANSWERED} {type(exc).__name__}", 0)))
                continue
            self._answered()
            outcome = _reply_outcome(status, text, headers)
            if not isinstance(outcome, _Failure):
                self._worked(delivery.method)
            outcomes.append((row_id, outcome))
        return outcomes

    def _wait_for_replies(self, timeout: float) -> None:
        """Until no reply is on its way (or `timeout`): stopping then loses no answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._flight:
                if not self._in_flight:
                    return
            time.sleep(0.02)

    def _reply_step(self) -> None:
        """The background sender's step, one transaction: record the replies that came back since
        the last step, then claim due ones into the free slots; then send those."""
        done = []
        while True:
            try:
                done.append(self._settled.get_nowait())
            except queue.Empty:
                break
        if not self.own_replies and time.monotonic() >= self._next_takeover and self._fence():
            self._next_takeover = time.monotonic() + TAKE_OVER_EVERY
            self._take_over_stale()
        with self._flight:
            free, busy = REPLY_IN_FLIGHT - len(self._in_flight), set(self._in_flight)
        sending = (
            not self.own_replies and free > 0 and self._fence() and self.pacer.delay(Kind.RESPOND.method) <= 0
        )
        # A read first: this runs 20 times a second, and with nothing to record or send it must
        # not take the database's write lock (SQLite has one, which every vote waits for).
        if not done and not (sending and self._replies_due()):
            return
        lanes: dict[str, list[int]] = {}
        claimed: dict[int, Delivery] = {}
        with transaction(self.engine) as session:
            failures = self._record_outcomes(session, done)
            if sending:
                rows = self._claimable(session, sa.true(), free * 2 + len(busy))
                lanes, claimed = self._claim(session, rows, busy=busy, room=free)
        for row_id, delivery, failure in failures:
            self._failed(row_id, delivery, None, failure)
        for lane, ids in lanes.items():
            with self._flight:
                self._in_flight.add(lane)
            self._launch(lane, [(i, claimed[i]) for i in ids])

    def _launch(self, lane: str, replies: list[tuple[int, Delivery]]) -> None:
        """Send one lane's replies on the webhooks' loop (the lane is already in flight)."""
        future = self._webhooks.run(self._send_lane(replies))
        future.add_done_callback(functools.partial(self._landed, lane, dict(replies)))

    def _landed(self, lane: str, claimed: dict[int, Delivery], future: Any) -> None:
        """A lane's replies are back (on a pool thread): queue their outcomes to be recorded, and
        send that person's next reply of this process's own, if one waits."""
        try:
            outcomes = future.result()
        except Exception as exc:  # noqa: BLE001 - a bug in sending: the rows are retried
            log.exception("a reply could not be sent")
            outcomes = [(row_id, _Failure(f"internal: {type(exc).__name__}", 0)) for row_id in claimed]
        for row_id, outcome in outcomes:
            self._settled.put((row_id, claimed[row_id], outcome))
        with self._flight:
            following = self._waiting.pop(lane, None)
            if not following:
                self._in_flight.discard(lane)
        if following:
            self._launch(lane, following)
        self._reply_wake.set()

    def send_claimed(self, claimed: Claimed) -> None:
        """Post a reply this process queued already claimed under this dispatcher's `claim_id`
        (`outbox.enqueue_notice` with `claimed_by`), once the transaction that queued it has
        committed; without waiting for Slack. One person's replies go one after another; the
        outcome is recorded in the background with the others that came back meanwhile. A reply
        that cannot go out at once (the method is held after a 429) goes back to the queue, for
        the leader to send when Slack allows."""
        row = cast(Outbox, _ReplyRow(claimed.id, claimed.kind, claimed.payload))
        # A reply's renderer reads only the row's payload: no session to open on the vote's path.
        delivery = self.renderers[claimed.kind](cast(Session, None), row)
        if delivery is None:  # nothing to send: the leader settles it once the claim is stale
            return
        held = self.pacer.delay(delivery.method)
        if held > 0:
            self._settled.put((claimed.id, delivery, _Failure("ratelimited", 429, held)))
            self._reply_wake.set()
            return
        self._post_by[claimed.id] = time.monotonic() + OWN_POST_WITHIN
        lane = str(claimed.payload.get("lane") or f"row:{claimed.id}")
        with self._flight:
            if lane in self._in_flight:  # that person's earlier reply is on its way: this one follows
                self._waiting.setdefault(lane, []).append((claimed.id, delivery))
                return
            self._in_flight.add(lane)
        self._launch(lane, [(claimed.id, delivery)])

    def _fresh_own_claim(self) -> Any:
        """The condition on a row that a process claimed for itself (`send_claimed`) less than
        STALE_OWN_CLAIM ago: it is on its way from there."""
        t = _OUTBOX
        return sa.and_(
            _own_claimed(),
            t.c.claimed_at.is_not(None),
            t.c.claimed_at >= self.clock.now() - STALE_OWN_CLAIM,
        )

    def _take_over_stale(self) -> int:
        """Put back in the queue the replies a process claimed for itself and never settled (it
        died, or lost the database): they are sent again. One that process posted at the very
        moment it died is then posted twice, as Slack keeps no record of replies to look in."""
        t = _OUTBOX
        stale = sa.and_(
            t.c.status == "sending",
            t.c.kind.in_(list(BATCHED)),
            _own_claimed(),
            t.c.claimed_at < self.clock.now() - STALE_OWN_CLAIM,
        )
        # A read first: the leader looks every second, and must not take the write lock for nothing.
        with reading(self.engine) as session:
            if session.execute(sa.select(t.c.id).where(stale).limit(1)).first() is None:
                return 0
        with transaction(self.engine) as session:
            result = session.execute(
                sa.update(t)
                .where(stale)
                .values(
                    status="pending", not_before=self.clock.now(), last_error="interrupted; sending again"
                )
            )
            taken = cast(sa.CursorResult[Any], result).rowcount
        if taken:
            log.info("took over %d replies whose sending process stopped before recording them", taken)
        self._reply_wake.set()
        return taken

    def _settle(self, done: list[tuple[int, Delivery, Any]]) -> None:
        """Record replies' outcomes in one transaction; then retry or report the failed ones."""
        with transaction(self.engine) as session:
            failures = self._record_outcomes(session, done)
        for row_id, delivery, failure in failures:
            self._failed(row_id, delivery, None, failure)

    def _record_outcomes(
        self, session: Session, done: list[tuple[int, Delivery, Any]]
    ) -> list[tuple[int, Delivery, _Failure]]:
        """Mark replies sent (a private one deleted), or back in the queue (fenced), with bare
        statements, touching only rows still under this dispatcher's claim; return the failed ones."""
        if not done:
            return []
        t, now = _OUTBOX, self.clock.now()
        fenced = [row_id for row_id, _, outcome in done if outcome is _FENCED]
        sent = [i for i, _, outcome in done if outcome is not _FENCED and not isinstance(outcome, _Failure)]
        ours = sa.and_(t.c.status == "sending", t.c.claimed_by == self.claim_id)
        if sent:
            private = t.c.payload["private"].as_boolean().is_(True)
            session.execute(sa.delete(t).where(t.c.id.in_(sent), ours, private))
            session.execute(
                sa.update(t).where(t.c.id.in_(sent), ours).values(status="sent", sent_at=now, last_error=None)
            )
        if fenced:
            session.execute(
                sa.update(t)
                .where(t.c.id.in_(fenced), ours)
                .values(status="pending", attempts=sa.case((t.c.attempts > 0, t.c.attempts - 1), else_=0))
            )
        return [(i, d, o) for i, d, o in done if isinstance(o, _Failure)]

    def _unclaim(self, row_ids: list[int]) -> None:
        """Put rows claimed but not sent back in the queue, if the database can still be reached;
        if not, they stay in `sending` and the next leader's recover() sends them."""
        try:
            with transaction(self.engine) as session:
                for row in session.exec(select(Outbox).where(col(Outbox.id).in_(row_ids))).all():
                    if not self._owns(row):
                        continue
                    row.status, row.not_before = "pending", self.clock.now()
                    row.attempts = max(0, row.attempts - 1)
        except Exception as exc:  # noqa: BLE001 - cut off from the database: recover() settles them
            log.warning("could not put %d unsent rows back in the queue: %s", len(row_ids), exc)

    def _call(self, delivery: Delivery) -> dict[str, Any]:
        started = time.monotonic()
        try:
            result = self._call_slack(delivery)
        except _Failure as failure:
            if failure.error.startswith(_UNANSWERED):
                self._unanswered(started)
            else:
                self._answered()
            raise
        self._answered()
        return result

    def _call_slack(self, delivery: Delivery) -> dict[str, Any]:
        # A response_url never comes here: its kinds are BATCHED, sent by _send_lane.
        try:
            if delivery.method == "files_upload_v2":  # three calls (URL, upload, complete) in one helper
                args = dict(delivery.args)
                if str(args.get("channel", "")).startswith(("U", "W")):  # to a person: their DM's id
                    args["channel"] = self.client.conversations_open(users=args["channel"])["channel"]["id"]
                response = self.client.files_upload_v2(**{k: v for k, v in args.items() if v is not None})
            else:
                response = self.client.api_call(delivery.method, json=delivery.args)
        except SlackApiError as exc:
            status = getattr(exc.response, "status_code", 0)
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            raise _Failure(
                str(data.get("error", "unknown_error")), status, _retry_after(exc.response.headers)
            ) from None
        except OSError as exc:  # refused, reset, timed out
            raise _Failure(f"{_UNANSWERED} {exc}", 0) from None
        return dict(response.data) if isinstance(response.data, dict) else {}

    def _failed(self, row_id: int, delivery: Delivery, channel: str | None, failure: _Failure) -> bool:
        if failure.status == 429:
            wait = max(1.0, failure.retry_after or 1.0)
            whole = delivery.method != "chat.postMessage"
            if self.pacer.hold(delivery.method, channel, wait, whole_method=whole):
                scope = (
                    f"every {delivery.method}"
                    if whole
                    else f"{delivery.method} to the conversations it refused"
                )
                log.info(
                    "Slack asked Convene to slow down (HTTP 429 on %s): holding %s for %g s, as it asked; "
                    "nothing is lost",
                    delivery.method,
                    scope,
                    wait,
                )
            return self._retry(row_id, "ratelimited", timedelta(seconds=wait), count=False)
        if failure.error == "not_in_channel" and self._join(delivery.args.get("channel")):
            return self._retry(row_id, "joined the channel", timedelta(0), count=False)
        if failure.error in PERMANENT:
            self._give_up(row_id, failure.error, delivery)
            return False
        if failure.error.startswith(_UNANSWERED):  # Slack out of reach: wait for it, never give up
            return self._retry(row_id, failure.error, timedelta(seconds=1), count=False)
        self._troubled(delivery.method, failure)
        return self._retry(row_id, failure.error, None, delivery=delivery)

    def _troubled(self, method: str, failure: _Failure) -> None:
        """Count a send to retry after an error answer; the first of an episode (until `method`
        works again) is logged."""
        with self._health:
            retried = self._retrying.get(method, 0)
            self._retrying[method] = retried + 1
        if not retried:
            answer = f"HTTP {failure.status}, {failure.error}" if failure.status != 200 else failure.error
            log.info(
                "Slack answered %s with an error (%s): retrying with backoff, up to %d tries a send; "
                "nothing is lost",
                method,
                answer,
                MAX_ATTEMPTS,
            )

    def _worked(self, method: str) -> None:
        """A call to `method` went through: it ends an episode of errors, saying so."""
        if method not in self._retrying:  # read without the lock: the common case stays cheap
            return
        with self._health:
            retried = self._retrying.pop(method, 0)
        if retried:
            log.info("Slack answers %s again, after %d tries that met an error", method, retried)

    def _join(self, channel: Any) -> bool:
        """Join a public channel after not_in_channel (needs channels:join)."""
        if not isinstance(channel, str) or not channel.startswith("C"):
            return False
        try:
            self.client.conversations_join(channel=channel)
            return True
        except (SlackApiError, OSError) as exc:
            log.warning("could not join %s: %s", channel, exc)
            return False

    def _retry(
        self,
        row_id: int,
        error: str,
        delay: timedelta | None,
        count: bool = True,
        *,
        delivery: Delivery | None = None,
    ) -> bool:
        with transaction(self.engine) as session:
            row = session.get(Outbox, row_id)
            if row is None or not self._owns(row):
                return False
            if not count:
                row.attempts = max(0, row.attempts - 1)
            row.last_error = error
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                log.warning("outbox row %s failed after %d tries: %s", row_id, row.attempts, error)
                self._report(session, row, error)
                if delivery is not None and delivery.failed:
                    delivery.failed(session, error)
                _forget_if_private(session, row)
            else:
                row.status = "pending"
                backoff = timedelta(seconds=min(60, 2**row.attempts))
                row.not_before = self.clock.now() + (delay if delay is not None else backoff)
        return False

    def _give_up(self, row_id: int, error: str, delivery: Delivery | None = None) -> None:
        with transaction(self.engine) as session:
            row = session.get(Outbox, row_id)
            if row is None or not self._owns(row):
                return
            row.status, row.last_error = "failed", error
            self._report(session, row, error)
            if delivery is not None and delivery.failed:
                delivery.failed(session, error)
            _forget_if_private(session, row)
        log.warning("outbox row %s failed: %s", row_id, error)

    def _owns(self, row: Outbox) -> bool:
        """Whether a row this dispatcher claimed is still its own to settle: neither recorded nor
        claimed again meanwhile by a leader that took over (a refresh is claimed as sent and
        re-rendered on every send, so it always is)."""
        return row.kind in REFRESHES or (row.status == "sending" and row.claimed_by == self.claim_id)

    def _report(self, session: Session, row: Outbox, error: str) -> None:
        if self.on_failure:
            self.on_failure(session, row, plain_error(error))

    # ------------------------------------------------------------ recovery

    def recover(self) -> int:
        """Settle rows a crash left in `sending`; return how many were found already delivered."""
        with Session(self.engine) as session:
            # A reply another process claimed for itself a moment ago is on its way from there:
            # left to it, and taken over only once its claim is stale (_take_over_stale).
            stuck = session.exec(
                select(Outbox).where(Outbox.status == "sending", sa.not_(self._fresh_own_claim()))
            ).all()
        delivered = 0
        for row in stuck:
            found = self._find_delivered(row) if row.kind in POSTS else None
            with transaction(self.engine) as session:
                current = session.get(Outbox, row.id)
                if current is None or current.status != "sending":
                    continue
                if found:
                    self._settle_found(session, current, found)
                    delivered += 1
                else:
                    current.status = "pending"
                    current.last_error = "interrupted; sending again"
        if stuck:
            log.info("recovered %d interrupted sends (%d had reached Slack)", len(stuck), delivered)
        return delivered

    def _settle_found(self, session: Session, row: Outbox, found: dict[str, Any]) -> None:
        """Record a row as sent by the message found in its channel's history."""
        row.status, row.sent_at = "sent", self.clock.now()
        row.result_channel, row.result_ts = found.get("channel"), found.get("ts")
        renderer = self.renderers.get(row.kind)
        delivery = renderer(session, row) if renderer else None
        if delivery and delivery.after:
            delivery.after(session, found)
        _forget_if_private(session, row)

    def _find_delivered(self, row: Outbox, since: datetime | None = None) -> dict[str, Any] | None:
        """Look for the row's message (its key in the metadata, or an upload's file name) among the
        messages in its channel since it was claimed (or `since`)."""
        channel = row.channel or row.payload.get("channel")
        if not channel:
            return None
        try:
            if channel.startswith(("U", "W")):
                channel = self.client.conversations_open(users=channel)["channel"]["id"]
            claimed = utc(since or row.claimed_at or self.clock.now())
            oldest = f"{(claimed - timedelta(seconds=5)).timestamp():.6f}"
            cursor = None
            while True:
                page = self.client.conversations_history(
                    channel=channel, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
                )
                messages: list[dict[str, Any]] = page.get("messages", [])
                for message in messages:
                    if _carries(row, message):
                        return {"channel": channel, "ts": message.get("ts"), "message": message}
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None
        except (SlackApiError, OSError) as exc:
            # Cannot tell: sending again risks a duplicate, not sending risks a loss.
            # Slack answers history for any channel the bot posts in, so this is rare;
            # prefer delivery.
            log.warning("could not check whether row %s was delivered: %s", row.id, exc)
            return None


_Due = tuple[int, str, str | None, datetime]  # id, kind, channel, due since


@dataclass(frozen=True)
class _Claimed:
    """A row claimed in a pass, rendered, waiting for its call to Slack."""

    row_id: int
    row: Outbox  # as claimed (detached): where it goes, its key, its previous claim
    lane: str  # its channel, whose order it keeps
    delivery: Delivery
    unconfirmed: bool  # its last call went unanswered: look in the channel before sending
    earlier_claim: datetime | None


class _Sent(NamedTuple):
    """A row Slack took, waiting to be recorded with the others of its batch."""

    row_id: int
    delivery: Delivery
    result: dict[str, Any]
    answered: datetime  # when Slack answered (a refresh's next interval counts from it)


def _longest_waiting_refresh_first(due: list[_Due]) -> list[_Due]:
    """Due rows in id order, but the live polls' refreshes, which share chat.update's budget,
    take their places among them longest-waiting first: each poll gets its turn, and none
    starves because another was launched earlier (a lower id) and is due again sooner."""
    places = [i for i, row in enumerate(due) if row[1] in REFRESHES]
    ordered = list(due)
    for i, row in zip(places, sorted((due[i] for i in places), key=lambda r: (r[3], r[0])), strict=True):
        ordered[i] = row
    return ordered


def _forget_if_private(session: Session, row: Outbox) -> None:
    """Delete a private row (about an anonymous poll: its DMs, nudges and confirmations) once
    it is final, sent or failed: nothing that names its recipient, its answer or its times
    outlives it. It is never queued again: the job or vote that queued it committed with it."""
    if row.payload.get("private"):
        session.delete(row)


def _carries(row: Outbox, message: dict[str, Any]) -> bool:
    """Whether a message in the history is this row's delivery: its metadata key, or for an upload
    its file name (unique per row, since it carries the image's digest)."""
    meta = message.get("metadata") or {}
    if meta.get("event_type") == METADATA_TYPE and (meta.get("event_payload") or {}).get("key") == row.key:
        return True
    filename = row.payload.get("filename")
    return bool(filename) and any(f.get("name") == filename for f in message.get("files") or [])


_OUTBOX = table_of(Outbox)


def _own_claimed() -> Any:
    """The condition on a row that a process claimed for itself to send (`send_claimed`)."""
    return sa.func.coalesce(_OUTBOX.c.claimed_by, "").like(f"{OWN_CLAIM}%")
_DUE = (
    sa.select(_OUTBOX.c.id, _OUTBOX.c.kind, _OUTBOX.c.channel, _OUTBOX.c.not_before)
    .where(_OUTBOX.c.status == "pending", _OUTBOX.c.not_before <= sa.bindparam("now"))
    .order_by(_OUTBOX.c.id)
    .limit(500)
)
_DUE_BUT_REPLIES = _DUE.where(_OUTBOX.c.kind.not_in(list(BATCHED)))
_NEXT_DUE = (
    sa.select(_OUTBOX.c.not_before)
    .where(_OUTBOX.c.status == "pending")
    .order_by(_OUTBOX.c.not_before)
    .limit(1)
)


def _own_claim() -> str:
    """A claim id for replies a process sends itself, told apart by its beginning (OWN_CLAIM)."""
    return OWN_CLAIM + uuid.uuid4().hex[: 32 - len(OWN_CLAIM)]


@dataclass(frozen=True)
class _ReplyRow:
    """What a reply row's renderer reads (its payload), as claimed by bare statements."""

    id: int
    kind: str
    payload: dict[str, Any]


def _reply_outcome(status: int, text: str, headers: Any) -> dict[str, Any] | _Failure:
    """What Slack's answer to a reply means: {} when taken, else its _Failure (404: the link
    expired or was used up)."""
    if status == 404:
        return _Failure(text.strip() or "expired_url", 404)
    if status != 200:
        return _Failure("server_error", status, _retry_after(headers))
    return {}


def _retry_after(headers: Any) -> float | None:
    try:
        value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
