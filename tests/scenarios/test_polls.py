"""Live polls end to end: signed Slack requests into the Bolt app, the real database,
the outbox delivering over HTTP to the sandbox, which records what the bot sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace, live_polls_event
from bot.event import Event, load_event
from storage.models import Outbox, Poll
from tests.kit.polls import (
    FACILITATOR,
    PLENARY,
    click,
    launch,
    message_text,
    notes_to,
    poll_message,
    responses,
)


def participants(ws: Workspace, n: int) -> list[str]:
    return [p.id for p in ws.event.people.values() if p.team][:n]


# ---------------------------------------------------------------- launch


def test_facilitator_launches_a_poll_into_the_channel(ws: Workspace) -> None:
    reply = launch(ws, "capacity-project")
    assert "Launched `capacity-project`" in reply.text
    posts = ws.sandbox.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].params["channel"] == ws.sandbox.channel_id(PLENARY)
    message = poll_message(ws, "capacity-project")
    assert message.text.startswith("Poll: Would your district join a California District Capacity Project")
    buttons = [b["accessory"] for b in message.blocks if b.get("accessory")]
    assert [b["action_id"] for b in buttons] == [f"poll_vote_{i}" for i in range(5)]
    assert "0 responses" in message_text(message)


def test_participant_cannot_launch_and_nothing_happens(ws: Workspace) -> None:
    someone = participants(ws, 1)[0]
    reply = ws.driver.command(ws.user(someone), "/poll launch capacity-project", channel=PLENARY)
    assert reply.status == 200
    assert reply.text == "Only facilitators and organizers can launch polls."
    ws.deliver()
    assert ws.sandbox.calls_to("chat.postMessage") == []
    with Session(ws.engine) as session:
        assert session.get(Poll, "capacity-project").status == "draft"  # type: ignore[union-attr]
    for verb in ("close capacity-project", "results capacity-project", "list", "new"):
        refused = ws.driver.command(ws.user(someone), f"/poll {verb}", channel=PLENARY)
        assert refused.text.startswith("Only facilitators and organizers can"), verb
    assert ws.sandbox.calls_to("views.open") == []


def test_unknown_poll_id_suggests_the_closest(ws: Workspace) -> None:
    reply = ws.driver.command(ws.user(FACILITATOR), "/poll launch capacity-projct", channel=PLENARY)
    assert reply.text == "There is no poll `capacity-projct`. Did you mean `capacity-project`?"
    reply = ws.driver.command(ws.user(FACILITATOR), "/poll close zzz", channel=PLENARY)
    assert reply.text == "There is no poll `zzz`. See `/poll list`."
    ws.deliver()
    assert ws.sandbox.calls_to("chat.postMessage") == []


def test_launching_twice_says_where_it_runs(ws: Workspace) -> None:
    launch(ws, "capacity-project")
    again = ws.driver.command(ws.user(FACILITATOR), "/poll launch capacity-project", channel="#lmi-team-time")
    channel = ws.sandbox.channel_id(PLENARY)
    assert again.text == f"`capacity-project` is already open in <#{channel}>."
    ws.deliver()
    assert len(ws.sandbox.calls_to("chat.postMessage")) == 1


def test_help_and_list(ws: Workspace) -> None:
    someone = participants(ws, 1)[0]
    assert "/poll launch <id>" in ws.driver.command(ws.user(someone), "/poll", channel=PLENARY).text
    assert (
        "I don't know `/poll lunch`"
        in ws.driver.command(ws.user(someone), "/poll lunch", channel=PLENARY).text
    )
    launch(ws, "capacity-project")
    listing = ws.driver.command(ws.user(FACILITATOR), "/poll list", channel=PLENARY).json
    text = json.dumps(listing["blocks"])
    assert "`capacity-project`" in text and "open in" in text
    assert text.index("capacity-project") < text.index("eval-useful")  # open polls first


def _dms_to(ws: Workspace, who: str) -> list[str]:
    return [m.text for m in ws.sandbox.messages(ws.user(who))]


@pytest.mark.parametrize(
    ("channel", "advice"),
    [
        ({"is_private": True, "bot_is_member": False}, "Invite it there (`/invite @Convene`)"),
        ({"is_archived": True}, "the channel is archived. Launch it in another channel"),
    ],
)
def test_a_launch_slack_refuses_tells_the_facilitator_and_can_be_launched_again(
    ws: Workspace, channel: dict[str, Any], advice: str
) -> None:
    ws.sandbox.add_channel(name="board-room", **channel)
    reply = launch(ws, "capacity-project", channel="#board-room")
    assert "Launched" in reply.text  # the ack cannot know yet; the post is tried after it
    room = ws.sandbox.channel_id("#board-room")
    told = [n for n in notes_to(ws, FACILITATOR) if "was not launched" in n]
    assert len(told) == 1, notes_to(ws, FACILITATOR)
    assert f"could not post it in <#{room}>" in told[0] and advice in told[0]
    assert "`/poll launch capacity-project`" in told[0]
    with Session(ws.engine) as session:
        poll = session.get(Poll, "capacity-project")
        assert poll is not None and poll.status == "draft" and poll.channel_id is None
        # Who launched it does not outlive the post's outcome.
        assert all("reply_to" not in row.payload for row in session.exec(select(Outbox)))
    closing = ws.driver.command(ws.user(FACILITATOR), "/poll close capacity-project", channel=PLENARY)
    assert closing.text == "`capacity-project` has not been launched yet."
    assert "Launched" in launch(ws, "capacity-project").text
    assert poll_message(ws, "capacity-project").channel == ws.sandbox.channel_id(PLENARY)


def test_a_launch_that_fails_after_its_reply_link_expired_is_told_by_dm(
    ws: Workspace, clock: ManualClock
) -> None:
    ws.sandbox.add_channel(name="board-room", is_private=True, bot_is_member=False)
    ws.driver.command(ws.user(FACILITATOR), "/poll launch capacity-project", channel="#board-room")
    clock.advance(timedelta(minutes=31))  # the post waited (Slack held back, say) past the link's 30 minutes
    ws.deliver()
    assert not [n for n in notes_to(ws, FACILITATOR) if "was not launched" in n]
    assert len([t for t in _dms_to(ws, FACILITATOR) if "`capacity-project` was not launched" in t]) == 1
    assert ws.sandbox.calls_to("response_url") == []


def test_closing_a_poll_whose_message_is_not_posted_yet_says_so(ws: Workspace) -> None:
    ws.driver.command(ws.user(FACILITATOR), "/poll launch capacity-project", channel=PLENARY)
    reply = ws.driver.command(ws.user(FACILITATOR), "/poll close capacity-project", channel=PLENARY)
    assert "now shows the final results" not in reply.text
    assert reply.text.startswith("Closed `capacity-project` before its message reached")
    ws.deliver()
    assert poll_message(ws, "capacity-project").text.startswith("Closed: ")


def test_closing_a_poll_answered_by_dm_does_not_speak_of_its_message(ws: Workspace) -> None:
    ws.run_until(datetime(2015, 5, 1, 16, 1, tzinfo=UTC))  # 9:01 AM in San Diego: it went out by DM
    reply = ws.driver.command(ws.user(FACILITATOR), "/poll close looking-forward", channel=PLENARY)
    assert reply.text.startswith("Closed `looking-forward`") and "message" not in reply.text


# ---------------------------------------------------------------- voting


@pytest.mark.database
def test_vote_is_recorded_confirmed_and_shown(ws: Workspace) -> None:
    launch(ws, "capacity-project")
    voter = participants(ws, 1)[0]
    click(ws, voter, "capacity-project", "poll_vote_2")
    assert [(r.user_id, r.choices) for r in responses(ws, "capacity-project")] == [(ws.user(voter), [2])]
    ws.deliver()
    assert notes_to(ws, voter) == [
        "Recorded your answer: *Perhaps; we need to know more first*\n"
        "_Would your district join a California District Capacity Project like the one in Massachusetts?_\n"
        "You can change it until the poll closes."
    ]
    updates = ws.sandbox.calls_to("chat.update")
    assert len(updates) == 1
    text = message_text(poll_message(ws, "capacity-project"))
    assert "1 · 100%" in text and "1 response" in text


@pytest.mark.database
def test_changing_a_vote_moves_it(ws: Workspace, clock: ManualClock) -> None:
    launch(ws, "capacity-project")
    voter = participants(ws, 1)[0]
    click(ws, voter, "capacity-project", "poll_vote_0")
    clock.advance(3)
    click(ws, voter, "capacity-project", "poll_vote_4")
    ws.deliver()
    assert [r.choices for r in responses(ws, "capacity-project")] == [[4]]
    assert notes_to(ws, voter)[-1].startswith("Changed your answer")
    blocks = poll_message(ws, "capacity-project").blocks
    option_texts = [b["text"]["text"] for b in blocks if b.get("accessory")]
    assert "0 · 0%" in option_texts[0] and "1 · 100%" in option_texts[4]


@pytest.mark.database
def test_double_click_and_retry_count_once(ws: Workspace) -> None:
    launch(ws, "capacity-project")
    voter = participants(ws, 1)[0]
    click(ws, voter, "capacity-project", "poll_vote_1")
    click(ws, voter, "capacity-project", "poll_vote_1")
    # Slack re-delivering the same request (a retry) carries the same body.
    message = poll_message(ws, "capacity-project")
    ws.driver.click(ws.user(voter), channel=message.channel, message_ts=message.ts, action_id="poll_vote_1")
    assert len(responses(ws, "capacity-project")) == 1
    ws.deliver()
    assert "1 response" in message_text(poll_message(ws, "capacity-project"))
    assert notes_to(ws, voter)[1:] == [notes_to(ws, voter)[1]] * 2
    assert notes_to(ws, voter)[1].startswith(
        "Already recorded: *Yes, once our partnership is on firmer ground*"
    )


def test_bad_option_value_is_refused_and_nothing_recorded(ws: Workspace) -> None:
    launch(ws, "capacity-project")
    voter = participants(ws, 1)[0]
    for value in (
        '{"poll":"capacity-project","choices":[9]}',
        "not json",
        '{"poll":"capacity-project"}',
        '{"poll":"capacity-project","choices":[true]}',
        '{"poll":"nope","choices":[0]}',
    ):
        click(ws, voter, "capacity-project", "poll_vote_0", value=value)
    assert responses(ws, "capacity-project") == []
    ws.deliver()
    notes = notes_to(ws, voter)
    assert notes[:4] == ["That option is not part of this poll."] * 4
    assert notes[4] == "That poll no longer exists."


@pytest.mark.database
def test_multiple_choice_through_the_modal(ws: Workspace) -> None:
    launch(ws, "priority-topics")
    voter = participants(ws, 1)[0]
    click(ws, voter, "priority-topics", "poll_choose")
    (view,) = ws.sandbox.open_views(ws.user(voter))
    assert view.view["callback_id"] == "poll_choose"
    options = view.view["blocks"][1]["element"]["options"]
    picked = [options[0], options[5]]
    reply = ws.driver.submit(
        ws.user(voter), view.id, {"choices": {"choices": {"type": "checkboxes", "selected_options": picked}}}
    )
    assert reply.status == 200 and reply.body == ""
    assert [r.choices for r in responses(ws, "priority-topics")] == [[0, 5]]
    ws.deliver()
    assert (
        "*LCFF and LCAP development, Building trust and communication between partners*"
        in notes_to(ws, voter)[0]
    )
    # Opening it again shows the current answer ticked.
    click(ws, voter, "priority-topics", "poll_choose")
    (view,) = ws.sandbox.open_views(ws.user(voter))
    assert view.view["blocks"][1]["element"]["initial_options"] == picked
    empty = ws.driver.submit(
        ws.user(voter), view.id, {"choices": {"choices": {"type": "checkboxes", "selected_options": []}}}
    )
    assert empty.json == {"response_action": "errors", "errors": {"choices": "Choose at least one option."}}
    assert [r.choices for r in responses(ws, "priority-topics")] == [[0, 5]]


def test_rating_poll_shows_counts_and_average(ws: Workspace, clock: ManualClock) -> None:
    launch(ws, "possible-here")
    labels = [b["text"]["text"] for b in poll_message(ws, "possible-here").blocks[-2]["elements"]]
    assert labels == [
        "1 Not at all confident",
        "2 Slightly confident",
        "3 Somewhat confident",
        "4 Very confident",
        "5 Completely confident",
    ]
    for who, rating in zip(participants(ws, 4), [5, 4, 4, 2], strict=True):
        click(ws, who, "possible-here", f"poll_vote_{rating - 1}")
    ws.deliver()
    text = message_text(poll_message(ws, "possible-here"))
    # The share of 4s and 5s is named by the poll's own labels: this scale asks about confidence.
    assert "Average 3.8 of 5" in text and "75% very confident or completely confident" in text
    assert "agree" not in text
    assert "*4 Very confident*\\n`" in text and "2 · 50%" in text


@pytest.mark.parametrize(
    ("poll_id", "channel"),
    [("possible-here", PLENARY), ("priority-topics", PLENARY), ("next-year-priorities", "#lmi-closing")],
)
def test_a_poll_nobody_has_answered_says_so_as_a_survey_does_not_bars_at_0(
    ws: Workspace, poll_id: str, channel: str
) -> None:
    launch(ws, poll_id, channel=channel)
    message = poll_message(ws, poll_id)
    shown = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert shown == ["_No answers yet._"]
    results = ws.driver.command(ws.user(FACILITATOR), f"/poll results {poll_id}", channel=channel).json
    assert "_No answers yet._" in json.dumps(results) and "░" not in json.dumps(results)
    assert "Average" not in message_text(message) and "0 responses" in message_text(message)


def test_a_single_choice_poll_nobody_has_answered_shows_its_options_without_bars(
    engine: Engine, tmp_path: Path
) -> None:
    event = load_event(live_polls_event(tmp_path, [("room1", "breakout-1")], 3))
    clock = ManualClock(datetime.fromisoformat("2030-01-01T09:05:00+00:00"))
    with Workspace(event, clock=clock, engine=engine) as ws:
        launch(ws, "room1", channel="#breakout-1", who="host")
        message = poll_message(ws, "room1")
        options = [b for b in message.blocks if b.get("accessory")]
        assert [b["text"]["text"] for b in options] == ["*One*", "*Two*", "*Three*", "*Four*", "*Five*"]
        assert "_No answers yet._" in message_text(message) and "░" not in message_text(message)
        click(ws, "v00000", "room1", "poll_vote_1")
        ws.deliver()
        text = message_text(poll_message(ws, "room1"))
        assert "No answers yet" not in text and "1 · 100%" in text


def test_open_text_answer_through_the_modal_is_escaped(ws: Workspace) -> None:
    launch(ws, "looking-forward")
    voter = participants(ws, 1)[0]
    click(ws, voter, "looking-forward", "poll_answer")
    (view,) = ws.sandbox.open_views(ws.user(voter))
    typed = "Meeting <!channel> teams & @here <@U123> *partners*"
    reply = ws.driver.submit(
        ws.user(voter), view.id, {"answer": {"text": {"type": "plain_text_input", "value": typed}}}
    )
    assert reply.status == 200
    assert [r.text for r in responses(ws, "looking-forward")] == [typed]
    ws.deliver()
    text = message_text(poll_message(ws, "looking-forward"))
    assert "<!channel>" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt; teams &amp; @\u200bhere &lt;@U123&gt;" in text
    blank = ws.sandbox.open_views  # an empty answer keeps the modal open with an inline error
    click(ws, voter, "looking-forward", "poll_answer")
    (view,) = blank(ws.user(voter))
    assert view.view["blocks"][1]["element"]["initial_value"] == typed
    reply = ws.driver.submit(
        ws.user(voter), view.id, {"answer": {"text": {"type": "plain_text_input", "value": "   "}}}
    )
    assert reply.json == {"response_action": "errors", "errors": {"answer": "Your answer is empty."}}


# ---------------------------------------------------------------- refresh, close, visibility


def test_a_burst_of_votes_is_one_refresh_per_interval(ws: Workspace, clock: ManualClock) -> None:
    launch(ws, "capacity-project")
    voters = participants(ws, 60)
    for who in voters[:30]:
        click(ws, who, "capacity-project", "poll_vote_0")
    ws.deliver()
    assert len(ws.sandbox.calls_to("chat.update")) == 1
    for who in voters[30:]:
        click(ws, who, "capacity-project", "poll_vote_1")
    clock.advance(1.9)
    ws.deliver()
    assert len(ws.sandbox.calls_to("chat.update")) == 1  # still inside the 2-second interval
    clock.advance(0.2)
    ws.deliver()
    assert len(ws.sandbox.calls_to("chat.update")) == 2
    text = message_text(poll_message(ws, "capacity-project"))
    assert "60 responses" in text and "30 · 50%" in text
    clock.advance(10)
    ws.deliver()
    assert len(ws.sandbox.calls_to("chat.update")) == 2  # nothing new, nothing sent


def test_a_slow_answer_from_slack_never_brings_two_refreshes_closer_than_the_interval(
    ws: Workspace, clock: ManualClock
) -> None:
    """Under load Slack can take a while to take an update: the next refresh waits the interval from
    Slack's answer, not from when the last one was sent, so Slack never sees two closer together."""
    launch(ws, "possible-here")
    voters = participants(ws, 40)
    # Every other refresh reaches Slack 0.7 s late, the one after it at once.
    for _ in range(len(voters)):
        ws.sandbox.slow_next("chat.update", 0.7)
        ws.sandbox.slow_next("chat.update", 0)
    for step, who in enumerate(voters):  # a vote every quarter second, delivered at once
        click(ws, who, "possible-here", f"poll_vote_{step % 5}")
        ws.deliver()
        clock.advance(0.25)
    refreshed = [call.at for call in ws.sandbox.calls_to("chat.update")]
    assert len(refreshed) >= 4
    gaps = [(b - a).total_seconds() for a, b in zip(refreshed, refreshed[1:], strict=False)]
    assert min(gaps) >= 2.0, gaps


