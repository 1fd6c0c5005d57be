"""Audience Q&A end to end: signed Slack requests into the Bolt app, the real database, the
outbox delivering to the sandbox, which records what the bot sent.

The example event's Friday panels have Q&A: "Charting the California Way" is moderated,
"What IS Possible" is not; both take anonymous questions.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.devkit.sandbox import Message
from storage.models import Outbox, Qa, Question
from tests.kit.display import client_for, display_path
from tests.kit.qa import (
    DURING_OPEN_PANEL,
    MODERATED,
    OPEN,
    PLENARY,
    ask,
    ask_form,
    ask_values,
    command,
    live_message,
    notes_to,
    participants,
    press,
    qa_row,
    questions,
    shown,
    upvote_button,
    upvotes,
)


def text_of(message: Message) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def upvote(ws: Workspace, who: str, qa_id: str, question_id: int | None) -> None:
    """Press the question's Upvote button on the live message as it is now."""
    message = live_message(ws, qa_id)
    try:
        press(ws, who, message, upvote_button(message, question_id))
    except AssertionError:  # not among the top ten: as a click on a message a refresh since changed
        press(ws, who, message, "qa_upvote_0", value=str(question_id))


def dms_to(ws: Workspace, who: str) -> list[Message]:
    uid = ws.user(who)
    channel = ws.sandbox.dms.get(uid)
    return ws.sandbox.messages(channel) if channel else []


# ---------------------------------------------------------------- opening and closing


def test_a_facilitator_opens_qa_with_one_live_message_and_an_ask_button(ws: Workspace, panel: str) -> None:
    posts = ws.sandbox.calls_to("chat.postMessage")
    assert len(posts) == 1 and posts[0].params["channel"] == ws.sandbox.channel_id(PLENARY)
    message = live_message(ws, panel)
    assert message.text.startswith("Q&amp;A: What IS Possible panel (0 questions)")
    actions = [b for b in message.blocks if b["type"] == "actions"][0]["elements"]
    # No upvote to take back yet: only the Ask button.
    assert [(a["action_id"], a["text"]["text"]) for a in actions] == [("qa_ask", "Ask a question")]
    again = command(ws, "/qa open")
    assert again.text == f"Q&A for _What IS Possible panel_ is already open in <#{message.channel}>."
    ws.deliver()
    assert len(ws.sandbox.calls_to("chat.postMessage")) == 1


def test_participants_cannot_open_close_or_moderate(ws: Workspace, clock: ManualClock) -> None:
    clock.set(DURING_OPEN_PANEL)
    someone = participants(ws, 1)[0]
    for line, doing in (
        ("/qa open", "open Q&A"),
        ("/qa close", "close Q&A"),
        ("/qa display", "open display pages"),
    ):
        assert command(ws, line, who=someone).text == f"Only facilitators and organizers can {doing}.", line
    assert command(ws, "/qa answered 1234", who=someone).text.startswith("Only facilitators, organizers")
    ws.deliver()
    assert ws.sandbox.calls_to("chat.postMessage") == []
    with Session(ws.engine) as session:
        assert session.exec(select(Qa)).all() == []


def test_open_picks_the_session_on_now_and_names_unknown_ones(ws: Workspace, clock: ManualClock) -> None:
    clock.set(datetime(2015, 5, 8, 23, 20, tzinfo=UTC))  # 4:20 PM: the first panel is about to start
    assert "Charting the California Way panel" in command(ws, "/qa open").text
    typo = command(ws, "/qa open california-wya")
    assert typo.text.startswith("There is no session `california-wya`.")
    assert "`california-way`" in typo.text
    nowhere = command(ws, "/qa open", channel="#lmi-announcements")
    assert nowhere.text.startswith("No session meets in this channel. Name one: `/qa open <session>`.")


