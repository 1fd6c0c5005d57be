"""Many people answering at once, from several threads, on SQLite and PostgreSQL:
every vote is recorded once, and the refresh stays one coalesced row."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.event import Event
from storage.models import Outbox, Poll, Response

# The PostgreSQL pass of CI runs these: concurrent writers.
pytestmark = pytest.mark.database


def test_concurrent_votes_are_each_recorded_once(
    example_event: Event, any_engine: Engine, clock: ManualClock
) -> None:
    with Workspace(example_event, clock=clock, engine=any_engine) as ws:
        ws.driver.command(
            ws.user("facilitator-lead"), "/poll launch capacity-project", channel="#lmi-plenary"
        )
        ws.deliver()
        with Session(ws.engine) as session:
            poll = session.get(Poll, "capacity-project")
            assert poll is not None and poll.message_ts
            channel, ts = poll.channel_id, poll.message_ts
        voters = [ws.user(p.id) for p in example_event.people.values() if p.team][:120]

        def vote_twice(index: int) -> list[int]:
            uid = voters[index]
            first = ws.driver.click(uid, channel=channel, message_ts=ts, action_id=f"poll_vote_{index % 5}")
            second = ws.driver.click(
                uid, channel=channel, message_ts=ts, action_id=f"poll_vote_{(index + 1) % 5}"
            )
            return [first.status, second.status]

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = [s for pair in pool.map(vote_twice, range(len(voters))) for s in pair]
        assert statuses == [200] * 240

        with Session(ws.engine) as session:
            rows = session.exec(select(Response).where(Response.poll_id == "capacity-project")).all()
            refreshes = session.exec(select(Outbox).where(Outbox.kind == "poll_refresh")).all()
        assert sorted(r.user_id for r in rows) == sorted(voters)  # type: ignore[type-var]
        assert {r.user_id: r.choices for r in rows} == {uid: [(i + 1) % 5] for i, uid in enumerate(voters)}
        assert len(refreshes) == 1
        ws.deliver()
        assert "120 responses" in str(ws.sandbox.message(channel, ts).blocks)
        assert len(ws.sandbox.calls_to("chat.update")) == 1
