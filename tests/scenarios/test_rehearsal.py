"""`convene rehearse`: a whole event played through the real HTTP endpoint, scheduler and outbox."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

QUICKSTART = ROOT / "examples" / "quickstart"


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
    assert "## Evaluation" in report and "agree or strongly agree" in report
    assert sorted((out / "files").glob("wordcloud-headlines-*.png"))
