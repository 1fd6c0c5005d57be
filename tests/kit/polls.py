"""Driving live polls as Slack would: launching, clicking, reading what was posted and recorded."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from bot.devkit import Workspace
from storage.models import Poll, Response

PLENARY = "#lmi-plenary"


FACILITATOR = "facilitator-lead"


def launch(ws: Workspace, poll_id: str, *, channel: str = PLENARY, who: str = FACILITATOR) -> Any:
    reply = ws.driver.command(ws.user(who), f"/poll launch {poll_id}", channel=channel)
    assert reply.status == 200
    ws.deliver()
    return reply


def poll_message(ws: Workspace, poll_id: str) -> Any:
    with Session(ws.engine) as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None and poll.message_ts, f"{poll_id} was not posted"
        return ws.sandbox.message(poll.channel_id, poll.message_ts)


def message_text(message: Any) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def click(ws: Workspace, who: str, poll_id: str, action_id: str, value: str | None = None) -> Any:
    message = poll_message(ws, poll_id)
    reply = ws.driver.click(
        ws.user(who), channel=message.channel, message_ts=message.ts, action_id=action_id, value=value
    )
    assert reply.status == 200, reply.body
    return reply


def notes_to(ws: Workspace, who: str) -> list[str]:
    uid = ws.user(who)
    return [e.text for e in ws.sandbox.ephemerals if e.user == uid]


def responses(ws: Workspace, poll_id: str) -> list[Response]:
    with Session(ws.engine) as session:
        return list(session.exec(select(Response).where(Response.poll_id == poll_id)))

