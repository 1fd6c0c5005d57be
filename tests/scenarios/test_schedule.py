"""The event's clock: planned jobs, reminders at the right instants (moving a manual clock),
restart reconciliation, misfire grace, personal DMs and pre-event nudges."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.event import Event, load_event, plan
from storage.models import BreakoutChoice, JobRun
from tests.kit import EXAMPLE

PT = "America/Los_Angeles"


def ts_of(message) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.fromtimestamp(float(message.ts), tz=UTC)


def dms_to(ws: Workspace, person_id: str) -> list[str]:
    user = ws.user(person_id)
    if user not in ws.sandbox.dms:
        return []
    return [m.text for m in ws.sandbox.messages(ws.sandbox.dms[user])]


def test_the_plan_has_stable_ids_at_local_times(example_event: Event) -> None:
    jobs = {j.id: j for j in plan(example_event)}
    assert jobs["reminder:welcome:15"].at == datetime(2015, 5, 8, 22, 45, tzinfo=UTC)  # 3:45 PM PDT
    assert jobs["dm-reminder:ra-superintendents:10"].to == "DM to 47 × Superintendent"
    assert "reminder:dinner:15" not in jobs  # meals have no reminders by default
    assert jobs["poll-open:looking-forward"].at == datetime(2015, 5, 1, 16, 0, tzinfo=UTC)
    assert [j.id for j in plan(example_event)] == [j.id for j in plan(load_event(EXAMPLE))]


def test_reminder_times_hold_across_a_daylight_saving_change(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(
        "id,name,email,slack_id,team,role\nann,Ann,ann@x.example.org,,,other\n"
    )
    (tmp_path / "event.yaml").write_text(
        "event: {name: DST, timezone: America/New_York, days: [2024-03-09, 2024-03-10]}\n"
        "roster: roster.csv\nchannels: {announcements: news}\n"
        "sessions:\n"
        "  - {id: sat, title: Saturday, day: 2024-03-09, start: '09:00', end: '10:00', kind: plenary}\n"
        "  - {id: sun, title: Sunday, day: 2024-03-10, start: '09:00', end: '10:00', kind: plenary,"
        " reminders: [30, 5]}\n"
    )
    jobs = {j.id: j.at for j in plan(load_event(tmp_path / "event.yaml"))}
    assert jobs == {
        "reminder:sat:15": datetime(2024, 3, 9, 13, 45, tzinfo=UTC),  # EST, UTC-5
        "reminder:sun:30": datetime(2024, 3, 10, 12, 30, tzinfo=UTC),  # EDT, UTC-4
        "reminder:sun:5": datetime(2024, 3, 10, 12, 55, tzinfo=UTC),
    }


@pytest.mark.database
def test_day_one_reminders_arrive_in_order_at_the_right_instants(ws: Workspace) -> None:
    ran = ws.run_until(datetime(2015, 5, 9, 6, 0, tzinfo=UTC))  # through Friday night
    assert [j for j in ran if j.startswith("reminder:")] == [
        "reminder:welcome:15",
        "reminder:california-way:15",
        "reminder:what-is-possible:15",
    ]
    announcements = ws.sandbox.messages("#lmi-announcements")
    # The panels' Q&A messages are in the plenary channel too; the reminders are these.
    plenary = [m for m in ws.sandbox.messages("#lmi-plenary") if m.text.startswith(":alarm_clock:")]
    assert [ts_of(m).astimezone(ws.event.tz).strftime("%H:%M") for m in announcements] == [
        "15:45",
        "16:15",
        "17:30",
    ]
    assert [ts_of(m).replace(microsecond=0) for m in plenary] == [
        ts_of(m).replace(microsecond=0) for m in announcements
    ]
    assert plenary[0].text.startswith(":alarm_clock: *Welcome remarks* starts at 4:00 PM (in 15 minutes)")
    assert "Grand Ballroom" in plenary[0].text
    channel = ws.sandbox.channel_id("#lmi-plenary")
    assert f"<#{channel}>" in plenary[0].text  # channels are linked by id
    assert "(delayed)" not in announcements[0].text


def test_parallel_breakouts_share_one_announcement(ws: Workspace) -> None:
    ws.run_until(datetime(2015, 5, 9, 16, 46, tzinfo=UTC))  # 9:46 AM Saturday
    round_one = [m for m in ws.sandbox.messages("#lmi-announcements") if "10:00 AM" in m.text]
    assert len(round_one) == 1
    assert round_one[0].text.count("\n•") == 6
    assert len(ws.sandbox.messages("#lmi-breakout-par")) == 1


def test_personal_reminders_go_only_to_the_people_concerned(ws: Workspace) -> None:
    with Session(ws.engine) as session:
        session.add(BreakoutChoice(person_id="abc-usd-supt", round_key="r1", session_id="r1-par"))
        session.commit()
    ws.run_until(datetime(2015, 5, 9, 16, 51, tzinfo=UTC))  # 9:51 AM: past the breakout DMs
    # (The DM before the round names every breakout the team is not covering: not a reminder.)
    assert any("Your session *Focusing on Teacher Quality" in t for t in dms_to(ws, "abc-usd-supt"))
    assert not any("Your session *Focusing on Teacher Quality" in t for t in dms_to(ws, "abc-usd-board"))
    ws.run_until(datetime(2015, 5, 9, 20, 21, tzinfo=UTC))  # 1:21 PM: role-alike DMs at 1:20
    supts = [p.id for p in ws.event.people.values() if p.role == "superintendent"]
    others = [p.id for p in ws.event.people.values() if p.role != "superintendent"]
    assert all(any("Role-alike: superintendents" in t for t in dms_to(ws, p)) for p in supts)
    assert not any(any("Role-alike: superintendents" in t for t in dms_to(ws, p)) for p in others)
    # Team time went to every team member and to nobody else.
    assert all(any("Team time 1" in t for t in dms_to(ws, p.id)) for p in ws.event.people.values() if p.team)
    assert not any("Your session *Team time 1" in t for t in dms_to(ws, "cdef-events-lead"))


@pytest.mark.database
def test_a_late_job_within_grace_runs_and_says_delayed(ws: Workspace, clock: ManualClock) -> None:
    ws.run_until(datetime(2015, 5, 8, 22, 0, tzinfo=UTC))  # the pre-event poll's jobs, on time
    clock.set(datetime(2015, 5, 8, 22, 50, tzinfo=UTC))  # five minutes after the welcome reminder was due
    assert ws.services.scheduler.run_due() == ["reminder:welcome:15"]  # type: ignore[union-attr]
    ws.deliver()
    (message,) = ws.sandbox.messages("#lmi-plenary")
    assert "(delayed) in 15 minutes" in message.text
    with Session(ws.engine) as session:
        (run,) = session.exec(select(JobRun).where(JobRun.job_id == "reminder:welcome:15")).all()
        assert run.status == "delayed"


@pytest.mark.database
def test_a_job_older_than_grace_is_skipped_and_organizers_told(ws: Workspace, clock: ManualClock) -> None:
    ws.run_until(datetime(2015, 5, 8, 22, 0, tzinfo=UTC))
    clock.set(datetime(2015, 5, 8, 23, 5, tzinfo=UTC))  # 20 minutes late, grace is 10
    ws.services.scheduler.run_due()  # type: ignore[union-attr]
    ws.deliver()
    assert ws.sandbox.messages("#lmi-plenary") == []
    notes = [t for t in dms_to(ws, "cdef-events-lead") if t.startswith(":warning:")]
    assert len(notes) == 1 and notes[0].startswith(
        ":warning: Skipped reminder: Welcome remarks (15 min before)"
    )
    assert "20 min late (grace 10)" in notes[0]
    with Session(ws.engine) as session:
        run = session.exec(select(JobRun).where(JobRun.job_id == "reminder:welcome:15")).one()
        assert run.status == "skipped"


@pytest.mark.database
def test_restart_reconciles_moved_and_removed_sessions(
    example_event: Event, engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    with Workspace(example_event, clock=clock, engine=engine) as first:
        before = {job_id for _, job_id in first.services.scheduler.pending()}  # type: ignore[union-attr]
    # The organizer moves the welcome by half an hour and drops the What IS Possible panel.
    text_ = EXAMPLE.read_text()
    moved = text_.replace('start: "16:00"\n    end: "16:30"', 'start: "15:30"\n    end: "16:00"', 1)
    assert moved != text_
    block_start = moved.index("  - id: what-is-possible")
    block_end = moved.index("  - id:", block_start + 10)
    edited = moved[:block_start] + moved[block_end:]
    edited = edited.replace("    session: what-is-possible\n", "    session: california-way\n")
    (tmp_path / "event.yaml").write_text(edited)
    (tmp_path / "roster.csv").write_text((EXAMPLE.parent / "roster.csv").read_text())
    changed = load_event(tmp_path / "event.yaml")
    with Workspace(changed, clock=clock, engine=engine) as second:
        scheduler = second.services.scheduler
        assert scheduler is not None
        report = scheduler.reconcile()
        assert (report.added, report.moved, report.removed) == ([], [], [])  # a second start changes nothing
        pending = dict((job_id, at) for at, job_id in scheduler.pending())
        assert pending["reminder:welcome:15"] == datetime(2015, 5, 8, 22, 15, tzinfo=UTC)
        assert before - set(pending) == {
            "reminder:what-is-possible:15",
            "summary:what-is-possible",
            "qa-open:what-is-possible",
            "qa-close:what-is-possible",
        }
        assert set(pending) <= before
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM apscheduler_jobs")).scalar() == len(pending)


@pytest.mark.database
def test_a_job_never_runs_twice(ws: Workspace, clock: ManualClock) -> None:
    scheduler = ws.services.scheduler
    assert scheduler is not None
    at = datetime(2015, 5, 8, 22, 45, tzinfo=UTC)
    ws.run_until(datetime(2015, 5, 8, 22, 0, tzinfo=UTC))
    clock.set(at)
    assert scheduler.execute("reminder:welcome:15", at) == "sent"
    assert scheduler.execute("reminder:welcome:15", at) == "done"
    ws.deliver()
    assert len(ws.sandbox.messages("#lmi-plenary")) == 1


def test_pre_event_poll_dms_everyone_nudges_only_non_respondents_and_closes(ws: Workspace) -> None:
    ws.run_until(datetime(2015, 5, 1, 16, 1, tzinfo=UTC))  # opens 9:00 AM May 1
    people = list(ws.event.people)
    assert all(len(dms_to(ws, p)) == 1 for p in people)
    first = ws.sandbox.messages(ws.sandbox.dms[ws.user("abc-usd-supt")])[0]
    assert "What are you most looking forward to" in json.dumps(first.blocks)
    # Two people answer from their DM.
    for person in ("abc-usd-supt", "abc-usd-board"):
        user = ws.user(person)
        message = ws.sandbox.messages(ws.sandbox.dms[user])[0]
        ws.driver.click(user, channel=ws.sandbox.dms[user], message_ts=message.ts, action_id="poll_answer")
        (view,) = ws.sandbox.open_views(user)
        reply = ws.driver.submit(
            user, view.id, {"answer": {"text": {"type": "plain_text_input", "value": "Learning from peers"}}}
        )
        assert reply.status == 200
    ws.deliver()
    staff = ws.driver.command(
        ws.user("cdef-events-lead"), "/poll results looking-forward", channel="#lmi-plenary"
    )
    assert "2 of 199 have answered" in json.dumps(staff.json)
    ws.run_until(datetime(2015, 5, 5, 16, 1, tzinfo=UTC))  # first nudge
    assert len(dms_to(ws, "abc-usd-supt")) == 1 and len(dms_to(ws, "abc-usd-board")) == 1
    assert len(dms_to(ws, "abc-usd-teachers")) == 2
    ws.run_until(datetime(2015, 5, 8, 19, 1, tzinfo=UTC))  # second nudge, then the close at noon
    assert len(dms_to(ws, "abc-usd-teachers")) == 3
    closing = [t for t in dms_to(ws, "cdef-events-lead") if "has closed" in t]
    assert closing == [
        "The pre-event poll `looking-forward` has closed: 2 of 199 people answered. "
        "`/poll results looking-forward` shows the answers."
    ]


def test_check_prints_the_planned_sends() -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    result = CliRunner().invoke(app, ["check", str(EXAMPLE)])
    assert result.exit_code == 0
    assert f"Planned sends ({len(plan(load_event(EXAMPLE)))}, America/Los_Angeles)" in result.output
    assert "8:40 PM  summary: Team time 1: where are we now?" not in result.output  # day two, not day one
    assert "summary: Charting the California Way panel  → DM to organizers (3)" in result.output
    assert "daily digest: Friday  → DM to organizers (3)" in result.output
    assert (
        "3:45 PM  reminder: Welcome remarks (15 min before)  → #lmi-announcements, #lmi-plenary"
        in result.output
    )
    assert (
        "9:00 AM  pre-event poll opens: looking-forward  → DM to everyone on the roster (199)"
        in result.output
    )
