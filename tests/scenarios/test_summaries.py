"""Results split by role, side and team; the fewer-than-five rule; organizer summaries."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from sqlmodel import select as sql_select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.event import load_event
from bot.insights import poll_result
from bot.insights.summaries import NO_POLLS
from storage.models import Poll
from tests.kit import SUMMER
from tests.kit.summaries import (
    PLENARY,
    launch_and_vote,
    people_with_role,
)


def result_of(ws: Workspace, poll_id: str):  # type: ignore[no-untyped-def]
    with Session(ws.engine) as session:
        poll = session.exec(sql_select(Poll).where(Poll.id == poll_id)).one()
        return poll_result(session, ws.services.polls, poll)


@pytest.mark.database
def test_anonymous_results_never_show_a_group_under_five(ws: Workspace) -> None:
    votes = {p: 4 for p in people_with_role(ws, "superintendent", 6)}
    votes |= {p: 0 for p in people_with_role(ws, "board_member", 3)}
    votes |= {p: 3 for p in people_with_role(ws, "teachers_union_president", 7)}
    launch_and_vote(ws, "eval-useful", votes)
    result = result_of(ws, "eval-useful")
    roles = {g.label: g for g in result.by_role}
    assert roles["School board member"].hidden and roles["School board member"].respondents is None
    # With one group hidden, the smallest shown one is hidden too, or subtraction would reveal it.
    assert roles["Superintendent"].hidden
    assert roles["Teachers union or association president"].counts == [0, 0, 0, 7, 0]
    sides = {g.label: g for g in result.by_side}
    assert (sides["Management"].respondents, sides["Management"].agree()) == (9, 67)
    assert (sides["Labor"].respondents, sides["Labor"].agree()) == (7, 100)
    assert result.by_team is None  # every team has four people: never shown for an anonymous poll


def test_named_results_split_by_team_and_side(ws: Workspace) -> None:
    votes = {"abc-usd-supt": 0, "abc-usd-board": 0, "abc-usd-teachers": 3, "alhambra-usd-supt": 4}
    launch_and_vote(ws, "capacity-project", votes)
    result = result_of(ws, "capacity-project")
    teams = {g.label: g.counts for g in result.by_team or []}
    assert teams == {
        "ABC Unified School District": [2, 0, 0, 1, 0],
        "Alhambra Unified School District": [0, 0, 0, 0, 1],
    }
    assert {g.label: g.respondents for g in result.by_side} == {"Management": 3, "Labor": 1}


def test_summary_now_goes_to_the_organizer_with_charts(ws: Workspace, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2015, 5, 9, 22, 40, tzinfo=UTC))  # closing session, Saturday
    votes = {p: 4 for p in people_with_role(ws, "superintendent", 6)}
    votes |= {p: 1 for p in people_with_role(ws, "teachers_union_president", 6)}
    launch_and_vote(ws, "eval-useful", votes)
    organizer = ws.user("cdef-events-lead")
    refused = ws.driver.command(ws.user("facilitator-lead"), "/summary now", channel=PLENARY)
    assert refused.text == "Only the event's organizers receive summaries."
    reply = ws.driver.command(organizer, "/summary now", channel=PLENARY)
    assert reply.text == "Daily digest: Saturday, May 9: on its way to your direct messages."
    for _ in range(4):
        ws.deliver()
        clock.advance(1)
    dm = ws.sandbox.dms[organizer]
    (digest,) = [m for m in ws.sandbox.messages(dm) if m.text.startswith("Daily digest")]
    text = json.dumps(digest.blocks, ensure_ascii=False)
    assert "Superintendent: 0 of 47 answered a poll" in text  # anonymous answers are not people
    assert "Anonymous answers by role: Superintendent 6" in text
    assert "50% agree or strongly agree (n = 12)" in text
    assert "By side: Management 100% (n = 6) · Labor 0% (n = 6)" in text
    charts = [m for m in ws.sandbox.messages(dm) if m.files]
    assert len(charts) == 2  # participation by role, and the poll
    for person in votes:
        assert ws.user(person) not in text and ws.event.people[person].name not in text


def test_session_summaries_arrive_after_each_session_with_polls(ws: Workspace) -> None:
    launch_and_vote(ws, "priority-topics", {})
    ws.run_until(datetime(2015, 5, 9, 0, 56, tzinfo=UTC))  # 5:56 PM Friday: 10 minutes after the panel
    organizer = ws.user("cdef-events-lead")
    texts = [m.text for m in ws.sandbox.messages(ws.sandbox.dms[organizer])]
    assert "Summary: Charting the California Way panel" in texts
    assert not any(t.startswith("Summary: Welcome remarks") for t in texts)  # no polls, no summary


def test_a_session_summary_across_noon_names_both_halves_of_the_day(ws: Workspace) -> None:
    summary = ws.services.summaries.for_session("r2-par")
    assert summary.sections[0].startswith("11:15 AM–12:15 PM · ")


def answer_by_dm(ws: Workspace, person: str, question: str, text: str) -> None:
    """Answer an open-text poll from the card it came in by DM."""
    user = ws.user(person)
    dm = ws.sandbox.dms[user]
    (card,) = [m for m in ws.sandbox.messages(dm) if question in m.text]
    assert ws.driver.click(user, channel=dm, message_ts=card.ts, action_id="poll_answer").status == 200
    (view,) = ws.sandbox.open_views(user)
    answer = {"answer": {"text": {"type": "plain_text_input", "value": text}}}
    assert ws.driver.submit(user, view.id, answer).status == 200


@pytest.mark.database
def test_the_digest_counts_the_pre_event_poll_and_everyone_it_was_for(engine: Engine) -> None:
    clock = ManualClock(datetime(2026, 6, 14, 16, 0, tzinfo=UTC))
    with Workspace(load_event(SUMMER), clock=clock, engine=engine) as ws:
        ws.run_until(datetime(2026, 6, 15, 16, 5, tzinfo=UTC))  # the pre-event poll is out, to everyone
        for person in ("harbor-supt", "mesa-supt", "bayview-supt", "harbor-board"):
            answer_by_dm(ws, person, "What do you most want from the institute?", "A plan for our team")
        answer_by_dm(ws, "harbor-supt", "What do you most want from the institute?", "A plan, and time")
        # Monday, 4:05 PM: the pre-conference for new teams is over and its survey went to them.
        ws.run_until(datetime(2026, 6, 22, 23, 5, tzinfo=UTC))
        digest = ws.services.summaries.digest(date(2026, 6, 22))
    participation = digest.sections[0]
    # Out of everyone the polls so far were for (the pre-event poll: the whole roster), each once.
    assert "• Superintendent: 3 of 5 answered a poll" in participation
    assert "• School board member: 1 of 5 answered a poll" in participation
    assert "• Teachers union president: 0 of 5 answered a poll" in participation
    text = "\n".join(digest.sections)
    # The day's one poll is the survey nobody has answered yet: said in words, not "0% agree".
    assert "(`pre-evaluation`): 0 of 8 answered\n_No answers yet._" in text
    assert "n = 0" not in text and "0%" not in text
    assert (
        "*District teams with no answers yet* (2): "
        "Cedar Elementary School District, Pinecrest Unified School District"
    ) in digest.sections


def test_a_digest_before_any_poll_says_so_instead_of_zeros(ws: Workspace) -> None:
    digest = ws.services.summaries.digest(date(2015, 5, 8))  # nothing has launched yet
    assert digest.sections[0] == f"*Participation*\n{NO_POLLS}"
    text = "\n".join(digest.sections)
    assert "answered a poll" not in text and "with no answers yet" not in text
    assert "*Delivery problems*" in text  # the rest of the digest still goes out
    assert [name for name, _png in digest.charts] == []