def test_close_shows_the_final_list_and_open_again_takes_questions_again(ws: Workspace, panel: str) -> None:
    asker, voter = participants(ws, 2)
    question = ask(ws, asker, panel, "What did the first year of the partnership cost?")
    closed = command(ws, "/qa close")
    assert closed.text == "Closed Q&A for _What IS Possible panel_. Its message now shows the final list."
    ws.deliver()  # no clock movement: closing does not wait for the refresh interval
    message = live_message(ws, panel)
    assert message.text.startswith("Q&amp;A closed: ")
    assert not any(b.get("accessory") or b["type"] == "actions" for b in message.blocks)
    assert "What did the first year" in text_of(message) and "this Q&A is closed" in text_of(message)
    # A late click on the old message, or a form opened before the close, changes nothing.
    press(ws, voter, message, "qa_upvote_0", value=str(question.id))
    ws.deliver()
    assert notes_to(ws, voter)[-1].startswith("This Q&A is closed; your upvote for")
    assert upvotes(ws, question.id) == 0
    assert command(ws, "/qa close").text == "No Q&A is open in this channel. Name one: `/qa close <session>`."
    assert command(ws, f"/qa close {panel}").text == "Q&A for _What IS Possible panel_ is already closed."
    reopened = command(ws, "/qa open")
    assert (
        reopened.text == "Opened Q&A for _What IS Possible panel_ again: its message takes questions again."
    )
    ws.deliver()
    assert len(ws.sandbox.calls_to("chat.postMessage")) == 1  # the same message, updated in place
    assert any(b["type"] == "actions" for b in live_message(ws, panel).blocks)


def test_the_event_file_opens_and_closes_qa_on_schedule(ws: Workspace) -> None:
    ws.run_until(datetime(2015, 5, 8, 23, 31, tzinfo=UTC))  # 4:31 PM Friday: the first panel began
    message = live_message(ws, MODERATED)
    assert message.text.startswith("Q&amp;A: Charting the California Way panel")
    assert "a moderator approves each question" in text_of(message)
    assert qa_row(ws, MODERATED).status == "open"
    ws.run_until(datetime(2015, 5, 9, 0, 46, tzinfo=UTC))  # 5:46 PM: it ended, the second began
    assert qa_row(ws, MODERATED).status == "closed"
    assert live_message(ws, MODERATED).text.startswith("Q&amp;A closed: ")
    assert qa_row(ws, OPEN).status == "open"
    assert live_message(ws, OPEN).channel == message.channel


# ---------------------------------------------------------------- asking


@pytest.mark.database
def test_a_question_is_recorded_confirmed_and_shown(ws: Workspace, panel: str, clock: ManualClock) -> None:
    asker = participants(ws, 1)[0]
    view = ask_form(ws, asker, panel)
    element = view.view["blocks"][1]["element"]
    assert view.view["callback_id"] == "qa_ask" and element["max_length"] == 300
    assert "anonymously" in json.dumps(view.view["blocks"])  # this Q&A takes anonymous questions
    assert ws.user(asker) not in view.view["private_metadata"]  # the form does not carry who asks
    typed = "How did you keep <!channel> the *partnership* going through @here three superintendents?"
    question = ask(ws, asker, panel, typed)
    assert (question.status, question.asker_user, question.anonymous) == ("open", ws.user(asker), False)
    clock.advance(3)
    ws.deliver()
    (note,) = notes_to(ws, asker)
    assert note.startswith(f"Your question is up under _What IS Possible panel_ (#{question.id}):")
    text = text_of(live_message(ws, panel))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "@\u200bhere" in text
    assert ws.event.people[asker].name in text  # a named question shows who asked, in Slack


def test_empty_long_repeated_or_late_questions_are_answered_in_the_form(ws: Workspace, panel: str) -> None:
    asker = participants(ws, 1)[0]
    view = ask_form(ws, asker, panel)
    for typed, error in (
        ("   ", "Write your question."),
        ("x" * 301, "Keep your question to 300 characters (this one has 301)."),
    ):
        reply = ws.driver.submit(ws.user(asker), view.id, ask_values(typed))
        assert reply.json == {"response_action": "errors", "errors": {"question": error}}
    assert ws.sandbox.open_views(ws.user(asker))  # the form stays open
    assert questions(ws, panel) == []
    ask(ws, asker, panel, "Who pays for release time?")
    view = ask_form(ws, asker, panel)
    twice = ws.driver.submit(ws.user(asker), view.id, ask_values("Who pays for release time?"))
    assert twice.json["errors"] == {"question": "You have already asked this question here."}
    late = ask_form(ws, asker, panel)
    command(ws, "/qa close")
    reply = ws.driver.submit(ws.user(asker), late.id, ask_values("And after the grant ends?"))
    assert reply.json["errors"] == {"question": "This Q&A is closed; your question was not recorded."}
    assert [q.text for q in questions(ws, panel)] == ["Who pays for release time?"]
    press(ws, asker, live_message(ws, panel), "qa_ask", value=panel)  # the old button, after the close
    ws.deliver()
    assert notes_to(ws, asker)[-1] == "This Q&A is closed; it takes no more questions."


