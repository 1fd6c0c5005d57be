"""Delivery through the outbox: Slack's back-pressure, failures in plain words, and a
message neither lost nor repeated when the process dies mid-send."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.delivery import Dispatcher, outbox
from bot.devkit import SlackSandbox, Workspace, fanout_event, free_port, sandbox_users
from bot.event import Event
from storage.db import transaction
from storage.models import Outbox, table_of

# The PostgreSQL pass of CI runs these: the outbox's claims, transactions and exactly-once sends.
pytestmark = pytest.mark.database


def queue_dms(ws: Workspace, people: list[str], text: str = "hello") -> None:
    with transaction(ws.engine) as session:
        for person in people:
            outbox.enqueue_dm(
                session,
                user=ws.user(person),
                text=f"{text} {person}",
                now=ws.clock.now(),
                key=f"test:{person}",
            )


def dm_texts(ws: Workspace, person: str) -> list[str]:
    user = ws.user(person)
    return [m.text for m in ws.sandbox.messages(ws.sandbox.dms[user])] if user in ws.sandbox.dms else []


def rows(ws: Workspace) -> list[Outbox]:
    with Session(ws.engine) as session:
        return list(session.exec(select(Outbox).order_by(Outbox.id)))  # type: ignore[arg-type]


@pytest.fixture
def limited(example_event: Event, engine: Engine, clock: ManualClock):  # type: ignore[no-untyped-def]
    """A workspace whose sandbox answers 429 beyond 5 chat.postMessage calls a second."""
    with Workspace(
        example_event, clock=clock, engine=engine, rate_limits={"chat.postMessage": (5, 1.0)}
    ) as ws:
        # The bot's own pacing is off here so that it meets Slack's answer, not its own caution.
        ws.services.dispatcher.pacer.limits.clear()
        yield ws


def test_429_is_honoured_and_nothing_is_lost(limited: Workspace, clock: ManualClock) -> None:
    ws = limited
    people = [p.id for p in ws.event.people.values() if p.team][:12]
    queue_dms(ws, people)
    ws.deliver()
    refused = [c for c in ws.sandbox.calls_to("chat.postMessage") if c.status == 429]
    assert len(refused) >= 1
    assert sum(1 for p in people if dm_texts(ws, p)) == 5
    ws.deliver()  # still inside Retry-After: nothing more is tried
    assert len([c for c in ws.sandbox.calls_to("chat.postMessage") if c.status == 429]) == len(refused)
    for _ in range(5):
        clock.advance(1)
        ws.deliver()
    assert all(dm_texts(ws, p) == [f"hello {p}"] for p in people)
    assert {r.status for r in rows(ws)} == {"sent"}


def test_server_errors_and_dropped_connections_are_retried_with_backoff(
    ws: Workspace, clock: ManualClock
) -> None:
    ws.sandbox.fail_next("chat.postMessage", status=500)
    ws.sandbox.fail_next("chat.postMessage", drop_connection=True, times=2)
    queue_dms(ws, ["abc-usd-supt"])
    ws.deliver()
    (row,) = rows(ws)
    assert row.status == "pending" and row.last_error == "internal_error"
    for _ in range(4):
        clock.advance(60)
        ws.deliver()
    assert dm_texts(ws, "abc-usd-supt") == ["hello abc-usd-supt"]
    assert rows(ws)[0].status == "sent"


def _said(caplog: pytest.LogCaptureFixture, words: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.delivery.dispatcher" and r.levelno == logging.INFO and words in r.getMessage()
    ]


def test_a_429_is_logged_once_per_hold_not_once_per_send(
    limited: Workspace, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    ws = limited
    caplog.set_level(logging.INFO, logger="bot.delivery.dispatcher")
    people = [p.id for p in ws.event.people.values() if p.team][:12]
    queue_dms(ws, people)
    ws.deliver()
    refused = [c for c in ws.sandbox.calls_to("chat.postMessage") if c.status == 429]
    assert len(refused) == 7  # seven DMs, each to its own conversation, met one hold
    (line,) = _said(caplog, "HTTP 429")
    assert "slow down" in line and "chat.postMessage" in line and "nothing is lost" in line
    assert not any(ws.user(p) in line for p in people)  # logs name nobody
    ws.deliver()  # still inside Retry-After: nothing is tried, nothing more is said
    assert len(_said(caplog, "HTTP 429")) == 1
    for _ in range(5):
        clock.advance(1)
        ws.deliver()
    assert all(dm_texts(ws, p) == [f"hello {p}"] for p in people)
    # Each later hold has its own line: two more rounds met Slack's limit.
    later = [c for c in ws.sandbox.calls_to("chat.postMessage") if c.status == 429][7:]
    assert len(_said(caplog, "HTTP 429")) == 1 + len({c.at for c in later})


def test_server_errors_are_logged_once_per_episode_and_its_end(
    ws: Workspace, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.delivery.dispatcher")
    people = [p.id for p in ws.event.people.values() if p.team][:11]
    later, people = people[8:], people[:8]
    ws.sandbox.fail_next("chat.postMessage", status=500, times=6)
    queue_dms(ws, people)
    ws.deliver()
    (line,) = _said(caplog, "with an error")
    assert "chat.postMessage" in line and "HTTP 500" in line and "retrying" in line
    (back,) = _said(caplog, "again")  # the seventh went through
    assert "chat.postMessage" in back and "6 tries" in back
    for _ in range(3):
        clock.advance(60)
        ws.deliver()
    assert all(dm_texts(ws, p) == [f"hello {p}"] for p in people)
    assert len(_said(caplog, "with an error")) == 1 and len(_said(caplog, "again")) == 1
    ws.sandbox.fail_next("chat.postMessage", status=503, times=2)  # a second episode
    queue_dms(ws, later)
    ws.deliver()
    assert len(_said(caplog, "with an error")) == 2 and "HTTP 503" in _said(caplog, "with an error")[1]


def test_a_post_whose_answer_was_lost_goes_out_once(ws: Workspace, clock: ManualClock) -> None:
    # Slack posted the message, then the connection dropped before its answer came back:
    # the bot cannot tell this from a post that never arrived, and must not post it twice.
    ws.sandbox.fail_next("chat.postMessage", answer_lost=True)
    queue_dms(ws, ["abc-usd-supt"])
    for _ in range(4):
        ws.deliver()
        clock.advance(60)
    assert dm_texts(ws, "abc-usd-supt") == ["hello abc-usd-supt"]
    (row,) = rows(ws)
    assert row.status == "sent" and row.result_ts == ws.sandbox.messages(row.result_channel)[0].ts


def test_permanent_errors_are_reported_to_organizers_in_plain_words(
    ws: Workspace, clock: ManualClock
) -> None:
    ws.sandbox.archive_channel("#lmi-plenary")
    ws.sandbox.deactivate_user(ws.user("abc-usd-board"))
    with transaction(ws.engine) as session:
        channel = ws.services.directory.channel("lmi-plenary")
        outbox.enqueue(
            session,
            kind="post",
            key="t:archived",
            channel=channel,
            payload={"channel": channel, "text": "hi", "describe": "the reminder for Welcome remarks"},
            now=ws.clock.now(),
        )
    queue_dms(ws, ["abc-usd-board"])
    ws.deliver()
    clock.advance(1)  # one message per second to each conversation
    ws.deliver()
    reports = dm_texts(ws, "cdef-events-lead")
    assert reports == [
        f":warning: Convene could not deliver the reminder for Welcome remarks in <#{channel}>: the channel "
        "is archived.",
        ":warning: Convene could not deliver a direct message to Benjamin Calloway: that person's Slack "
        "account is deactivated.",
    ]
    assert [r.status for r in rows(ws)][:2] == ["failed", "failed"]


def test_not_in_channel_joins_and_retries(ws: Workspace, clock: ManualClock) -> None:
    ws.sandbox.fail_next("chat.postMessage", error="not_in_channel")
    channel = ws.services.directory.channel("lmi-plenary")
    with transaction(ws.engine) as session:
        outbox.enqueue(
            session,
            kind="post",
            key="t:join",
            channel=channel,
            payload={"channel": channel, "text": "hi"},
            now=ws.clock.now(),
        )
    ws.deliver()
    clock.advance(1)
    ws.deliver()
    assert [c.method for c in ws.sandbox.calls if c.method in ("chat.postMessage", "conversations.join")] == [
        "chat.postMessage",
        "conversations.join",
        "chat.postMessage",
    ]
    assert [m.text for m in ws.sandbox.messages(channel)] == ["hi"]


class DiesAfterSending(Dispatcher):
    """A dispatcher that dies between Slack's answer and recording it: the window at stake."""

    def _record_sent(self, sent):  # type: ignore[no-untyped-def]
        raise SystemExit("killed")


