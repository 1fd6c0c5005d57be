"""`convene rehearse`: a whole event played through the real HTTP endpoint, scheduler and outbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

QUICKSTART = ROOT / "examples" / "quickstart"

# A rehearsal plays on a SQLite file of its own, whatever DATABASE_URL says: once is enough.
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")),
    reason="a rehearsal uses a SQLite file of its own; it runs in the SQLite pass",
)


@pytest.mark.slow
def test_a_rehearsal_writes_timeline_summaries_report_and_findings(tmp_path: Path) -> None:
    event = (QUICKSTART / "event.yaml").read_text()
    # Two things a rehearsal should catch: a poll nobody launches, a session with no channel.
    event = event.replace(
        "  - id: warmup\n",
        "  - id: forgotten\n    question: Did anyone launch me?\n    kind: open_text\n  - id: warmup\n",
        1,
    )
    event = event.replace("    room: Room B\n    channel: summit-supts\n", "    room: Room B\n", 1)
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(event)
    (folder / "roster.csv").write_text((QUICKSTART / "roster.csv").read_text())
    out = tmp_path / "rehearsal"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "rehearse",
            str(folder / "event.yaml"),
            "--out",
            str(out),
            "--participants",
            "24",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Rehearsed in" in result.stdout and "findings" in result.stdout
    for name in (
        "timeline.md",
        "timeline.json",
        "summaries.md",
        "findings.md",
        "findings.json",
        "report/report.md",
        "report/report.html",
    ):
        assert (out / name).is_file(), name
    timeline = json.loads((out / "timeline.json").read_text())
    whats = [t["what"] for t in timeline]
    assert any("Opening plenary* starts at 9:00 AM (in 30 minutes)" in w for w in whats)
    assert any(w.startswith("Poll: Where is your team in its partnership today?") for w in whats)
    assert any("Vision headlines" in w for w in whats)  # the closing session's wall
    assert [t["at"] for t in timeline] == sorted(t["at"] for t in timeline)
    findings = {
        (f["kind"], f["detail"].split(":")[0]) for f in json.loads((out / "findings.json").read_text())
    }
    assert ("poll never launched", "forgotten") in findings
    assert any(kind == "session with no channel" for kind, _ in findings)
    summaries = (out / "summaries.md").read_text()
    assert "## Summary: Opening plenary" in summaries and "## Daily digest: Friday, April 17" in summaries
    report = (out / "report" / "report.md").read_text()
    assert "## Evaluation" in report and "| Agree or strongly agree |" in report
    assert sorted((out / "files").glob("wordcloud-headlines-*.png"))


@pytest.mark.slow
def test_after_a_rehearsal_no_row_links_an_anonymous_poll_to_a_person(tmp_path: Path) -> None:
    """The example event's anonymous polls and survey, rehearsed end to end (DMs, nudges,
    votes, summaries, the report): afterwards no row of any table holds both an anonymous
    poll's id and a person's roster id or Slack user id."""
    import sqlite3

    from bot.event import load_event

    example = ROOT / "examples" / "symposium-2015" / "event.yaml"
    out = tmp_path / "rehearsal"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "rehearse", str(example), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    event = load_event(example, check_colormap=False)
    anonymous = {p for p, spec in event.polls.items() if spec.anonymous}
    assert {"evaluation", "eval-useful"} <= anonymous
    db = sqlite3.connect(out / "rehearsal.db")
    people = set(event.people) | {row[0] for row in db.execute("SELECT slack_user_id FROM identity")}
    people |= {p.slack_id for p in event.people.values() if p.slack_id}
    assert len(people) > len(event.people)  # the rehearsal's people were matched to Slack ids
    answers = db.execute(
        f"SELECT count(*) FROM response WHERE poll_id IN ({','.join('?' * len(anonymous))})",
        sorted(anonymous),
    ).fetchone()[0]
    assert answers > 0  # the rehearsal answered anonymous polls
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    linked = []
    for table in tables:
        for row in db.execute(f'SELECT * FROM "{table}"'):
            tokens = set()
            for value in row:
                tokens |= id_tokens(value)
            if tokens & anonymous and tokens & people:
                linked.append((table, sorted(tokens & anonymous), sorted(tokens & people)))
    assert linked == []


def id_tokens(value: object) -> set[str]:
    """The ids a stored value holds: the value itself, the parts of a key ("poll-nudge:eval:0"),
    JSON leaves and the strings in a pickled blob; never the words of prose (a question that
    says "evaluation" names no poll)."""
    import json
    import re

    if isinstance(value, bytes):
        return {t for s in re.findall(rb"[\x21-\x7e]{2,}", value) for t in id_tokens(s.decode())}
    if not isinstance(value, str):
        return set()
    if value[:1] in "[{":
        try:
            data = json.loads(value)
        except ValueError:
            data = None
        if data is not None:
            leaves: list[object] = []
            stack: list[object] = [data]
            while stack:
                item = stack.pop()
                if isinstance(item, dict):
                    stack += [*item.keys(), *item.values()]
                elif isinstance(item, list):
                    stack += item
                else:
                    leaves.append(item)
            return {t for leaf in leaves for t in id_tokens(leaf)}
    if " " in value.strip():
        return set()
    return {part for part in re.split(r"[:/,|=]", value) if part}
