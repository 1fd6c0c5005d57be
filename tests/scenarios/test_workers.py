"""Several processes on one database: one leads (schedule and outbox), writers take turns,
and when the leader dies another process takes over without losing or repeating a send."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.app import Leadership
from bot.delivery import outbox
from bot.event import Event
from storage.db import transaction
from storage.locks import Lease
from storage.models import Outbox, Poll
from tests.kit import ROOT, wait_until
from tests.kit.serve import serving

# The PostgreSQL pass of CI runs these: the leader's lock and processes sharing one database.
pytestmark = pytest.mark.database

HOLD_LEAD = """
import sys
from storage.db import make_engine
from storage.locks import Lease
print("held" if Lease(make_engine(sys.argv[1])).try_acquire() else "refused", flush=True)
sys.stdin.read()  # hold it until the test closes this pipe or kills the process
"""

HOLD_WRITER = """
import sys, time
from datetime import UTC, datetime
from bot.delivery import outbox
from storage.db import make_engine, transaction
from storage.locks import writer_queue

engine = make_engine(sys.argv[1])
with writer_queue(engine):
    print("holding", flush=True)
    time.sleep(0.5)
    with transaction(engine) as session:
        outbox.enqueue(session, kind="post", key="first", payload={}, now=datetime.now(UTC))
"""


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def child() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def run_child(started: list[subprocess.Popen[str]], script: str, engine: Engine) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, url_of(engine)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    started.append(proc)
    return proc


def test_one_process_leads_and_the_lead_passes_on_when_it_dies(
    any_engine: Engine, child: list[subprocess.Popen[str]]
) -> None:
    leader = run_child(child, HOLD_LEAD, any_engine)
    assert leader.stdout is not None and leader.stdout.readline().strip() == "held"
    follower = Lease(any_engine)
    assert not follower.try_acquire()
    assert run_child(child, HOLD_LEAD, any_engine).stdout.readline().strip() == "refused"  # type: ignore[union-attr]
    leader.send_signal(signal.SIGKILL)  # no clean-up: the lock must die with the process
    leader.wait(timeout=10)
    wait_until(follower.try_acquire, timeout=10)
    assert follower.still_held()
    follower.release()
    assert run_child(child, HOLD_LEAD, any_engine).stdout.readline().strip() == "held"  # type: ignore[union-attr]


def test_writers_in_two_processes_take_turns_on_sqlite(
    engine: Engine, child: list[subprocess.Popen[str]]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL takes many writers at once; only SQLite needs the writer queue")
    holder = run_child(child, HOLD_WRITER, engine)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    # The other process holds the queue but has not begun its transaction: without the
    # queue this write would go first.
    with transaction(engine) as session:
        outbox.enqueue(session, kind="post", key="second", payload={}, now=datetime.now(UTC))
    assert holder.wait(timeout=20) == 0
    with Session(engine) as session:
        assert list(session.exec(select(Outbox.key).order_by(col(Outbox.id)))) == ["first", "second"]


LEADS = re.compile(r" (\d+) INFO bot\.app\.leader: this process leads")


@pytest.mark.slow
def test_two_workers_share_the_work_and_survive_the_leader_being_killed(
    example_event: Event, engine: Engine, tmp_path: Path
) -> None:
    with serving(example_event, engine, tmp_path, workers=2) as (ws, _url, log):
        wait_until(lambda: LEADS.search(log.read_text()))
        (first_leader,) = LEADS.findall(log.read_text())
        facilitator = ws.user("facilitator-lead")
        reply = ws.driver.command(facilitator, "/poll launch capacity-project", channel="#lmi-plenary")
        assert reply.status == 200
        wait_until(lambda: ws.sandbox.messages("#lmi-plenary"))
        (message,) = ws.sandbox.messages("#lmi-plenary")
        voters = [ws.user(p.id) for p in example_event.people.values() if p.team][:40]
        for i, voter in enumerate(voters):  # answered by either worker
            click = ws.driver.click(
                voter, channel="#lmi-plenary", message_ts=message.ts, action_id=f"poll_vote_{i % 5}"
            )
            assert click.status == 200

        os.kill(int(first_leader), signal.SIGKILL)
        wait_until(lambda: len(LEADS.findall(log.read_text())) == 2, timeout=30)
        assert LEADS.findall(log.read_text())[1] != first_leader

        closed = ws.driver.command(facilitator, "/poll close capacity-project", channel="#lmi-plenary")
        assert closed.status == 200
        wait_until(lambda: "40 responses" in str(ws.sandbox.message("#lmi-plenary", message.ts).blocks))
        wait_until(lambda: {e.user for e in ws.sandbox.ephemerals} >= set(voters))
        with Session(engine) as session:
            poll = session.get(Poll, "capacity-project")
            assert poll is not None and poll.status == "closed"
        posts = ws.sandbox.calls_to("chat.postMessage")
        assert len([c for c in posts if c.params.get("channel") == message.channel]) == 1
        # A confirmation the killed leader was sending may go twice: Slack keeps no
        # record of an ephemeral reply to look it up by, so sending again beats losing it.
        confirmations = [sum(1 for e in ws.sandbox.ephemerals if e.user == voter) for voter in voters]
        assert min(confirmations) == 1 and max(confirmations) <= 2


def test_a_leader_whose_database_connection_drops_steps_down_then_leads_again(any_engine: Engine) -> None:
    if any_engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the lead is a file lock, which only the process's death can take away")
    events: list[str] = []
    lease = Lease(any_engine)
    leadership = Leadership(
        lease, on_lead=lambda: events.append("lead"), on_lose=lambda: events.append("lose"), retry=0.1
    )
    try:
        assert leadership.start()
        with any_engine.connect() as admin:  # the server ends the session that holds the lock
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
            admin.commit()
        wait_until(lambda: events == ["lead", "lose", "lead"], timeout=10)
        assert leadership.leading and lease.still_held()
    finally:
        leadership.stop()
    assert events == ["lead", "lose", "lead", "lose"]
