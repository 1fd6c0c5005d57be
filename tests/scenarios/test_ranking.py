"""Ranking polls end to end: the event file's `kind: ranking`, the form with one select per
position, the bad rankings it refuses, and the results (mean rank and Borda points, best
first) in the poll's message, the room's screen, summaries, the report and the export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from storage.models import Outbox, Poll
from tests.kit.display import client_for, display_path
from tests.kit.event_file import EVENT, edit, only_problem, write
from tests.kit.polls import click, launch, message_text, notes_to, poll_message, responses
from tests.kit.ranking import (
    POLL,
    open_form,
    rank,
    values,
)

CLOSING = "#lmi-closing"
OPTIONS = [
    "Regional convenings between symposia",
    "Coaching for district teams from an external facilitator",
    "Bringing classified employees into every partnership",
    "Building the LCAP together, labor and management",
    "Sustaining partnerships through changes of leaders",
]
# Three rankings of the example's five options, and what they add up to (first place earns 4
# points, last none): option 1 first with 11 points, mean rank 4/3; then 0 (9, 2.0); 2 (7, 8/3);
# 3 (2, 13/3); 4 (1, 14/3).
RANKINGS = [[0, 1, 2, 3, 4], [1, 0, 2, 3, 4], [1, 2, 0, 4, 3]]


def people(ws: Workspace, role: str, n: int) -> list[str]:
    found = [p.id for p in ws.event.people.values() if p.role == role and p.team][:n]
    assert len(found) == n, role
    return found


def stored(ws: Workspace, poll_id: str = POLL) -> list[list[int] | None]:
    return sorted((r.choices for r in responses(ws, poll_id)), key=json.dumps)


# ---------------------------------------------------------------- the event file


def ranking_event(options: str) -> str:
    return edit(
        EVENT,
        "polls:\n",
        f"polls:\n  - id: order\n    question: Put these in order.\n    kind: ranking\n"
        f"    session: closing\n    options: {options}\n",
    )


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ("[Only one]", "polls[0] (order).options", "a ranking poll needs 2 to 10 options"),
        (
            "[" + ", ".join(f"Option {n}" for n in range(11)) + "]",
            "polls[0] (order).options",
            "a ranking poll needs 2 to 10 options",
        ),
        ("[Webinars, webinars]", "polls[0] (order).options[1]", "duplicate option 'webinars'"),
        ("[Webinars, '  ']", "polls[0] (order).options[1]", "empty option"),
        ("[Webinars, " + "x" * 76 + "]", "polls[0] (order).options[1]", "longer than 75 characters"),
    ],
    ids=["one", "eleven", "twice", "empty", "too-long"],
)
def test_the_event_file_checks_a_ranking_polls_options(
    tmp_path: Path, options: str, field: str, message: str
) -> None:
    files = write(tmp_path, ranking_event(options))
    problem = only_problem(files)
    assert (problem.file, problem.field) == (files.ev, field)
    assert problem.line == files.line("options: [")
    assert problem.message.startswith(message), problem.message


def test_the_example_event_has_a_ranking_poll_at_its_closing_session(ws: Workspace) -> None:
    spec = ws.event.polls[POLL]
    assert (spec.kind, spec.session, list(spec.options)) == ("ranking", "closing", OPTIONS)


# ---------------------------------------------------------------- ranking in the form


@pytest.mark.database
def test_a_ranking_is_recorded_confirmed_and_shown_best_first(ws: Workspace) -> None:
    launch(ws, POLL, channel=CLOSING)
    message = poll_message(ws, POLL)
    assert "Ranking · `next-year-priorities` · put the options in order" in message_text(message)
    voters = people(ws, "superintendent", 3)
    view = open_form(ws, voters[0])
    assert view.view["callback_id"] == "poll_rank"
    selects = [b for b in view.view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in selects] == [f"rank_{p}" for p in range(5)]
    assert [b["label"]["text"] for b in selects] == [
        "Position 1 (first)",
        "Position 2",
        "Position 3",
        "Position 4",
        "Position 5 (last)",
    ]
    assert all(b["element"]["type"] == "static_select" for b in selects)
    assert [o["text"]["text"] for o in selects[0]["element"]["options"]] == OPTIONS
    assert not any("initial_option" in b["element"] for b in selects)  # nothing ranked yet: no order
    reply = ws.driver.submit(ws.user(voters[0]), view.id, values(RANKINGS[0]))
    assert reply.status == 200 and reply.body == ""
    for who, order in zip(voters[1:], RANKINGS[1:], strict=True):
        assert rank(ws, who, list(order)).body == ""
    assert stored(ws) == sorted(RANKINGS, key=json.dumps)
    ws.deliver()
    assert notes_to(ws, voters[0]) == [
        "Recorded your answer: *1. Regional convenings between symposia; "
        "2. Coaching for district teams from an external facilitator; "
        "3. Bringing classified employees into every partnership; "
        "4. Building the LCAP together, labor and management; "
        "5. Sustaining partnerships through changes of leaders*\n"
        "_Which should the CA LMI put first in the coming year? Put these in order, most important first._\n"
        "You can change it until the poll closes."
    ]
    lines = [
        b["text"]["text"]
        for b in poll_message(ws, POLL).blocks
        if b["type"] == "section" and b["text"]["text"][:3] in {f"*{n}." for n in range(1, 6)}
    ]
    assert [line.split("\n")[0] for line in lines] == [
        f"*{n}. {OPTIONS[i]}*" for n, i in enumerate([1, 0, 2, 3, 4], 1)
    ]
    assert [line.split("` ")[1] for line in lines] == [
        "mean rank 1.3 · 11 points",
        "mean rank 2.0 · 9 points",
        "mean rank 2.7 · 7 points",
        "mean rank 4.3 · 2 points",
        "mean rank 4.7 · 1 point",
    ]
    # The bar is the share of the most points an option could have: 11 of 12 is 92%.
    assert lines[0].split("\n")[1].startswith("`" + "█" * 18 + "░" * 2 + "`")
    assert "3 responses" in message_text(poll_message(ws, POLL))


@pytest.mark.database
def test_the_form_shows_the_current_ranking_and_a_change_replaces_it(ws: Workspace) -> None:
    launch(ws, POLL, channel=CLOSING)
    (voter,) = people(ws, "board_member", 1)
    rank(ws, voter, [4, 3, 2, 1, 0])
    view = open_form(ws, voter)
    chosen = [b["element"]["initial_option"]["value"] for b in view.view["blocks"] if b["type"] == "input"]
    assert chosen == ["4", "3", "2", "1", "0"]
    assert ws.driver.submit(ws.user(voter), view.id, values([3, 4, 2, 1, 0])).body == ""
    assert stored(ws) == [[3, 4, 2, 1, 0]]
    ws.deliver()
    assert notes_to(ws, voter)[-1].startswith(
        "Changed your answer to: *1. Building the LCAP together, labor and management; 2. Sustaining"
    )


# ---------------------------------------------------------------- bad rankings


def test_a_repeated_option_or_an_empty_position_is_named_in_the_form_and_nothing_is_recorded(
    ws: Workspace,
) -> None:
    launch(ws, POLL, channel=CLOSING)
    (voter,) = people(ws, "teachers_union_president", 1)
    rank(ws, voter, [0, 1, 2, 3, 4])
    view = open_form(ws, voter)
    twice = ws.driver.submit(ws.user(voter), view.id, values([2, 1, 2, 3, 2]))
    assert twice.json == {
        "response_action": "errors",
        "errors": {
            "rank_2": "“Bringing classified employees into every partnership” is already at position 1; "
            "use each option once.",
            "rank_4": "“Bringing classified employees into every partnership” is already at position 1; "
            "use each option once.",
        },
    }
    missing = ws.driver.submit(ws.user(voter), view.id, values([4, None, 2, 1, None]))
    assert missing.json == {
        "response_action": "errors",
        "errors": {
            "rank_1": "Choose the option for position 2.",
            "rank_4": "Choose the option for position 5.",
        },
    }
    # A position left out of the form altogether, and an option the poll does not have.
    crafted = values([4, 3, 2, 1, 0])
    del crafted["rank_3"]
    crafted["rank_0"]["option"]["selected_option"]["value"] = "7"
    odd = ws.driver.submit(ws.user(voter), view.id, crafted)
    assert odd.json == {
        "response_action": "errors",
        "errors": {
            "rank_0": "That option is not part of this poll.",
            "rank_3": "Choose the option for position 4.",
        },
    }
    assert ws.sandbox.open_views(ws.user(voter))  # the form stays open to be fixed
    assert stored(ws) == [[0, 1, 2, 3, 4]]
    # A vote button's value crafted for a ranking poll is refused the same way.
    click(ws, voter, POLL, "poll_vote_0", value=json.dumps({"poll": POLL, "choices": [0]}))
    ws.deliver()
    assert notes_to(ws, voter)[-1] == "Put all 5 options in order, one per position, in the ranking form."
    assert stored(ws) == [[0, 1, 2, 3, 4]]


@pytest.mark.database
def test_a_double_click_and_a_redelivered_submission_record_one_ranking(ws: Workspace) -> None:
    launch(ws, POLL, channel=CLOSING)
    (voter,) = people(ws, "classified_union_president", 1)
    view = open_form(ws, voter)
    state = values([2, 0, 1, 4, 3])
    # The same submission three times: a double click, then Slack's retry after a slow answer.
    for _ in range(3):
        assert ws.driver.submit(ws.user(voter), view.id, state).body == ""
    rows = responses(ws, POLL)
    assert [r.choices for r in rows] == [[2, 0, 1, 4, 3]]
    ws.deliver()
    notes = notes_to(ws, voter)
    assert notes[0].startswith("Recorded your answer: *1. Bringing classified employees")
    assert [n.split(":")[0] for n in notes[1:]] == ["Already recorded", "Already recorded"]
    assert "1 response ·" in message_text(poll_message(ws, POLL))


def test_a_ranking_after_close_is_refused_and_changes_nothing(ws: Workspace) -> None:
    launch(ws, POLL, channel=CLOSING)
    (voter,) = people(ws, "superintendent", 1)
    rank(ws, voter, [0, 1, 2, 3, 4])
    view = open_form(ws, voter)  # opened before the close, sent after it
    closed = ws.driver.command(ws.user("facilitator-lead"), f"/poll close {POLL}", channel=CLOSING)
    assert closed.text.startswith(f"Closed `{POLL}`")
    late = ws.driver.submit(ws.user(voter), view.id, values([4, 3, 2, 1, 0]))
    assert late.json["response_action"] == "errors"
    assert late.json["errors"]["rank_0"].startswith("This poll is closed; your answer to _Which should")
    assert stored(ws) == [[0, 1, 2, 3, 4]]
    click(ws, voter, POLL, "poll_rank")
    ws.deliver()
    assert notes_to(ws, voter)[-1] == "This poll is closed."
    final = message_text(poll_message(ws, POLL))
    assert "Rank the options" not in final and "this poll is closed" in final
    assert "*1. Regional convenings between symposia*" in final


# ---------------------------------------------------------------- anonymous, by side and role


@pytest.mark.database
def test_an_anonymous_ranking_from_poll_new_keeps_no_link_and_shows_only_large_groups(
    ws: Workspace, clock: ManualClock
) -> None:
    staff = ws.user("facilitator-lead")
    ws.driver.command(staff, "/poll new", channel=CLOSING)
    (form,) = ws.sandbox.open_views(staff)
    state = {
        "question": {"value": {"type": "plain_text_input", "value": "Order our next steps"}},
        "kind": {"value": {"type": "static_select", "selected_option": {"value": "ranking"}}},
        "options": {"value": {"type": "plain_text_input", "value": "Webinars"}},
        "results": {"value": {"type": "radio_buttons", "selected_option": {"value": "live"}}},
        "anonymous": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
    }
    assert ws.driver.submit(staff, form.id, state).json == {
        "response_action": "errors",
        "errors": {"options": "Give 2 to 10 options, one per line."},
    }
    state["options"]["value"]["value"] = "Webinars\nStudy tours\nCoaching"
    assert ws.driver.submit(staff, form.id, state).body == ""
    ws.deliver()
    poll_id = "order-our-next-steps"
    with Session(ws.engine) as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None and (poll.kind, poll.anonymous, poll.options) == (
            "ranking",
            True,
            ["Webinars", "Study tours", "Coaching"],
        )
    management = people(ws, "superintendent", 3) + people(ws, "board_member", 2)
    labor = people(ws, "teachers_union_president", 3) + people(ws, "classified_union_president", 2)
    voters = management + labor
    for who in voters[:4]:
        rank(ws, who, [2, 0, 1], poll_id)
    ws.deliver()
    assert "Anonymous: results show once 5 people have answered." in message_text(poll_message(ws, poll_id))
    assert "Coaching*" not in message_text(poll_message(ws, poll_id))
    assert notes_to(ws, voters[0])[0].startswith("Recorded your anonymous answer: *1. Coaching; 2. Webinars")
    for who in voters[4:]:
        rank(ws, who, [0, 1, 2] if who in labor else [2, 0, 1], poll_id)
    clock.advance(3)  # past the refresh interval
    ws.deliver()
    assert "*1. Webinars*" in message_text(poll_message(ws, poll_id))
    rows = responses(ws, poll_id)
    uids = [ws.user(v) for v in voters]
    assert len(rows) == 10
    assert all(r.user_id is None and r.updated_at is None and r.role is None for r in rows)
    assert not any(uid in r.voter_key for r in rows for uid in uids)
    with Session(ws.engine) as session:
        kept = json.dumps([o.payload for o in session.exec(select(Outbox))])
    assert not any(uid in kept for uid in uids)
    # By side (five each) shows; by role (two and three) does not.
    blocks = ws.services.report.blocks()
    start = next(i for i, b in enumerate(blocks) if b.kind == "heading" and b.text == "Order our next steps")
    mine = blocks[start : start + 12]
    tables = [b.rows for b in mine if b.kind == "table" and b.rows]
    assert tables[0] == [
        ["Place", "Option", "Mean rank", "Points", "% of the most possible"],
        ["1", "Webinars", "1.5", "15", "75%"],
        ["2", "Coaching", "2.0", "10", "50%"],
        ["3", "Study tours", "2.5", "5", "25%"],
    ]
    assert tables[1] == [
        ["Group", "n", "Webinars (mean rank)", "Coaching (mean rank)", "Study tours (mean rank)"],
        ["Management", "5", "2.0", "1.0", "3.0"],
        ["Labor", "5", "1.0", "3.0", "2.0"],
    ]
    assert all(row[1] == "fewer than 5" for row in tables[2][1:])
    assert len(tables[2]) > 2
    assert not any(b.kind == "subheading" and b.text == "By team" for b in mine)  # anonymous: no teams
    exported = [r for r in ws.services.report.export_rows() if r["poll"] == poll_id]
    assert {r["answer"] for r in exported} == {
        "1. Coaching; 2. Webinars; 3. Study tours",
        "1. Webinars; 2. Study tours; 3. Coaching",
    }
    assert all(r["name"] == r["slack_user_id"] == r["role"] == "" for r in exported)


# ---------------------------------------------------------------- where results are read


def test_results_on_the_screen_in_the_summary_the_report_and_the_export(ws: Workspace) -> None:
    launch(ws, POLL, channel=CLOSING)
    voters = people(ws, "superintendent", 3)
    for who, order in zip(voters, RANKINGS, strict=True):
        rank(ws, who, list(order))
    ws.deliver()
    reply = ws.driver.command(ws.user("facilitator-lead"), f"/poll display {POLL}", channel=CLOSING)
    data = client_for(ws).get(f"{display_path(reply.text)}/data.json").json()
    assert (data["type"], data["total"], data["show"]) == ("ranking", 3, True)
    assert [(o["label"], o["count"], o["percent"], o["detail"]) for o in data["options"][:2]] == [
        (f"1. {OPTIONS[1]}", 11, 92, "mean rank 1.3 · 11 points"),
        (f"2. {OPTIONS[0]}", 9, 75, "mean rank 2.0 · 9 points"),
    ]
    summary = "\n".join(ws.services.summaries.for_session("closing").sections)
    assert (
        f"1. {OPTIONS[1]} (mean rank 1.3 · 11 points) · 2. {OPTIONS[0]} (mean rank 2.0 · 9 points)" in summary
    )
    assert "By side: Management (n = 3): 1. Coaching for district teams" in summary
    blocks = ws.services.report.blocks()
    start = next(i for i, b in enumerate(blocks) if b.kind == "heading" and b.text.startswith("Which should"))
    mine = blocks[start : start + 14]
    assert [b.rows for b in mine if b.kind == "table"][0][1] == ["1", OPTIONS[1], "1.3", "11", "92%"]
    assert any(b.kind == "image" and b.name == f"poll-{POLL}.png" for b in mine)
    assert [b.text for b in mine if b.kind == "subheading"] == ["By side", "By role", "By team"]
    exported = [r for r in ws.services.report.export_rows() if r["poll"] == POLL]
    assert {r["answer"] for r in exported} == {
        "; ".join(f"{n}. {OPTIONS[i]}" for n, i in enumerate(order, 1)) for order in RANKINGS
    }
    assert {r["person_id"] for r in exported} == set(voters)
