"""Launching a poll and voting on it, and picking people by role."""

from __future__ import annotations

from sqlmodel import Session

from bot.devkit import Workspace
from storage.models import Poll

PLENARY = "#lmi-closing"


def launch_and_vote(ws: Workspace, poll_id: str, votes: dict[str, int]) -> None:
    """votes: roster id -> option index."""
    ws.driver.command(ws.user("facilitator-lead"), f"/poll launch {poll_id}", channel=PLENARY)
    ws.deliver()
    with Session(ws.engine) as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None and poll.message_ts
        channel, ts = poll.channel_id, poll.message_ts
    for person, option in votes.items():
        reply = ws.driver.click(
            ws.user(person),
            channel=channel,
            message_ts=ts,  # type: ignore[arg-type]
            action_id=f"poll_vote_{option}",
        )
        assert reply.status == 200


def people_with_role(ws: Workspace, role: str, n: int) -> list[str]:
    return [p.id for p in ws.event.people.values() if p.role == role][:n]

