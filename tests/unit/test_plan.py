"""The plan of sends derived from an event file: stable job ids, instants in UTC on both sides
of a daylight saving change, parallel sessions sharing one announcement slot, meals and
`reminders: []` planning none, and the open, nudges and close of polls sent by DM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.event import Event, PlannedJob, channel_offsets, load_event, plan
from bot.scheduling.reminders import announcement, session_reminder

# Modelled on examples/quickstart. US daylight saving time starts on 2026-03-08 at 02:00,
# between the event's two days: Los Angeles is UTC-8 on the 7th and UTC-7 on the 9th.
EVENT = """\
event:
  name: Spring Partnership Summit
  timezone: America/Los_Angeles
  days: [2026-03-07, 2026-03-09]
teams:
  - {id: river-usd, name: River Unified School District}
roster: roster.csv
organizers: [ana-lead]
channels:
  announcements: summit-announcements
summaries: {after_session_minutes: null, digest_after_minutes: null}
sessions:
  - id: opening
    title: Opening plenary
    day: 2026-03-07
    start: "09:00"
    end: "10:00"
    kind: plenary
    room: Main Hall
    channel: summit-plenary
    reminders: [30, 5]
  - id: lunch
    title: Lunch
    day: 2026-03-07
    start: "12:00"
    end: "13:00"
    kind: meal
  - id: dinner
    title: Dinner
    day: 2026-03-07
    start: "18:00"
    end: "19:00"
    kind: meal
    reminders: [5]
  - id: breakout-a
    title: Bargaining together
    day: 2026-03-09
    start: "10:00"
    end: "11:00"
    kind: breakout
    room: Room A
    channel: summit-a
  - id: breakout-b
    title: Budgets in the open
    day: 2026-03-09
    start: "10:00"
    end: "11:00"
    kind: breakout
    room: Room B
    channel: summit-b
  - id: quiet-team-time
    title: Quiet team time
    day: 2026-03-09
    start: "13:00"
    end: "14:00"
    kind: team_time
    channel: summit-teams
    reminders: []
polls:
  - id: expectations
    question: What do you most want from the summit?
    kind: open_text
    pre_event:
      opens: "2026-03-01 09:00"
      nudges: ["2026-03-05 09:00", "2026-03-08 09:00"]
      closes: "2026-03-08 17:00"
  - id: evaluation
    question: How did the summit go for you?
    kind: survey
    anonymous: true
    statements: [The summit was useful.]
    dm: {opens: quiet-team-time, closes: "2026-03-09 17:00"}