def test_a_tampered_form_changes_nothing(ws: Workspace, panel: str) -> None:
    asker = participants(ws, 1)[0]
    view = ask_form(ws, asker, panel)
    sent = json.loads(view.view["private_metadata"])
    for tampered, error in (
        ({**sent, "qa": "nope"}, "That Q&A no longer exists."),
        ({**sent, "qa": 7}, "Part of this form came back in a shape Slack never sends."),
        ({}, "Part of this form came back in a shape Slack never sends."),
    ):
        ws.sandbox.views[view.id].view["private_metadata"] = json.dumps(tampered)
        reply = ws.driver.submit(ws.user(asker), view.id, ask_values("A question for no Q&A"))
        assert reply.json["errors"]["question"].startswith(error), (tampered, reply.body)
    with Session(ws.engine) as session:
        assert session.exec(select(Question)).all() == []


@pytest.mark.database
def test_an_anonymous_question_keeps_no_name_time_or_order(ws: Workspace, panel: str) -> None:
    askers = participants(ws, 4)
    asked = [
        ask(ws, who, panel, f"Anonymous question number {n}", anonymous=True) for n, who in enumerate(askers)
    ]
    for question, who in zip(asked, askers, strict=True):
        assert question.anonymous and question.asker_user is None and question.created_at is None
        assert question.asker_key and ws.user(who) not in question.asker_key
    shown(ws)
    text = text_of(live_message(ws, panel))
    assert "anonymous" in text and not any(ws.event.people[p].name in text for p in askers)
    assert notes_to(ws, askers[0])[0].startswith("Your anonymous question is up")
    with Session(ws.engine) as session:
        stored = json.dumps([o.payload for o in session.exec(select(Outbox))])
    assert not any(ws.user(p) in stored for p in askers)  # the confirmations went once sent
    # Upvoting one's own anonymous question is refused all the same.
    upvote(ws, askers[0], panel, asked[0].id)
    ws.deliver()
    assert notes_to(ws, askers[0])[-1].startswith("That is your own question, so your upvote")
    assert upvotes(ws, asked[0].id) == 0


# ---------------------------------------------------------------- upvoting


@pytest.mark.database
def test_one_upvote_per_person_whatever_the_clicks(ws: Workspace, panel: str, clock: ManualClock) -> None:
    asker, voter, other = participants(ws, 3)
    question = ask(ws, asker, panel, "What would you do differently?")
    shown(ws)
    message = live_message(ws, panel)
    action = upvote_button(message, question.id)
    for _ in range(3):  # a click, a double click, and Slack delivering the click again
        press(ws, voter, message, action)
    press(ws, other, message, action)
    assert upvotes(ws, question.id) == 2
    clock.advance(3)
    ws.deliver()
    notes = notes_to(ws, voter)
    assert notes[0].startswith("Upvoted: _What would you do differently?_")
    assert notes[1:] == [notes[1]] * 2 and notes[1].startswith("Already upvoted (it counts once)")
    assert "*▲ 2* · What would you do differently?" in text_of(live_message(ws, panel))


def test_upvoting_ones_own_question_is_refused_with_a_reason(ws: Workspace, panel: str) -> None:
    asker = participants(ws, 1)[0]
    question = ask(ws, asker, panel, "Is this my own question?")
    shown(ws)
    upvote(ws, asker, panel, question.id)
    ws.deliver()
    assert notes_to(ws, asker)[-1] == (
        "That is your own question, so your upvote does not count for it: _Is this my own question?_\n"
        "The upvotes show what others want answered."
    )
    assert upvotes(ws, question.id) == 0