def test_a_send_interrupted_after_slack_answered_is_recorded_not_repeated(ws: Workspace) -> None:
    queue_dms(ws, ["abc-usd-supt", "abc-usd-board"])
    real = ws.services.dispatcher
    doomed = DiesAfterSending(engine=ws.engine, client=real.client, clock=ws.clock, renderers=real.renderers)
    with pytest.raises(SystemExit):
        doomed.drain(limit=1)
    assert [r.status for r in rows(ws)] == ["sending", "pending"]
    assert dm_texts(ws, "abc-usd-supt") == ["hello abc-usd-supt"]
    assert real.recover() == 1  # found in the DM's history by its metadata
    ws.deliver()
    assert dm_texts(ws, "abc-usd-supt") == ["hello abc-usd-supt"]  # not sent again
    assert dm_texts(ws, "abc-usd-board") == ["hello abc-usd-board"]
    first = rows(ws)[0]
    assert first.status == "sent" and first.result_ts == ws.sandbox.messages(first.result_channel)[0].ts


def test_a_send_interrupted_before_slack_answered_is_sent_again(ws: Workspace) -> None:
    queue_dms(ws, ["abc-usd-supt"])
    ws.sandbox.fail_next("chat.postMessage", drop_connection=True)
    real = ws.services.dispatcher

    class DiesOnError(Dispatcher):
        def _failed(self, *args):  # type: ignore[no-untyped-def]
            raise SystemExit("killed")

    with pytest.raises(SystemExit):
        DiesOnError(engine=ws.engine, client=real.client, clock=ws.clock, renderers=real.renderers).drain()
    assert rows(ws)[0].status == "sending" and dm_texts(ws, "abc-usd-supt") == []
    assert real.recover() == 0
    ws.deliver()
    assert dm_texts(ws, "abc-usd-supt") == ["hello abc-usd-supt"]


