"""Driving Q&A as Slack would (asking, upvoting, moderating), and the `panel` and `moderated` fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.devkit.sandbox import Message
from bot.devkit.simulate import Reply
from storage.models import Qa, Question, Upvote

PLENARY = "#lmi-plenary"


FACILITATOR = "facilitator-lead"


MODERATED = "california-way"  # 4:30-5:45 PM Friday; its facilitator is none: organizers moderate


OPEN = "what-is-possible"  # 5:45-6:45 PM Friday


DURING_OPEN_PANEL = datetime(2015, 5, 9, 0, 50, tzinfo=UTC)  # 5:50 PM Friday


@pytest.fixture
def panel(ws: Workspace, clock: ManualClock) -> str:
    """The unmoderated panel's Q&A, opened by hand in the plenary channel while it runs."""
    clock.set(DURING_OPEN_PANEL)
    reply = command(ws, "/qa open")
    assert reply.text.startswith("Opened Q&A for _What IS Possible panel_ in this channel"), reply.text
    ws.deliver()
    return OPEN


def command(ws: Workspace, line: str, *, who: str = FACILITATOR, channel: str = PLENARY) -> Reply:
    reply = ws.driver.command(ws.user(who), line, channel=channel)
    assert reply.status == 200, reply.body
    return reply


def qa_row(ws: Workspace, qa_id: str) -> Qa:
    with Session(ws.engine) as session:
        qa = session.get(Qa, qa_id)
        assert qa is not None
        return qa


def live_message(ws: Workspace, qa_id: str) -> Message:
    qa = qa_row(ws, qa_id)
    assert qa.channel_id and qa.message_ts, f"{qa_id}'s message was not posted"
    return ws.sandbox.message(qa.channel_id, qa.message_ts)


def press(ws: Workspace, who: str, message: Message, action_id: str, value: str | None = None) -> None:
    reply = ws.driver.click(
        ws.user(who), channel=message.channel, message_ts=message.ts, action_id=action_id, value=value
    )
    assert reply.status == 200, reply.body


def ask_form(ws: Workspace, who: str, qa_id: str) -> Any:
    press(ws, who, live_message(ws, qa_id), "qa_ask")
    (view,) = ws.sandbox.open_views(ws.user(who))
    return view


def ask_values(text: str, *, anonymous: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {"question": {"value": {"type": "plain_text_input", "value": text}}}
    chosen = [{"value": "yes"}] if anonymous else []
    values["anonymous"] = {"value": {"type": "checkboxes", "selected_options": chosen}}
    return values


def ask(ws: Workspace, who: str, qa_id: str, text: str, *, anonymous: bool = False) -> Question:
    view = ask_form(ws, who, qa_id)
    reply = ws.driver.submit(ws.user(who), view.id, ask_values(text, anonymous=anonymous))
    assert reply.status == 200 and reply.body == "", reply.body
    (question,) = [q for q in questions(ws, qa_id) if q.text == text]
    return question


def questions(ws: Workspace, qa_id: str) -> list[Question]:
    with Session(ws.engine) as session:
        return list(session.exec(select(Question).where(Question.qa_id == qa_id)))


def upvotes(ws: Workspace, question_id: int | None) -> int:
    with Session(ws.engine) as session:
        return len(session.exec(select(Upvote).where(Upvote.question_id == question_id)).all())


def upvote_button(message: Message, question_id: int | None) -> str:
    for block in message.blocks:
        accessory = block.get("accessory") or {}
        if accessory.get("value") == str(question_id):
            return str(accessory["action_id"])
    raise AssertionError(f"question {question_id} has no Upvote button")


def shown(ws: Workspace) -> None:
    """Deliver, and again once the live message's refresh interval has passed."""
    assert isinstance(ws.clock, ManualClock)
    ws.deliver()
    ws.clock.advance(2.1)
    ws.deliver()


def notes_to(ws: Workspace, who: str) -> list[str]:
    uid = ws.user(who)
    return [e.text for e in ws.sandbox.ephemerals if e.user == uid]


def participants(ws: Workspace, n: int) -> list[str]:
    return [p.id for p in ws.event.people.values() if p.team][:n]


@pytest.fixture
def moderated(ws: Workspace, clock: ManualClock) -> str:
    clock.set(datetime(2015, 5, 8, 23, 35, tzinfo=UTC))  # 4:35 PM Friday, the first panel
    assert command(ws, f"/qa open {MODERATED}").text.startswith("Opened Q&A for _Charting")
    ws.deliver()
    return MODERATED