def test_a_close_while_slack_is_slow_to_answer_a_refresh_still_shows_the_final_results_at_once(
    ws: Workspace, clock: ManualClock
) -> None:
    launch(ws, "possible-here")
    voters = participants(ws, 2)
    click(ws, voters[0], "possible-here", "poll_vote_4")
    closed = []

    def close_meanwhile(call: Any) -> None:  # on the sandbox's thread, before it answers the update
        if call.method == "chat.update" and not closed:
            click(ws, voters[1], "possible-here", "poll_vote_0")
            closed.append(ws.driver.command(ws.user(FACILITATOR), "/poll close", channel=PLENARY))

    ws.sandbox.subscribe(close_meanwhile)
    ws.sandbox.slow_next("chat.update", 0.7)
    ws.deliver()  # no clock movement but Slack's slowness: the final results do not wait the interval
    ws.sandbox.unsubscribe(close_meanwhile)
    assert closed and closed[0].status == 200
    assert len(ws.sandbox.calls_to("chat.update")) == 2
    message = poll_message(ws, "possible-here")
    assert message.text.startswith("Closed: ") and "2 responses" in message_text(message)


@pytest.mark.database
def test_close_shows_exact_final_results_and_refuses_late_votes(ws: Workspace, clock: ManualClock) -> None:
    launch(ws, "capacity-project")
    voters = participants(ws, 3)
    click(ws, voters[0], "capacity-project", "poll_vote_0")
    ws.deliver()
    click(ws, voters[1], "capacity-project", "poll_vote_3")  # lands inside the refresh interval
    reply = ws.driver.command(ws.user(FACILITATOR), "/poll close", channel=PLENARY)
    assert reply.text == "Closed `capacity-project`. Its message now shows the final results."
    ws.deliver()  # no clock movement: closing does not wait for the interval
    message = poll_message(ws, "capacity-project")
    text = message_text(message)
    assert message.text.startswith("Closed: ") and "2 responses" in text and "this poll is closed" in text
    assert not any(b.get("accessory") or b["type"] == "actions" for b in message.blocks)
    ws.driver.click(
        ws.user(voters[2]),
        channel=message.channel,
        message_ts=message.ts,
        action_id="poll_vote_0",
        value='{"poll":"capacity-project","choices":[0]}',
    )
    ws.deliver()
    assert notes_to(ws, voters[2]) == [
        "This poll is closed; your answer to _Would your district join a California District "
        "Capacity Project like the one in Massachusetts?_ was not recorded."
    ]
    assert len(responses(ws, "capacity-project")) == 2
    again = ws.driver.command(ws.user(FACILITATOR), "/poll close capacity-project", channel=PLENARY)
    assert again.text == "`capacity-project` is already closed."