# ------------------------------------------------------------------ a real second process, killed


FANOUT = 500


@pytest.mark.slow
def test_sigkill_in_the_middle_of_a_500_dm_fanout_delivers_each_exactly_once(
    engine: Engine, tmp_path: Path
) -> None:
    event_file = fanout_event(tmp_path, FANOUT)
    with SlackSandbox() as sandbox:
        for user, email in sandbox_users(FANOUT):
            sandbox.add_user(id=user, name=email.split("@")[0], email=email)
        env = {
            **os.environ,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "SLACK_API_URL": sandbox.api_url,
            "SLACK_BOT_TOKEN": sandbox.bot_token,
            "SLACK_SIGNING_SECRET": "fanout-secret",
            "CONVENE_LOG_LEVEL": "WARNING",
        }

        def start() -> subprocess.Popen[bytes]:
            port = free_port()
            return subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", str(event_file), "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )

        def delivered() -> int:
            return sum(
                1 for c in sandbox.calls_to("chat.postMessage") if c.status == 200 and c.response.get("ok")
            )

        first = start()
        try:
            deadline = time.monotonic() + 60
            while delivered() < FANOUT // 3:
                assert first.poll() is None, first.stderr.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the fan-out did not start"
                time.sleep(0.005)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        at_kill = delivered()
        assert FANOUT // 3 <= at_kill < FANOUT, "the kill must land mid fan-out"

        second = start()
        try:
            deadline = time.monotonic() + 90
            while delivered() < FANOUT and time.monotonic() < deadline:
                assert second.poll() is None, second.stderr.read().decode()  # type: ignore[union-attr]
                time.sleep(0.05)
            time.sleep(1.0)  # anything extra would arrive now
        finally:
            second.terminate()
            second.wait(timeout=10)

        per_user: dict[str, int] = {}
        for user, dm in sandbox.dms.items():
            per_user[user] = len(sandbox.messages(dm))
        counts = [per_user.get(user, 0) for user, _ in sandbox_users(FANOUT)[1:]]
        assert counts.count(0) == 0, f"{counts.count(0)} DMs lost"
        assert max(counts) == 1, f"{sum(c - 1 for c in counts if c > 1)} DMs duplicated"
        with Session(engine) as session:
            statuses = {r.status for r in session.exec(select(Outbox).where(Outbox.kind == "dm"))}
        assert statuses == {"sent"}