@pytest.mark.database
def test_taking_an_upvote_back_is_its_own_form(ws: Workspace, panel: str, clock: ManualClock) -> None:
    asker, voter = participants(ws, 2)
    first = ask(ws, asker, panel, "First question")
    second = ask(ws, asker, panel, "Second question")
    shown(ws)
    assert "qa_take_back" not in text_of(live_message(ws, panel))  # no upvote yet: no button
    # A click on the button as an earlier version of the message showed it.
    press(ws, voter, live_message(ws, panel), "qa_take_back", value=panel)
    ws.deliver()
    assert notes_to(ws, voter)[-1].startswith("You have not upvoted any open question here")
    upvote(ws, voter, panel, first.id)
    upvote(ws, voter, panel, second.id)
    shown(ws)
    press(ws, voter, live_message(ws, panel), "qa_take_back")
    (view,) = ws.sandbox.open_views(ws.user(voter))
    options = view.view["blocks"][0]["element"]["options"]
    assert sorted(o["text"]["text"] for o in options) == ["First question", "Second question"]
    chosen = [o for o in options if o["value"] == str(first.id)]
    values = {"questions": {"value": {"type": "multi_static_select", "selected_options": chosen}}}
    reply = ws.driver.submit(ws.user(voter), view.id, values)
    assert reply.status == 200 and reply.body == ""
    assert (upvotes(ws, first.id), upvotes(ws, second.id)) == (0, 1)
    clock.advance(3)
    ws.deliver()
    assert notes_to(ws, voter)[-1] == "Took back your upvote for:\n• _First question_"
    # Submitting the same form again takes back nothing more.
    press(ws, voter, live_message(ws, panel), "qa_take_back")
    (again,) = ws.sandbox.open_views(ws.user(voter))
    gone = [{"value": str(first.id), "text": {"type": "plain_text", "text": "First question"}}]
    ws.driver.submit(ws.user(voter), again.id, {"questions": {"value": {"selected_options": gone}}})
    assert (upvotes(ws, first.id), upvotes(ws, second.id)) == (0, 1)
    ws.deliver()
    assert notes_to(ws, voter)[-1] == "Nothing to take back: you had not upvoted those questions."
    assert "*▲ 1* · Second question" in text_of(live_message(ws, panel))


def test_unknown_question_ids_are_refused_and_change_nothing(ws: Workspace, panel: str) -> None:
    asker, voter = participants(ws, 2)
    question = ask(ws, asker, panel, "A real question")
    shown(ws)
    message = live_message(ws, panel)
    action = upvote_button(message, question.id)
    for value in ("not a number", "99999999999", "-3", "", "7"):
        press(ws, voter, message, action, value=value)
    ws.deliver()
    assert notes_to(ws, voter) == ["That question is not part of this Q&A."] * 5
    assert upvotes(ws, question.id) == 0
    assert command(ws, "/qa answered 7").text == "There is no question #7. `/qa queue` lists them."
    assert command(ws, "/qa answered soon").text.startswith("Which question? Give its number")


def test_a_burst_of_upvotes_is_one_refresh_per_interval(
    ws: Workspace, panel: str, clock: ManualClock
) -> None:
    asker, *voters = participants(ws, 61)
    question = ask(ws, asker, panel, "Which question gets the most upvotes?")
    shown(ws)
    clock.advance(3)  # the next refresh may go as soon as it is asked for
    updates = len(ws.sandbox.calls_to("chat.update"))
    for who in voters[:30]:
        upvote(ws, who, panel, question.id)
    ws.deliver()
    assert len(ws.sandbox.calls_to("chat.update")) == updates + 1
    for who in voters[30:]:
        upvote(ws, who, panel, question.id)
    clock.advance(1.9)
    ws.deliver()
    assert len(ws.sandbox.calls_to("chat.update")) == updates + 1  # still inside the 2-second interval
    clock.advance(0.2)
    ws.deliver()
    assert len(ws.sandbox.calls_to("chat.update")) == updates + 2
    assert "*▲ 60* · Which question" in text_of(live_message(ws, panel))
    with Session(ws.engine) as session:
        refreshes = session.exec(select(Outbox).where(Outbox.kind == "qa_refresh")).all()
    assert len(refreshes) == 1  # one coalesced row for the Q&A, re-armed


def test_the_top_questions_fit_slacks_limits(ws: Workspace, panel: str, clock: ManualClock) -> None:
    people = participants(ws, 40)
    asked = [ask(ws, who, panel, f"Question {n:02d} " + "w" * 280) for n, who in enumerate(people[:25])]
    shown(ws)
    for n, question in enumerate(asked[:12]):  # question n gets 12 - n upvotes
        for who in people[25 : 25 + 12 - n]:
            upvote(ws, who, panel, question.id)
    command(ws, f"/qa answered {asked[0].id}")
    clock.advance(3)
    ws.deliver()
    message = live_message(ws, panel)
    assert len(message.blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in message.blocks)
    ranked = [b["text"]["text"] for b in message.blocks if b.get("accessory")]
    assert len(ranked) == 10 and ranked[0].startswith("*▲ 11* · Question 01")
    assert ranked[-1].startswith("*▲ 2* · Question 10")
    text = text_of(message)
    assert "…and 14 more questions with fewer upvotes" in text
    assert text.index("*Answered*") > text.index("Question 10") and "✓ Question 00" in text