def test_hidden_results_stay_hidden_until_close(ws: Workspace) -> None:
    launch(ws, "first-step", channel="#lmi-team-time")
    voter = participants(ws, 1)[0]
    click(ws, voter, "first-step", "poll_answer")
    (view,) = ws.sandbox.open_views(ws.user(voter))
    ws.driver.submit(
        ws.user(voter),
        view.id,
        {"answer": {"text": {"type": "plain_text_input", "value": "Partners raise graduation rates"}}},
    )
    ws.deliver()
    live = message_text(poll_message(ws, "first-step"))
    assert "Partners raise graduation rates" not in live
    assert "Results will be shown when the poll closes" in live and "1 response" in live
    staff = ws.driver.command(ws.user(FACILITATOR), "/poll results first-step", channel="#lmi-team-time")
    assert "Partners raise graduation rates" in json.dumps(staff.json["blocks"])
    ws.driver.command(ws.user(FACILITATOR), "/poll close first-step", channel="#lmi-team-time")
    ws.deliver()
    assert "Partners raise graduation rates" in message_text(poll_message(ws, "first-step"))


@pytest.mark.database
def test_anonymous_poll_keeps_no_link_between_person_and_answer(ws: Workspace) -> None:
    launch(ws, "eval-useful", channel="#lmi-closing")
    voters = participants(ws, 3)
    for who, rating in zip(voters, [4, 5, 2], strict=True):
        click(ws, who, "eval-useful", f"poll_vote_{rating - 1}")
    ws.deliver()
    rows = responses(ws, "eval-useful")
    assert len(rows) == 3
    uids = [ws.user(v) for v in voters]
    for row in rows:
        assert row.user_id is None and row.updated_at is None
        assert not any(uid in row.voter_key for uid in uids)
    with Session(ws.engine) as session:
        stored = json.dumps([o.payload for o in session.exec(select(Outbox))])
    for uid in uids:
        assert uid not in stored
    assert "Agree" not in stored  # the confirmations (which name the choice) were erased once sent
    # The voter still learns what was recorded, and only the voter.
    assert notes_to(ws, voters[0])[0].startswith("Recorded your anonymous answer: *4 Agree*")
    assert [len(notes_to(ws, v)) for v in voters] == [1, 1, 1]
    staff = json.dumps(
        ws.driver.command(ws.user(FACILITATOR), "/poll results eval-useful", channel="#lmi-closing").json
    )
    for voter in voters:
        person = ws.event.people[voter]
        assert person.name not in staff and ws.user(voter) not in staff
    # Changing an anonymous answer still replaces rather than adds.
    click(ws, voters[0], "eval-useful", "poll_vote_0")
    assert len(responses(ws, "eval-useful")) == 3


