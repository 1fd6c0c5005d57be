"""A session or poll for some of the people: the summer institute's pre-conference is for
the two teams tagged `new`, and everything downstream (reminders, DMs, nudges, the agenda,
the Home tab, breakout choices, headlines and every "N of M answered") counts only them.
Teams are named by their kind where they are counted (the report, the headlines wall)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.event import Event, load_event
from bot.insights import poll_result
from storage.models import Poll, Response
from tests.kit import ROOT, SUMMER

REGIONAL = ROOT / "examples" / "regional-series" / "event.yaml"
NEW_TEAMS = ("bayview-usd", "cedar-esd")


def dm_texts(ws: Workspace, person_id: str) -> list[str]:
    user = ws.user(person_id)
    if user not in ws.sandbox.dms:
        return []
    return [m.text for m in ws.sandbox.messages(ws.sandbox.dms[user])]


def new_and_others(event: Event) -> tuple[list[str], list[str]]:
    new = [p.id for p in event.people.values() if set(p.teams) & set(NEW_TEAMS)]
    return new, [p.id for p in event.people.values() if p.id not in new]


def variant(tmp_path: Path, source: Path, *edits: tuple[str, str]) -> Event:
    text = source.read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (tmp_path / "event.yaml").write_text(text)
    (tmp_path / "roster.csv").write_text((source.parent / "roster.csv").read_text())
    return load_event(tmp_path / "event.yaml")


def launched(
    ws: Workspace, clock: ManualClock | None, poll_id: str, who: str, channel: str
) -> tuple[str, str]:
    """Launch a poll (at 1:05 PM on the pre-conference day, given the clock) and return where
    its message is."""
    if clock is not None:
        clock.set(datetime(2026, 6, 22, 20, 5, tzinfo=UTC))  # 1:05 PM, in the pre-conference
    ws.driver.command(ws.user(who), f"/poll launch {poll_id}", channel=channel)
    ws.deliver()
    with Session(ws.engine) as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None and poll.message_ts and poll.channel_id
        return poll.channel_id, poll.message_ts


@pytest.fixture
def summer_clock() -> ManualClock:
    return ManualClock(datetime(2026, 6, 14, 16, 0, tzinfo=UTC))  # the week before


@pytest.fixture
def summer(engine: Engine, summer_clock: ManualClock) -> Iterator[Workspace]:
    with Workspace(load_event(SUMMER), clock=summer_clock, engine=engine) as ws:
        yield ws


def test_a_session_for_new_teams_reminds_their_members_and_nobody_else(summer: Workspace) -> None:
    ws = summer
    new, others = new_and_others(ws.event)
    ran = ws.run_until(datetime(2026, 6, 22, 19, 55, tzinfo=UTC))  # 12:55 PM PDT, Monday
    assert "dm-reminder:pre-welcome:10" in ran
    title = "Pre-conference: what partnership asks of a team"
    assert len(new) == 8
    assert all(any(title in t for t in dm_texts(ws, p)) for p in new)
    assert not any(any(title in t for t in dm_texts(ws, p)) for p in others)
    # Its channel hears of it; the announcements everyone reads do not.
    assert any(title in m.text for m in ws.sandbox.messages("#institute-new-teams"))
    assert not any(title in m.text for m in ws.sandbox.messages("#institute-announcements"))


def test_a_survey_for_new_teams_is_sent_to_them_and_counted_out_of_them(summer: Workspace) -> None:
    ws = summer
    new, others = new_and_others(ws.event)
    ws.run_until(datetime(2026, 6, 22, 23, 1, tzinfo=UTC))  # 4:01 PM: the survey has opened
    question = "How did the pre-conference go for your team?"
    assert all(any(question in t for t in dm_texts(ws, p)) for p in new)
    assert not any(any(question in t for t in dm_texts(ws, p)) for p in others)
    ws.run_until(datetime(2026, 6, 23, 14, 31, tzinfo=UTC))  # 7:31 AM Tuesday: the nudge
    nudge = "A reminder: the organizers would love your answers."
    assert all(sum(nudge in t for t in dm_texts(ws, p)) == 1 for p in new)
    assert not any(any(nudge in t for t in dm_texts(ws, p)) for p in others)
    ws.run_until(datetime(2026, 6, 23, 16, 1, tzinfo=UTC))  # 9:01 AM: it has closed
    notes = [t for t in dm_texts(ws, "lee-organizer") if "`pre-evaluation` has closed" in t]
    assert notes == [
        "The survey `pre-evaluation` has closed: 0 of 8 people answered. "
        "`/poll results pre-evaluation` shows the answers."
    ]
    reply = ws.driver.command(
        ws.user("lee-organizer"), "/poll results pre-evaluation", channel="#institute-plenary"
    )
    assert "0 of 8 have answered" in json.dumps(reply.json)


def test_a_session_poll_counts_answers_out_of_the_session_audience(
    summer: Workspace, summer_clock: ManualClock
) -> None:
    ws = summer
    channel, ts = launched(ws, summer_clock, "pre-ready", "kim-facilitator", "#institute-new-teams")
    ws.driver.click(ws.user("bayview-supt"), channel=channel, message_ts=ts, action_id="poll_vote_4")
    with Session(ws.engine) as session:
        poll = session.exec(select(Poll).where(Poll.id == "pre-ready")).one()
        result = poll_result(session, ws.services.polls, poll)
    assert (result.tally.respondents, result.eligible) == (1, 8)
    summary = ws.services.summaries.for_session("pre-welcome")  # type: ignore[union-attr]
    assert "(`pre-ready`): 1 of 8 answered" in "\n".join(summary.sections)
    # The day's participation counts the people that day's polls were for: two superintendents.
    digest = ws.services.summaries.digest(date(2026, 6, 22))  # type: ignore[union-attr]
    assert "• Superintendent: 1 of 2 answered a poll" in digest.sections[0]
    assert any(s.startswith("*District teams with no headline yet* (5)") for s in digest.sections)


def test_the_agenda_and_home_tab_show_a_person_only_what_is_for_them(
    summer: Workspace, summer_clock: ManualClock
) -> None:
    ws = summer
    summer_clock.set(datetime(2026, 6, 22, 20, 5, tzinfo=UTC))  # 1:05 PM Monday
    ws.driver.command(ws.user("kim-facilitator"), "/poll launch pre-ready", channel="#institute-new-teams")
    ws.deliver()
    mine = ws.driver.command(ws.user("bayview-board"), "/agenda me", channel="#institute-plenary").json[
        "text"
    ]
    assert "Pre-conference: what partnership asks of a team" in mine
    theirs = ws.driver.command(ws.user("harbor-board"), "/agenda me", channel="#institute-plenary").json[
        "text"
    ]
    assert "Pre-conference" not in theirs and "_Nothing on your agenda that day._" in theirs
    for person, sees in (("bayview-board", True), ("harbor-board", False)):
        user = ws.user(person)
        ws.driver.event({"type": "app_home_opened", "user": user, "tab": "home"})
        (home,) = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user][-1:]
        assert ("How ready does your team feel to start?" in json.dumps(home.view["blocks"])) is sees


def test_between_days_that_are_not_contiguous_the_agenda_shows_the_next_one(
    engine: Engine, tmp_path: Path
) -> None:
    clock = ManualClock(datetime(2026, 10, 1, 16, 0, tzinfo=UTC))  # between September's and October's
    with Workspace(load_event(REGIONAL), clock=clock, engine=engine) as ws:
        mine = ws.driver.command(ws.user("humboldt-supt"), "/agenda me", channel="#northcoast-plenary")
        assert mine.json["text"].startswith("*Your Tuesday, October 13*")
        assert "County offices as partners to their districts" in mine.json["text"]


def test_a_breakout_for_new_teams_is_offered_to_them_alone(
    engine: Engine, summer_clock: ManualClock, tmp_path: Path
) -> None:
    event = variant(
        tmp_path,
        SUMMER,
        (
            "    kind: breakout\n    room: Scripps\n",
            "    kind: breakout\n    room: Scripps\n    audience: {tags: [new]}\n",
        ),
    )
    with Workspace(event, clock=summer_clock, engine=engine) as ws:
        user = ws.user("harbor-supt")
        ws.driver.event({"type": "app_home_opened", "user": user, "tab": "home"})
        home = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user][-1]
        blocks = json.dumps(home.view["blocks"])
        assert "Teacher evaluation that teachers trust" in blocks and "Budgets built together" not in blocks
        ws.driver.select(
            user, view_id=home.id, action_id="breakout_choose_20260624T1600Z", value="breakout-budget"
        )
        home = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user][-1]
        assert "*Budgets built together* is not one of your breakouts." in json.dumps(home.view["blocks"])
        new_user = ws.user("bayview-supt")
        ws.driver.event({"type": "app_home_opened", "user": new_user, "tab": "home"})
        home = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == new_user][-1]
        assert "Budgets built together" in json.dumps(home.view["blocks"])


def test_headlines_are_asked_only_of_the_teams_the_session_is_for(
    engine: Engine, summer_clock: ManualClock, tmp_path: Path
) -> None:
    event = variant(
        tmp_path,
        SUMMER,
        (
            "    kind: team_time\n    room: Merrill Hall\n    channel: institute-teams\n  - id: closing",
            "    kind: team_time\n    room: Merrill Hall\n    channel: institute-teams\n"
            "    audience: {tags: [new]}\n  - id: closing",
        ),
    )
    with Workspace(event, clock=summer_clock, engine=engine) as ws:
        assert [t.id for t in ws.services.headlines.missing_teams()] == list(NEW_TEAMS)


def test_the_report_and_the_headlines_wall_count_teams_by_kind(engine: Engine, tmp_path: Path) -> None:
    from bot.headlines.views import wall_messages

    clock = ManualClock(datetime(2026, 11, 10, 17, 30, tzinfo=UTC))  # 9:30 AM, team time
    with Workspace(load_event(REGIONAL), clock=clock, engine=engine) as ws:
        report = ws.services.report.blocks()
        assert "4 district teams and 2 county offices, with 23 people on the roster." in report[1].text
        for person, text in (
            ("eureka-supt", "Trust is our habit"),
            ("humboldt-supt", "One county, one voice"),
        ):
            ws.services.headlines.submit(user_id=ws.user(person), team_id=None, text=text, explanation=None)
        wall = wall_messages(ws.services.headlines.wall(), ws.event)
        assert "from 1 district team and 1 county office" in json.dumps(wall)
        digest = ws.services.summaries.digest()  # type: ignore[union-attr]
        assert any(s.startswith("*Teams with no headline yet* (4)") for s in digest.sections)


def test_a_poll_for_new_teams_refuses_everyone_else_in_its_channel(
    summer: Workspace, summer_clock: ManualClock
) -> None:
    """A channel is open to anyone who joins it; the poll in it is not. Someone outside the
    audience (another team, staff, a guest not on the roster) who clicks is told so, and the
    answer is neither stored nor counted: "N of 8" can never pass 8."""
    ws = summer
    channel, ts = launched(ws, summer_clock, "pre-ready", "kim-facilitator", "#institute-new-teams")
    ws.sandbox.add_user(id="UGUEST0001", name="guest", real_name="Gail Guest", email="gail@example.org")
    outsiders = [ws.user("harbor-supt"), ws.user("kim-facilitator"), "UGUEST0001"]
    for user in [*outsiders, ws.user("cedar-supt")]:
        reply = ws.driver.click(user, channel=channel, message_ts=ts, action_id="poll_vote_2")
        assert reply.status == 200
    ws.deliver()
    for user in outsiders:
        notes = [e.text for e in ws.sandbox.ephemerals if e.user == user]
        assert notes == [
            "This poll is only for the audience of *Pre-conference: what partnership asks of a "
            "team* (members of teams tagged new); your answer was not recorded."
        ], user
    with Session(ws.engine) as session:
        poll = session.exec(select(Poll).where(Poll.id == "pre-ready")).one()
        result = poll_result(session, ws.services.polls, poll)
        stored = session.exec(select(Response).where(Response.poll_id == "pre-ready")).all()
    assert (result.tally.respondents, result.eligible) == (1, 8)
    assert [r.user_id for r in stored] == [ws.user("cedar-supt")]


def test_a_role_alike_poll_opens_no_form_for_another_role(ws: Workspace) -> None:
    """An open-text poll answers in a form: someone outside the role is refused at the click,
    before typing anything."""
    facilitator = next(s for s in ws.event.sessions.values() if s.id == "ra-classified").facilitators[0]
    channel, ts = launched(ws, None, "classified-partners", facilitator, "#lmi-role-classified-union")
    opened = len(ws.sandbox.views)
    ws.driver.click(ws.user("abc-usd-supt"), channel=channel, message_ts=ts, action_id="poll_answer")
    ws.deliver()
    assert len(ws.sandbox.views) == opened
    notes = [e.text for e in ws.sandbox.ephemerals if e.user == ws.user("abc-usd-supt")]
    assert notes == [
        "This poll is only for the audience of *Role-alike: classified employees union and "
        "association presidents* (the role Classified employees union or association president); "
        "your answer was not recorded."
    ]


def test_agenda_now_and_next_shows_a_participant_the_sessions_for_them(
    summer: Workspace, summer_clock: ManualClock
) -> None:
    """During the pre-conference for new teams, /agenda tells someone from another team what
    is next for them (the opening plenary), not a session they are not asked to; the new teams
    and staff see the pre-conference."""
    ws = summer
    summer_clock.set(datetime(2026, 6, 22, 20, 5, tzinfo=UTC))  # 1:05 PM, in the pre-conference

    def agenda(who: str) -> str:
        reply = ws.driver.command(ws.user(who), "/agenda", channel="#institute-new-teams")
        assert reply.status == 200
        return reply.text

    other = agenda("harbor-supt")
    assert "Pre-conference" not in other
    assert other.startswith("_Nothing is running right now._\n*Next, at ") and "Opening plenary" in other
    for who in ("bayview-supt", "kim-facilitator"):
        shown = agenda(who)
        assert "*Now*\n• " in shown and "Pre-conference: what partnership asks of a team" in shown