# ---------------------------------------------------------------- moderation


def moderator_cards(ws: Workspace, who: str) -> list[Message]:
    return [m for m in dms_to(ws, who) if "waits for a moderator" in m.text]


def test_moderated_questions_wait_for_a_moderator(ws: Workspace, moderated: str, clock: ManualClock) -> None:
    asker, voter = participants(ws, 2)
    question = ask(ws, asker, moderated, "Will the co-sponsors fund coaching?")
    assert question.status == "pending"
    clock.advance(3)
    ws.deliver()
    assert "Will the co-sponsors" not in text_of(live_message(ws, moderated))
    assert notes_to(ws, asker)[0].startswith("Your question waits for a moderator")
    # The session has no facilitators: each organizer gets the question to approve.
    organizers = ws.event.organizers
    cards = {who: moderator_cards(ws, who) for who in organizers}
    assert all(len(c) == 1 for c in cards.values()), cards
    card = cards[organizers[0]][0]
    assert ws.event.people[asker].name in text_of(card)
    buttons = [e["action_id"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["qa_approve_0", "qa_dismiss_0"]
    upvote_refused = ws.driver.click(
        ws.user(voter),
        channel=live_message(ws, moderated).channel,
        message_ts=live_message(ws, moderated).ts,
        action_id="qa_ask",
        value=moderated,
    )
    assert upvote_refused.status == 200
    # A participant cannot press a moderator's button (say, forwarded to them).
    press(ws, voter, card, "qa_approve_0")
    ws.deliver()
    assert notes_to(ws, voter)[-1].startswith("Only facilitators, organizers and this Q&A's moderators")
    assert questions(ws, moderated)[0].status == "pending"
    press(ws, organizers[0], card, "qa_approve_0")
    clock.advance(3)
    ws.deliver()
    assert questions(ws, moderated)[0].status == "open"
    assert "Will the co-sponsors fund coaching?" in text_of(live_message(ws, moderated))
    settled = ws.sandbox.message(card.channel, card.ts)
    assert settled.text.startswith("Approved under _Charting the California Way panel_ by ")
    # A second moderator's click on their own card, after the first: nothing changes twice.
    other = cards[organizers[1]][0]
    press(ws, organizers[1], other, "qa_approve_0")
    ws.deliver()
    assert notes_to(ws, organizers[1])[-1] == f"Question #{question.id} is already shown."


def test_a_dismissed_question_is_told_to_its_asker_privately(
    ws: Workspace, moderated: str, clock: ManualClock
) -> None:
    named, anonymous = participants(ws, 2)
    first = ask(ws, named, moderated, "Off-topic question one")
    second = ask(ws, anonymous, moderated, "Off-topic question two", anonymous=True)
    shown(ws)  # one post a second to a conversation: the second card comes a second later
    organizer = ws.event.organizers[0]
    for card in moderator_cards(ws, organizer):
        press(ws, organizer, card, "qa_dismiss_0")
    clock.advance(3)
    ws.deliver()
    assert len(moderator_cards(ws, organizer)) == 0  # each card became what was done
    assert [q.status for q in questions(ws, moderated)] == ["dismissed", "dismissed"]
    for who, question in ((named, first), (anonymous, second)):
        told = [m.text for m in dms_to(ws, who) if "was not shown by the moderators" in m.text]
        assert told == [
            "Your question for _Charting the California Way panel_ was not shown by the moderators: "
            f"_{question.text}_"
        ]
    assert "Off-topic" not in text_of(live_message(ws, moderated))
    with Session(ws.engine) as session:
        kept = json.dumps([o.payload for o in session.exec(select(Outbox))])
    assert ws.user(anonymous) not in kept  # the note to the anonymous asker went once sent


def test_moderators_mark_questions_answered_and_they_move_below(
    ws: Workspace, panel: str, clock: ManualClock
) -> None:
    asker, *voters = participants(ws, 4)
    popular = ask(ws, asker, panel, "The most popular question")
    quiet = ask(ws, voters[0], panel, "A quiet question")
    shown(ws)
    for who in voters[1:]:
        upvote(ws, who, panel, popular.id)
    queue = command(ws, "/qa queue")
    listed = json.dumps(queue.json["blocks"])
    assert "0 waiting" in listed and "2 shown" in listed and "qa_answered_0" in listed
    answered = command(ws, f"/qa answered {popular.id}")
    assert answered.text.startswith("Marked answered by ")
    clock.advance(3)
    ws.deliver()
    text = text_of(live_message(ws, panel))
    assert text.index("A quiet question") < text.index("*Answered*") < text.index("The most popular question")
    assert upvote_button(live_message(ws, panel), quiet.id)
    with pytest.raises(AssertionError):
        upvote_button(live_message(ws, panel), popular.id)  # an answered question takes no upvotes
    assert (
        command(ws, f"/qa answered {popular.id}").text
        == f"Question #{popular.id} is already marked answered."
    )
    assert command(ws, f"/qa approve {quiet.id}").text == f"Question #{quiet.id} is already shown."
    assert command(ws, f"/qa approve {popular.id}").text == (
        f"Question #{popular.id} is marked answered, so it cannot be shown."
    )


# ---------------------------------------------------------------- the room's screen


def test_the_rooms_screen_shows_the_top_questions_without_names(ws: Workspace, panel: str) -> None:
    asker, voter = participants(ws, 2)
    named = ask(ws, asker, panel, "A named question for the screen")
    ask(ws, voter, panel, "An anonymous question for the screen", anonymous=True)
    shown(ws)
    upvote(ws, voter, panel, named.id)
    reply = command(ws, "/qa display")
    assert reply.text.startswith(
        "For the room's screen (read-only; it follows the questions live, with no names)"
    )
    web = client_for(ws)
    path = display_path(reply.text)
    assert web.get(path).status_code == 200
    data = web.get(f"{path}/data.json").json()
    assert data["kind"] == "qa" and data["title"] == "What IS Possible panel" and data["total"] == 2
    assert data["questions"][0] == {
        "text": "A named question for the screen",
        "upvotes": 1,
        "answered": False,
    }
    served = json.dumps(data)
    for who in (asker, voter):
        assert ws.event.people[who].name not in served and ws.user(who) not in served
    refused = command(ws, "/qa display", who=voter)
    assert refused.text == "Only facilitators and organizers can open display pages."


# ---------------------------------------------------------------- report and summaries


def test_the_report_and_summary_list_questions_and_name_no_anonymous_asker(
    ws: Workspace, panel: str, tmp_path: Any
) -> None:
    named_asker, anonymous_asker, voter = participants(ws, 3)
    named = ask(ws, named_asker, panel, "Named question QZN1")
    ask(ws, anonymous_asker, panel, "Anonymous question QZA1", anonymous=True)
    shown(ws)
    upvote(ws, voter, panel, named.id)
    command(ws, f"/qa answered {named.id}")
    md_path, html_path = ws.services.report.write(tmp_path / "report")
    md, page = md_path.read_text(), html_path.read_text()
    assert "## Questions" in md and "### Q\\&A: What IS Possible panel" in md
    assert "2 questions asked, 1 answered, 1 upvote." in md
    (named_row,) = [line for line in md.splitlines() if "QZN1" in line]
    (anonymous_row,) = [line for line in md.splitlines() if "QZA1" in line]
    assert named_row == f"| Named question QZN1 | 1 | answered | {ws.event.people[named_asker].name} |"
    assert anonymous_row == "| Anonymous question QZA1 | 0 | open | anonymous |"
    assert ws.event.people[anonymous_asker].name not in md + page
    summary = "\n".join(ws.services.summaries.for_session(panel).sections)
    assert "*Q&A*: 2 questions asked, 1 answered, 1 upvote" in summary
    assert "QZA1" in summary and ws.event.people[anonymous_asker].name not in summary


def test_qa_sessions_get_a_summary_even_without_polls(ws: Workspace) -> None:
    ran = ws.run_until(datetime(2015, 5, 9, 0, 56, tzinfo=UTC) + timedelta(minutes=1))
    assert "summary:california-way" in ran