# ---------------------------------------------------------------- /poll new


def test_poll_new_builds_validates_and_launches(ws: Workspace) -> None:
    who = ws.user(FACILITATOR)
    reply = ws.driver.command(who, "/poll new", channel="#lmi-team-time")
    assert reply.status == 200 and reply.body == ""
    (view,) = ws.sandbox.open_views(who)
    assert view.view["callback_id"] == "poll_new"

    def values(question: str, kind: str, options: str) -> dict[str, Any]:
        return {
            "question": {"value": {"type": "plain_text_input", "value": question}},
            "kind": {"value": {"type": "static_select", "selected_option": {"value": kind}}},
            "options": {"value": {"type": "plain_text_input", "value": options}},
            "results": {"value": {"type": "radio_buttons", "selected_option": {"value": "live"}}},
            "anonymous": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
        }

    bad = ws.driver.submit(who, view.id, values("Lunch?", "single_choice", "Tacos"))
    assert bad.json == {
        "response_action": "errors",
        "errors": {"options": "Give 2 to 10 options, one per line."},
    }
    assert ws.sandbox.open_views(who)  # still open
    good = ws.driver.submit(who, view.id, values("Lunch today?", "single_choice", "Tacos\n\nSalad\n"))
    assert good.status == 200 and good.body == ""
    ws.deliver()
    with Session(ws.engine) as session:
        poll = session.get(Poll, "lunch-today")
        assert poll is not None
        assert (poll.options, poll.anonymous, poll.status, poll.source) == (
            ["Tacos", "Salad"],
            True,
            "open",
            "slack",
        )
    assert poll_message(ws, "lunch-today").channel == ws.sandbox.channel_id("#lmi-team-time")


