"""The shipped examples of events as organizers run them: each is checked and rehearsed clean.

- summer-institute: three days after a pre-conference day for the teams tagged `new`;
- regional-series: days a month apart, county offices beside districts, the region's roles;
- fall-weekend: a weekend across the end of daylight saving time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.devkit import rehearse_event
from tests.kit import ROOT

EXAMPLES = ROOT / "examples"
KINDS = ["summer-institute", "regional-series", "fall-weekend"]


def check(name: str) -> str:
    result = CliRunner().invoke(app, ["check", str(EXAMPLES / name / "event.yaml")])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    return result.stdout


def test_the_summer_institute_is_checked_with_its_pre_conference_for_new_teams() -> None:
    out = check("summer-institute")
    assert (
        "OK Summer Institute on Labor-Management Partnership 2026: 10 sessions, 4 polls, 5 district teams"
        in out
    )
    assert (
        "personal reminder: Pre-conference: what partnership asks of a team  "
        "→ DM to members of teams tagged new (8)" in out
    )
    assert "survey opens: pre-evaluation  → DM to members of teams tagged new (8)" in out
    assert "pre-event poll opens: hopes  → DM to everyone on the roster (22)" in out


def test_the_regional_series_is_checked_with_its_county_offices_and_roles() -> None:
    out = check("regional-series")
    assert "4 district teams and 2 county offices, 23 people" in out
    for day in ("Tuesday, September 15, 2026", "Tuesday, October 13, 2026", "Tuesday, November 10, 2026"):
        assert day in out
    assert "DM to Human resources director of county offices (2)" in out


def test_the_fall_weekend_shows_the_clocks_going_back() -> None:
    lines = [line.strip() for line in check("fall-weekend").splitlines()]
    assert "Saturday, October 31, 2026 (America/Los_Angeles, PDT)" in lines
    assert "Sunday, November 1, 2026 (America/Los_Angeles, PDT until 2:00\u202fAM, then PST)" in lines
    assert "Sun, Nov 1 (PDT until 2:00\u202fAM, then PST)" in lines
    # 24 hours before 9:00 AM PST is 10:00 AM PDT the day before.
    assert (
        "10:00 AM  reminder: Closing circle (1440 min before)  → #retreat-announcements, #retreat-plenary"
        in lines
    )


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")),
    reason="a rehearsal uses a SQLite file of its own; it runs in the SQLite pass",
)
@pytest.mark.parametrize("name", KINDS)
def test_each_example_rehearses_with_no_findings(name: str, tmp_path: Path) -> None:
    out = tmp_path / "rehearsal"
    out.mkdir()
    result = rehearse_event(EXAMPLES / name / "event.yaml", out, database=f"sqlite:///{out / 'rehearsal.db'}")
    assert result.findings == [], result.findings
    summaries = (out / "summaries.md").read_text()
    # Every "N of M answered" counts out of the poll's audience: never more answers than people.
    counts = [(int(n), int(m)) for n, m in re.findall(r"\): (\d+) of (\d+) answered", summaries)]
    assert counts and all(n <= m for n, m in counts), counts
    if name == "summer-institute":
        assert re.search(r"\(`pre-ready`\): \d of 8 answered", summaries)