def test_two_dispatchers_on_one_database_never_send_a_row_twice(ws: Workspace) -> None:
    from concurrent.futures import ThreadPoolExecutor

    people = [p.id for p in ws.event.people.values() if p.team][:60]
    queue_dms(ws, people)
    real = ws.services.dispatcher
    other = Dispatcher(engine=ws.engine, client=real.client, clock=ws.clock, renderers=real.renderers)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda d: d.drain(), [real, other]))
    assert [len(dm_texts(ws, p)) for p in people] == [1] * len(people)
    assert {r.status for r in rows(ws)} == {"sent"}


def test_a_late_answer_to_a_leader_that_lost_the_row_changes_nothing(
    ws: Workspace, clock: ManualClock
) -> None:
    """The old leader claimed a reply and lost its lease; the next one took the row over and sent
    it. The old one's call then fails: its retry must not put the new claim back in the queue."""
    voter = ws.user("abc-usd-supt")
    url = ws.sandbox.new_response_url(channel_id=ws.sandbox.channel_id("#lmi-plenary"), user_id=voter)
    queue_dms(ws, ["abc-usd-board"])
    with transaction(ws.engine) as session:
        outbox.enqueue_notice(session, {"response_url": url, "user": voter}, "Recorded", now=clock.now())
    real = ws.services.dispatcher
    old = Dispatcher(engine=ws.engine, client=real.client, clock=ws.clock, renderers=real.renderers)
    with transaction(ws.engine) as session:  # claimed, on its way, when the old leader was cut off
        session.execute(sa.update(table_of(Outbox)).values(status="sending", claimed_by=old.claim_id))
    ids = [r.id for r in rows(ws)]

    class Next(Dispatcher):
        """The next leader; the old one's late failures land while its own sends are on their way."""

        def _settle(self, done):  # type: ignore[no-untyped-def]
            for row_id in ids:
                old._retry(row_id, "unanswered: timed out", timedelta(seconds=1), count=False)
            super()._settle(done)

        def _record_sent(self, sent):  # type: ignore[no-untyped-def]
            for row_id, *_ in sent:
                old._retry(row_id, "unanswered: timed out", timedelta(seconds=1), count=False)
            super()._record_sent(sent)

    new = Next(engine=ws.engine, client=real.client, clock=ws.clock, renderers=real.renderers)
    new.recover()
    new.drain()
    clock.advance(5)
    new.drain()
    ws.deliver()
    assert [e.text for e in ws.sandbox.ephemerals if e.user == voter] == ["Recorded"]
    assert dm_texts(ws, "abc-usd-board") == ["hello abc-usd-board"]
    assert {r.status for r in rows(ws)} == {"sent"}
    for dispatcher in (old, new):
        dispatcher.stop()


def test_replies_to_clicks_wait_out_a_hold_like_every_other_send(ws: Workspace, clock: ManualClock) -> None:
    voter = ws.user("abc-usd-supt")
    url = ws.sandbox.new_response_url(channel_id=ws.sandbox.channel_id("#lmi-plenary"), user_id=voter)
    with transaction(ws.engine) as session:
        outbox.enqueue_notice(session, {"response_url": url, "user": voter}, "Recorded", now=clock.now())
    # What a 429 from Slack leaves behind: no calls to the method until Retry-After has passed.
    ws.services.dispatcher.pacer.hold("response_url", None, 5, whole_method=True)
    ws.deliver()
    assert ws.sandbox.calls_to("response_url") == [] and [r.status for r in rows(ws)] == ["pending"]
    clock.advance(6)
    ws.deliver()
    assert [e.text for e in ws.sandbox.ephemerals if e.user == voter] == ["Recorded"]