# ---------------------------------------------------------------- transport


def test_invalid_signature_is_refused_with_401(ws: Workspace) -> None:
    fields = {
        "command": "/poll",
        "text": "launch capacity-project",
        "user_id": ws.user(FACILITATOR),
        "channel_id": ws.sandbox.channel_id(PLENARY),
        "team_id": ws.sandbox.team_id,
    }
    unsigned = ws.driver.send_form(fields, signed=False)
    assert unsigned.status == 401
    forged = ws.driver.send_form(
        fields,
        signed=False,
        headers={"X-Slack-Request-Timestamp": "1431126000", "X-Slack-Signature": "v0=deadbeef"},
    )
    assert forged.status == 401
    ws.deliver()
    assert ws.sandbox.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    "body",
    [
        {"payload": "{not json"},
        {
            "payload": json.dumps(
                {"type": "block_actions", "actions": [{"action_id": "poll_vote_0", "value": "x"}]}
            )
        },
        {"payload": json.dumps({"type": "view_submission", "view": {"callback_id": "poll_answer"}})},
        {"command": "/poll"},
    ],
)
def test_malformed_payloads_get_an_answer_and_change_nothing(ws: Workspace, body: dict[str, str]) -> None:
    launch(ws, "capacity-project")
    reply = ws.driver.send_form(body)
    assert reply.status in (200, 400, 404)
    ws.deliver()
    assert responses(ws, "capacity-project") == []


