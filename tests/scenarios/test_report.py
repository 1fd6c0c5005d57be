"""The post-event report and the export: what they contain, and that anonymous answers never
carry an identity."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.event import load_event
from tests.kit import EXAMPLE, SUMMER
from tests.kit.summaries import launch_and_vote, people_with_role


def run_the_event(ws: Workspace) -> dict[str, int]:
    anonymous = {p: 4 for p in people_with_role(ws, "superintendent", 6)}
    anonymous |= {p: 0 for p in people_with_role(ws, "board_member", 3)}
    launch_and_vote(ws, "eval-useful", anonymous)
    ws.clock.advance(1)  # type: ignore[attr-defined]
    launch_and_vote(ws, "capacity-project", {"abc-usd-teachers": 0, "abc-usd-classified": 3})
    user = ws.user("abc-usd-teachers")
    ws.driver.command(user, "/headline", channel="#lmi-team-time")
    (view,) = ws.sandbox.open_views(user)
    ws.driver.submit(
        user,
        view.id,
        {
            "headline": {"value": {"type": "plain_text_input", "value": "Trust built"}},
            "explanation": {"value": {"type": "plain_text_input", "value": None}},
        },
    )
    return anonymous


def test_the_report_has_the_shape_of_the_2015_summary(ws: Workspace, tmp_path: Path) -> None:
    anonymous = run_the_event(ws)
    md_path, html_path = ws.services.report.write(tmp_path)
    md, page = md_path.read_text(), html_path.read_text()
    for heading in (
        "# 2015 California Labor-Management Initiative Symposium",
        "## Sessions",
        "## Participation",
        "## Polls",
        "## Vision headlines",
        "## Evaluation",
    ):
        assert heading in md
    assert "| Overall, the conference was useful and informative. | 67% | 9 |" in md
    assert "| School board member | fewer than 5 |" in md  # the fewer-than-5 rule
    assert "“Trust built”" in md and "### ABC Unified School District" in md
    assert "![Participation by role](images/participation.png)" in md and (tmp_path / "images").is_dir()
    assert 'src="images/' not in page and page.count("data:image/png;base64,") >= 3  # self-contained
    for person in anonymous:
        for text in (md, page):
            assert ws.user(person) not in text and ws.event.people[person].name not in text


@pytest.mark.database
def test_the_export_names_people_only_for_named_polls(ws: Workspace, tmp_path: Path) -> None:
    from bot.insights import write_export

    anonymous = run_the_event(ws)
    rows = ws.services.report.export_rows()
    anon = [r for r in rows if r["poll"] == "eval-useful"]
    named = [r for r in rows if r["poll"] == "capacity-project"]
    assert len(anon) == 9 and {r["answer"] for r in anon} == {"5 Strongly agree", "1 Strongly disagree"}
    assert all(
        r["name"] == r["person_id"] == r["slack_user_id"] == r["role"] == r["answered_at"] == "" for r in anon
    )
    assert {(r["name"], r["team"], r["answer"]) for r in named} == {
        ("Connor Stanton", "ABC Unified School District", "Yes, as soon as it starts"),
        (
            "Emily Rios",
            "ABC Unified School District",
            "Not now; the timing is wrong for us",
        ),
    }
    write_export(rows, tmp_path / "out.csv", "csv")
    write_export(rows, tmp_path / "out.json", "json")
    exported = (tmp_path / "out.csv").read_text() + (tmp_path / "out.json").read_text()
    for person in anonymous:
        assert ws.user(person) not in exported and ws.event.people[person].name not in exported
    assert len(list(csv.DictReader((tmp_path / "out.csv").open()))) == len(
        json.loads((tmp_path / "out.json").read_text())
    )


def test_report_and_export_commands(ws: Workspace, tmp_path: Path) -> None:
    run_the_event(ws)
    env = {
        **os.environ,
        "DATABASE_URL": ws.engine.url.render_as_string(hide_password=False),
        "CONVENE_FILES_DIR": str(tmp_path / "files"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", str(EXAMPLE), "--out", str(tmp_path / "r")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert f"Wrote {tmp_path / 'r' / 'report.md'} and {tmp_path / 'r' / 'report.html'}" in result.stdout
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "export",
            str(EXAMPLE),
            "--format",
            "json",
            "--out",
            str(tmp_path / "x.json"),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote 11 responses to {tmp_path / 'x.json'}"


@pytest.mark.database
def test_the_report_reads_dates_times_and_counts_as_people_write_them(ws: Workspace, tmp_path: Path) -> None:
    from tests.kit.survey import take_survey

    ws.run_until(datetime(2015, 5, 9, 22, 31, tzinfo=UTC))  # the closing session: the survey is out
    take_survey(ws, "abc-usd-supt", [5, 4], [], "")
    md_path, _ = ws.services.report.write(tmp_path)
    md = md_path.read_text()
    assert "May 8–9, 2015, " in md and "May 8 and May 9" not in md
    assert "| 11:15 AM–12:15 PM | Focusing on Teacher Quality" in md and "11:15–12:15 PM" not in md
    assert "### Friday, May 8\n" in md
    assert "1 person answered \\(anonymous\\)." in md and "1 people" not in md


@pytest.mark.database
def test_the_export_carries_survey_answers_and_times_with_their_offset(engine: Engine) -> None:
    from tests.kit.survey import take_survey

    clock = ManualClock(datetime(2026, 6, 22, 23, 1, tzinfo=UTC))
    with Workspace(load_event(SUMMER), clock=clock, engine=engine) as ws:
        ws.run_until(datetime(2026, 6, 22, 23, 10, tzinfo=UTC))  # 4:10 PM PDT: the survey is out
        take_survey(ws, "cedar-supt", [4], [], "More time to plan")
        take_survey(ws, "bayview-board", [2], [], "")
        rows = [r for r in ws.services.report.export_rows() if r["poll"] == "pre-evaluation"]
    assert {(r["name"], r["answer"], r["answered_at"]) for r in rows} == {
        (
            "Eli Cedar",
            "The pre-conference prepared us for the institute.: 4 Agree | Comments: More time to plan",
            "2026-06-22T16:10:00-07:00",
        ),
        (
            "Ben Bayview",
            "The pre-conference prepared us for the institute.: 2 Disagree",
            "2026-06-22T16:10:00-07:00",
        ),
    }


@pytest.mark.database
def test_the_export_of_an_anonymous_survey_keeps_every_answer_and_no_time(ws: Workspace) -> None:
    from tests.kit.survey import take_survey

    ws.run_until(datetime(2015, 5, 9, 22, 31, tzinfo=UTC))  # the closing session: the survey is out
    take_survey(ws, "abc-usd-supt", [5, 4], [0, 5], "Thank you")
    (row,) = [r for r in ws.services.report.export_rows() if r["poll"] == "evaluation"]
    assert row["answer"] == (
        "Overall, the conference was useful and informative.: 5 Strongly agree | "
        "I would recommend future CA LMI events to my colleagues.: 4 Agree | "
        "Interested in: Regional convenings, Webinars | Comments: Thank you"
    )
    assert row["name"] == row["answered_at"] == ""
