"""Six polls live at once share Slack's Tier 3 budget for chat.update: each gets its turn.

Time here is the workspace's clock, not the wall's: the sandbox holds the bot to 50
chat.update calls a minute on that clock, and the test reads when each poll's message
was refreshed on it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.core import ManualClock
from bot.devkit import Workspace, live_polls_event
from bot.event import load_event
from storage.models import Poll

POLLS = [(f"room{k}", f"breakout-{k}") for k in range(1, 7)]
VOTERS = 300
TIER_3 = (50, 60.0)


def test_six_live_polls_each_get_a_refresh_every_8_seconds_within_tier_3(
    engine: Engine, tmp_path: Path
) -> None:
    event = load_event(live_polls_event(tmp_path, POLLS, VOTERS))
    clock = ManualClock(datetime.fromisoformat("2030-01-01T09:05:00+00:00"))
    with Workspace(event, clock=clock, engine=engine, rate_limits={"chat.update": TIER_3}) as ws:
        for poll_id, channel in POLLS:
            reply = ws.driver.command(ws.user("host"), f"/poll launch {poll_id}", channel=f"#{channel}")
            assert reply.status == 200
        ws.deliver()
        with Session(ws.engine) as session:
            messages = {}
            for poll_id, _ in POLLS:
                poll = session.get(Poll, poll_id)
                assert poll is not None and poll.message_ts, f"{poll_id} was not posted"
                messages[poll_id] = (poll.channel_id, poll.message_ts)
        voters = [p.id for p in ws.event.people.values() if p.team]
        started = clock.now()
        # Three minutes of steady voting in every room, a vote in each poll every half second,
        # each one changing what the poll's message shows; the outbox is sent every quarter second.
        for step in range(720):
            for n, (channel, ts) in enumerate(messages.values() if step % 2 == 0 else []):
                who = voters[(step * len(messages) + n) % len(voters)]
                action = f"poll_vote_{step // 2 % 5}"
                ws.driver.click(ws.user(who), channel=channel, message_ts=ts, action_id=action)
            ws.deliver()
            clock.advance(0.25)
        refreshed: dict[str, list[datetime]] = defaultdict(list)
        for call in ws.sandbox.calls_to("chat.update"):
            assert call.status != 429, "the bot went past Slack's Tier 3 for chat.update"
            for poll_id, (channel, ts) in messages.items():
                if (call.params.get("channel"), call.params.get("ts")) == (channel, ts):
                    refreshed[poll_id].append(call.at)
        assert set(refreshed) == set(messages), f"never refreshed: {set(messages) - set(refreshed)}"
        gaps = {
            poll_id: max((b - a).total_seconds() for a, b in zip([started, *times], times, strict=False))
            for poll_id, times in refreshed.items()
        }
        assert max(gaps.values()) <= 8.0, gaps
