"""Audience Q&A against someone trying to break it, through signed requests: the same request
delivered twice, clicks at the same instant, mistyped and misplaced commands, forms sent back
in shapes Slack never sends, and acts after the Q&A closed. Each gets its answer in the form or
only to its sender, and nothing recorded changes.

tests/scenarios/test_qa.py covers the ordinary paths and the simpler refusals (an empty or
over-long question, one's own question, a question after the close, a sequential double
click); this file adds what an adversary does beyond them.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from handlers.common import UNREADABLE
from handlers.qa import HELP
from storage.models import Qa, Question, Upvote
from tests.kit.qa import (
    DURING_OPEN_PANEL,
    FACILITATOR,
    MODERATED,
    ask,
    ask_form,
    ask_values,
    command,
    live_message,
    notes_to,
    participants,
    press,
    shown,
    upvote_button,
    upvotes,
)

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
Sent = tuple[bytes, dict[str, str]]


def recorded(ws: Workspace) -> tuple[list[tuple[Any, ...]], ...]:
    """Everything Q&A records: each Q&A, question and upvote as a row of values."""
    with Session(ws.engine) as session:
        return tuple(
            sorted(tuple(row.model_dump().values()) for row in session.exec(select(model)))
            for model in (Qa, Question, Upvote)
        )


def capture(ws: Workspace) -> tuple[list[Sent], Callable[[Sent, dict[str, str]], tuple[int, str]]]:
    """Record every request the driver sends, byte for byte; and a way to send one again."""
    original = ws.driver.transport
    sent: list[Sent] = []

    def send(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        sent.append((body, headers))
        return original(body, headers)

    def again(request: Sent, extra: dict[str, str]) -> tuple[int, str]:
        body, headers = request
        return original(body, {**headers, **extra})

    ws.driver.transport = send
    return sent, again


# ---------------------------------------------------------------- redeliveries and double clicks


def test_a_redelivered_upvote_counts_once(ws: Workspace, panel: str, clock: ManualClock) -> None:  # noqa: F811
    asker, voter = participants(ws, 2)
    question = ask(ws, asker, panel, "Who carries the work when the grant ends?")
    shown(ws)
    message = live_message(ws, panel)
    sent, again = capture(ws)
    press(ws, voter, message, upvote_button(message, question.id))
    (click,) = sent
    before = recorded(ws)
    # The same bytes, signature and all: as a proxy or Slack would deliver them again.
    for extra in ({}, RETRY, RETRY):
        status, _ = again(click, extra)
        assert status == 200
    assert recorded(ws) == before and upvotes(ws, question.id) == 1
    clock.advance(3)
    ws.deliver()
    notes = notes_to(ws, voter)
    assert notes[0].startswith("Upvoted: _Who carries the work")
    assert all(n.startswith("Already upvoted (it counts once)") for n in notes[1:])
    assert "*▲ 1* · Who carries the work" in str(live_message(ws, panel).blocks)


def test_a_redelivered_question_is_recorded_once(ws: Workspace, panel: str) -> None:  # noqa: F811
    asker = participants(ws, 1)[0]
    view = ask_form(ws, asker, panel)
    sent, again = capture(ws)
    reply = ws.driver.submit(ws.user(asker), view.id, ask_values("What did the first year cost?"))
    assert reply.status == 200 and reply.body == ""
    before = recorded(ws)
    status, body = again(sent[-1], RETRY)
    assert status == 200 and "You have already asked this question here." in body
    assert recorded(ws) == before and len(before[1]) == 1


@pytest.mark.database
def test_double_clicks_at_the_same_instant_count_once(ws: Workspace, panel: str, clock: ManualClock) -> None:  # noqa: F811
    asker, *voters = participants(ws, 13)
    first = ask(ws, asker, panel, "First of two questions")
    second = ask(ws, asker, panel, "Second of two questions")
    shown(ws)
    message = live_message(ws, panel)
    buttons = {q.id: upvote_button(message, q.id) for q in (first, second)}

    def clicks(index: int) -> list[int]:
        # Each voter presses both Upvote buttons twice, as fast as threads allow.
        who = ws.user(voters[index // 4])
        target = (first, second)[index % 2]
        reply = ws.driver.click(
            who, channel=message.channel, message_ts=message.ts, action_id=buttons[target.id]
        )
        return [reply.status]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [s for batch in pool.map(clicks, range(len(voters) * 4)) for s in batch]
    assert statuses == [200] * (len(voters) * 4)
    assert (upvotes(ws, first.id), upvotes(ws, second.id)) == (len(voters), len(voters))
    clock.advance(3)
    ws.deliver()
    text = str(live_message(ws, panel).blocks)
    assert f"*▲ {len(voters)}* · First of two" in text and f"*▲ {len(voters)}* · Second of two" in text
    for who in voters:
        notes = notes_to(ws, who)
        assert len(notes) == 4 and sum(n.startswith("Upvoted: ") for n in notes) == 2, notes


# ---------------------------------------------------------------- commands


def test_mistyped_and_incomplete_qa_commands_teach_and_change_nothing(
    ws: Workspace,
    panel: str,  # noqa: F811
) -> None:
    asker = participants(ws, 1)[0]
    question = ask(ws, asker, panel, "A question to moderate")
    before = recorded(ws)
    posts = len(ws.sandbox.calls_to("chat.postMessage"))
    for line, answer in (
        ("/qa opne", "I don't know `/qa opne`.\n\n" + HELP),
        ("/qa clsoe what-is-possible", "I don't know `/qa clsoe`.\n\n" + HELP),
        ("/qa <!channel>", "I don't know `/qa &lt;!channel&gt;`.\n\n" + HELP),
        ("/qa", HELP),
        ("/qa HELP", HELP),
        ("/qa approve", "Which question? Give its number, e.g. `/qa approve 4821` (`/qa queue` lists them)."),
        ("/qa dismiss soon", "Which question? Give its number, e.g. `/qa dismiss 4821`"),
        ("/qa answered -5", "Which question? Give its number, e.g. `/qa answered 4821`"),
        ("/qa answered 99999999999", "Which question? Give its number"),
        ("/qa answered 12", "There is no question #12. `/qa queue` lists them."),
        ("/qa open no-such-panel", "There is no session `no-such-panel`."),
        ("/qa close no-such-panel", "There is no session `no-such-panel`."),
        (f"/qa approve {question.id}", f"Question #{question.id} is already shown."),
    ):
        reply = command(ws, line)
        assert reply.text.startswith(answer), (line, reply.text)
        assert reply.json.get("response_type", "ephemeral") == "ephemeral", line
    ws.deliver()
    assert recorded(ws) == before
    assert len(ws.sandbox.calls_to("chat.postMessage")) == posts


def test_qa_commands_in_a_channel_with_no_session_say_how_to_name_one(
    ws: Workspace, clock: ManualClock
) -> None:
    clock.set(DURING_OPEN_PANEL)
    before = recorded(ws)
    for verb in ("open", "display", "queue"):
        reply = command(ws, f"/qa {verb}", channel="#lmi-announcements")
        assert reply.text.startswith(
            f"No session meets in this channel. Name one: `/qa {verb} <session>`."
        ), (
            verb,
            reply.text,
        )
        assert "Sessions with Q&A: `california-way`, `what-is-possible`" in reply.text
    reply = command(ws, "/qa close", channel="#lmi-announcements")
    assert reply.text == "No Q&A is open in this channel. Name one: `/qa close <session>`."
    reply = command(ws, f"/qa close {MODERATED}", channel="#lmi-announcements")
    assert reply.text == "That session's Q&A has not been opened."
    ws.deliver()
    assert recorded(ws) == before
    assert ws.sandbox.calls_to("chat.postMessage") == []


# ---------------------------------------------------------------- forms and clicks


def test_forms_sent_back_in_shapes_slack_never_sends_change_nothing(ws: Workspace, panel: str) -> None:  # noqa: F811
    asker, voter = participants(ws, 2)
    question = ask(ws, asker, panel, "A question worth upvoting")
    shown(ws)
    press(ws, voter, live_message(ws, panel), upvote_button(live_message(ws, panel), question.id))
    shown(ws)
    before = recorded(ws)
    view = ask_form(ws, voter, panel)
    for value, error in (
        (["a list"], UNREADABLE),
        (300, UNREADABLE),
        ("\n\n \t", "Write your question."),
        ("é" * 301, "Keep your question to 300 characters (this one has 301)."),
    ):
        values = {"question": {"value": {"type": "plain_text_input", "value": value}}}
        reply = ws.driver.submit(ws.user(voter), view.id, values)
        assert reply.json == {"response_action": "errors", "errors": {"question": error}}, (value, reply.body)
    # Asking anonymously where the form offers it, but with an option it never had.
    odd = {**ask_values("An odd question"), "anonymous": {"value": {"selected_options": "yes"}}}
    reply = ws.driver.submit(ws.user(voter), view.id, odd)
    assert reply.json["errors"] == {"question": UNREADABLE}
    press(ws, voter, live_message(ws, panel), "qa_take_back")
    (take_back,) = [
        v for v in ws.sandbox.open_views(ws.user(voter)) if v.view["callback_id"] == "qa_take_back"
    ]
    for picked, error in (
        ([], "Choose the questions to take your upvote back from."),
        ([{"value": "not a number"}], "That question is not part of this Q&A."),
        ([{"value": "99999999"}], "That question is not part of this Q&A."),
        ([{"value": str(question.id)}, {"value": "-1"}], "That question is not part of this Q&A."),
        ("everything", UNREADABLE),
    ):
        values = {"questions": {"value": {"type": "multi_static_select", "selected_options": picked}}}
        reply = ws.driver.submit(ws.user(voter), take_back.id, values)
        assert reply.json == {"response_action": "errors", "errors": {"questions": error}}, (
            picked,
            reply.body,
        )
    assert recorded(ws) == before and upvotes(ws, question.id) == 1


def test_a_waiting_question_takes_no_upvote_even_by_its_number(
    ws: Workspace,
    moderated: str,  # noqa: F811
) -> None:
    asker, voter = participants(ws, 2)
    waiting = ask(ws, asker, moderated, "Still waiting for a moderator")
    assert waiting.status == "pending"
    before = recorded(ws)
    message = live_message(ws, moderated)
    press(ws, voter, message, "qa_upvote_0", value=str(waiting.id))  # a guessed number
    ws.deliver()
    assert notes_to(ws, voter)[-1] == "That question is not shown, so it takes no upvotes."
    assert recorded(ws) == before


def test_after_the_close_a_take_back_or_a_stale_click_changes_nothing(
    ws: Workspace,
    panel: str,  # noqa: F811
) -> None:
    asker, voter = participants(ws, 2)
    question = ask(ws, asker, panel, "Does the upvote stay after the close?")
    shown(ws)
    press(ws, voter, live_message(ws, panel), upvote_button(live_message(ws, panel), question.id))
    shown(ws)
    message = live_message(ws, panel)
    press(ws, voter, message, "qa_take_back")
    (form,) = ws.sandbox.open_views(ws.user(voter))
    command(ws, "/qa close")
    ws.deliver()
    before = recorded(ws)
    chosen = [{"value": str(question.id)}]
    values = {"questions": {"value": {"type": "multi_static_select", "selected_options": chosen}}}
    reply = ws.driver.submit(ws.user(voter), form.id, values)
    assert reply.json["errors"] == {
        "questions": "This Q&A is closed; taking back your upvote was not recorded."
    }
    # The old message's buttons, pressed after the close (Slack sends what the message showed).
    press(ws, voter, message, "qa_take_back", value=panel)
    press(ws, voter, message, "qa_ask", value=panel)
    press(ws, asker, message, "qa_upvote_0", value=str(question.id))
    ws.deliver()
    assert notes_to(ws, voter)[-2:] == [
        "This Q&A is closed; its upvotes are final.",
        "This Q&A is closed; it takes no more questions.",
    ]
    assert notes_to(ws, asker)[-1].startswith("This Q&A is closed; your upvote for")
    assert [v.view["callback_id"] for v in ws.sandbox.open_views(ws.user(voter))] == ["qa_take_back"]
    assert recorded(ws) == before and upvotes(ws, question.id) == 1
    assert command(ws, "/qa close", who=FACILITATOR).text.startswith("No Q&A is open in this channel.")


def test_open_with_no_session_on_now_says_which_it_picked(ws: Workspace) -> None:
    # April 30, a week before the event: the plenary channel's nearest session is picked.
    reply = command(ws, "/qa open")
    assert reply.text.startswith("Opened Q&A for _Welcome remarks_ in this channel")
    assert reply.text.endswith(
        "\nNo session is on here now; this one is at Friday, May 8, 4:00 PM. "
        "For another: `/qa open <session>`."
    )


def test_a_take_back_form_cannot_reach_into_another_qa(
    ws: Workspace,
    panel: str,  # noqa: F811
) -> None:
    """The take-back form of one Q&A, submitted with the id of a question in another open Q&A
    (a forged submission: the form never lists it), is refused and changes nothing there."""
    opened = command(ws, f"/qa open {MODERATED}", channel="#lmi-closing")
    assert opened.text.startswith("Opened Q&A"), opened.text
    asker, voter = participants(ws, 2)
    here = ask(ws, asker, panel, "Which partnership lasted longest?")
    shown(ws)
    press(ws, voter, live_message(ws, panel), upvote_button(live_message(ws, panel), here.id))
    elsewhere = ask(ws, asker, MODERATED, "Will the co-sponsors fund coaching?")
    command(ws, f"/qa approve {elsewhere.id}", channel="#lmi-closing", who="cdef-events-lead")
    shown(ws)
    press(ws, voter, live_message(ws, MODERATED), upvote_button(live_message(ws, MODERATED), elsewhere.id))
    assert upvotes(ws, elsewhere.id) == 1
    press(ws, voter, live_message(ws, panel), "qa_take_back")
    (form,) = ws.sandbox.open_views(ws.user(voter))
    forged = [{"value": str(elsewhere.id)}]
    values = {"questions": {"value": {"type": "multi_static_select", "selected_options": forged}}}
    reply = ws.driver.submit(ws.user(voter), form.id, values)
    assert reply.json["errors"] == {"questions": "That question is not part of this Q&A."}
    assert upvotes(ws, elsewhere.id) == 1 and upvotes(ws, here.id) == 1