"""

ROSTER = """\
id,name,email,slack_id,team,role
ana-lead,Ana Lead,ana@summit.example.org,,,other
river-supt,Rita Rivera,rita@river.example.org,,river-usd,superintendent
"""


def load(folder: Path, text: str = EVENT) -> Event:
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (folder / "event.yaml").write_text(text, encoding="utf-8")
    return load_event(folder / "event.yaml", check_colormap=False)


@pytest.fixture
def event(tmp_path: Path) -> Event:
    return load(tmp_path)


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def by_id(jobs: list[PlannedJob]) -> dict[str, PlannedJob]:
    return {job.id: job for job in jobs}


def test_every_job_with_its_stable_id_and_utc_instant_in_time_order(event: Event) -> None:
    assert [(job.id, job.at) for job in plan(event)] == [
        ("poll-open:expectations", utc(3, 1, 17)),  # 09:00 PST
        ("poll-nudge:expectations:1", utc(3, 5, 17)),
        ("reminder:opening:30", utc(3, 7, 16, 30)),  # 08:30 PST
        ("reminder:opening:5", utc(3, 7, 16, 55)),
        ("reminder:dinner:5", utc(3, 8, 1, 55)),  # 17:55 PST is the next day in UTC
        ("poll-nudge:expectations:2", utc(3, 8, 16)),  # 09:00 PDT: an hour earlier in UTC
        ("poll-close:expectations", utc(3, 9, 0)),  # 17:00 PDT
        ("reminder:breakout-a:15", utc(3, 9, 16, 45)),  # 09:45 PDT
        ("reminder:breakout-b:15", utc(3, 9, 16, 45)),
        ("dm-reminder:breakout-a:10", utc(3, 9, 16, 50)),
        ("dm-reminder:breakout-b:10", utc(3, 9, 16, 50)),
        ("poll-open:evaluation", utc(3, 9, 20)),  # the start of quiet-team-time, 13:00 PDT
        ("poll-close:evaluation", utc(3, 10, 0)),
    ]


def test_a_moved_session_keeps_its_job_ids_and_only_its_instants_change(tmp_path: Path) -> None:
    before = by_id(plan(load(tmp_path)))
    moved = EVENT.replace('start: "09:00"\n    end: "10:00"', 'start: "09:20"\n    end: "10:00"', 1)
    after = by_id(plan(load(tmp_path, moved)))
    assert after.keys() == before.keys()
    changed = {job_id for job_id in after if after[job_id].at != before[job_id].at}
    assert changed == {"reminder:opening:30", "reminder:opening:5"}
    assert after["reminder:opening:30"].at - before["reminder:opening:30"].at == timedelta(minutes=20)


def test_same_wall_clock_time_is_an_hour_apart_in_utc_across_the_change(event: Event) -> None:
    opening, breakout = event.sessions["opening"], event.sessions["breakout-a"]
    assert event.session_start(opening) == utc(3, 7, 17)
    assert event.session_start(breakout) == utc(3, 9, 17)
    assert all(job.at.tzinfo is UTC for job in plan(event))


def test_where_each_job_goes_and_what_it_says(event: Event) -> None:
    jobs = by_id(plan(event))
    opening = jobs["reminder:opening:30"]
    assert (opening.kind, opening.subject) == ("reminder", "opening")
    assert opening.what == "reminder: Opening plenary (30 min before)"
    assert opening.to == "#summit-announcements, #summit-plenary"
    assert jobs["reminder:dinner:5"].to == "#summit-announcements"
    assert jobs["dm-reminder:breakout-a:10"].to == "DM to those who chose it"
    nudge = jobs["poll-nudge:expectations:2"]
    assert (nudge.kind, nudge.subject, nudge.what) == ("poll-nudge", "expectations", "nudge 2: expectations")
    assert jobs["poll-open:expectations"].to == "DM to everyone on the roster (2)"
    assert jobs["poll-close:expectations"].what == "pre-event poll closes: expectations"
    assert jobs["poll-open:evaluation"].what == "survey opens: evaluation"


def test_meals_have_no_reminders_unless_they_ask(event: Event) -> None:
    assert channel_offsets(event, event.sessions["lunch"]) == []
    assert channel_offsets(event, event.sessions["dinner"]) == [5]
    assert not any(job.subject == "lunch" for job in plan(event))


def test_reminders_empty_list_plans_no_reminder_and_no_dm(event: Event) -> None:
    assert not any(job.subject == "quiet-team-time" for job in plan(event))
    # It still opens the survey that names it.
    assert by_id(plan(event))["poll-open:evaluation"].at == event.session_start(
        event.sessions["quiet-team-time"]
    )


def test_a_plenary_gets_channel_reminders_but_no_dms(event: Event) -> None:
    assert {job.kind for job in plan(event) if job.subject == "opening"} == {"reminder"}


def test_parallel_sessions_share_one_announcement_slot(event: Event) -> None:
    slot = [job for job in plan(event) if job.kind == "reminder" and job.at == utc(3, 9, 16, 45)]
    assert [job.subject for job in slot] == ["breakout-a", "breakout-b"]
    assert all(job.to.startswith("#summit-announcements, ") for job in slot)

    class Channels:
        def channel(self, name: str) -> str:
            return "C-" + name

    directory: Any = Channels()
    together = [event.sessions[job.subject] for job in slot]
    message = announcement(event, directory, together, 15, delayed=False)
    assert message["text"] == (
        ":alarm_clock: Starting at 10:00 AM (in 15 minutes):\n"
        "• *Bargaining together* · Room A · <#C-summit-a>\n"
        "• *Budgets in the open* · Room B · <#C-summit-b>"
    )
    assert len(message["blocks"]) == 1


def test_a_reminder_the_day_before_names_the_day(event: Event) -> None:
    class Channels:
        def channel(self, name: str) -> str:
            return "C-" + name

    directory: Any = Channels()
    session = event.sessions["breakout-a"]
    day_before = announcement(event, directory, [session], 24 * 60, delayed=False)
    assert day_before["text"].startswith(
        ":alarm_clock: Starting at Monday, March 9, 10:00 AM (in 1,440 minutes):"
    )
    same_day = session_reminder(event, directory, session, 15, delayed=False)
    assert same_day["text"].startswith(
        ":alarm_clock: *Bargaining together* starts at 10:00 AM (in 15 minutes)"
    )