def test_staff_who_joined_slack_after_start_are_recognised(
    example_event: Event, engine: Engine, clock: ManualClock
) -> None:
    with Workspace(example_event, clock=clock, engine=engine, absent=frozenset({"presenter-par"})) as ws:
        person = ws.event.people["presenter-par"]
        assert ws.services.directory.slack_id(person.id) is None
        ws.sandbox.add_user(id="UGLORIA01", name="gloria", real_name=person.name, email=person.email)
        reply = ws.driver.command("UGLORIA01", "/poll launch capacity-project", channel=PLENARY)
        assert reply.text.startswith("Launched `capacity-project`")
        assert ws.services.directory.slack_id(person.id) == "UGLORIA01"
        # Someone who is not on the roster stays a participant, and Slack is not asked again at once.
        ws.sandbox.add_user(
            id="UVISITOR1", name="visitor", real_name="A Visitor", email="visitor@example.org"
        )
        for _ in range(3):
            refused = ws.driver.command("UVISITOR1", "/poll close", channel=PLENARY)
            assert refused.text == "Only facilitators and organizers can close polls."
        lookups = [c for c in ws.sandbox.calls_to("users.info") if c.params.get("user") == "UVISITOR1"]
        assert len(lookups) == 1


def test_a_vote_never_waits_on_a_slack_lookup(ws: Workspace) -> None:
    launch(ws, "capacity-project")
    ws.sandbox.add_user(id="UGUEST0001", name="guest", real_name="A Guest", email="guest@example.org")
    message = poll_message(ws, "capacity-project")
    reply = ws.driver.click(
        "UGUEST0001", channel=message.channel, message_ts=message.ts, action_id="poll_vote_1"
    )
    assert reply.status == 200
    assert [r.role for r in responses(ws, "capacity-project")] == [None]
    assert [c for c in ws.sandbox.calls_to("users.info") if c.params.get("user") == "UGUEST0001"] == []
