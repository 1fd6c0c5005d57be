"""`convene report` and `convene export` read the database alone: with Slack unreachable they
still run, answers from people not on the roster included."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
from pathlib import Path

from bot.devkit import Workspace
from tests.kit import EXAMPLE
from tests.kit.summaries import launch_and_vote

GUEST = "UGUEST0001"


def closed_port() -> int:
    """A local port nothing listens on: a connection to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_report_and_export_work_with_slack_unreachable(ws: Workspace, tmp_path: Path) -> None:
    # A workspace member who is not on the roster answers a named poll beside two who are.
    ws.sandbox.add_user(id=GUEST, name="guest", real_name="Gail Guest", email="gail@example.org")
    launch_and_vote(ws, "capacity-project", {"abc-usd-teachers": 0, "abc-usd-supt": 2})
    channel = ws.sandbox.messages("#lmi-closing")[-1]
    reply = ws.driver.click(GUEST, channel="#lmi-closing", message_ts=channel.ts, action_id="poll_vote_3")
    assert reply.status == 200
    env = {
        **os.environ,
        "DATABASE_URL": ws.engine.url.render_as_string(hide_password=False),
        "CONVENE_FILES_DIR": str(tmp_path / "files"),
        "SLACK_API_URL": f"http://127.0.0.1:{closed_port()}/api/",
        "SLACK_BOT_TOKEN": "xoxb-offline",
    }

    def convene(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "bot.cli", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    export = convene("export", str(EXAMPLE), "--format", "csv", "--out", str(tmp_path / "x.csv"))
    assert export.returncode == 0, export.stderr
    assert "Traceback" not in export.stderr
    rows = list(csv.DictReader((tmp_path / "x.csv").open(encoding="utf-8")))
    answers = {(r["slack_user_id"], r["name"], r["team"], r["answer"]) for r in rows}
    assert (GUEST, "", "", "Not now; the timing is wrong for us") in answers
    assert (
        ws.user("abc-usd-teachers"),
        ws.event.people["abc-usd-teachers"].name,
        "ABC Unified School District",
        "Yes, as soon as it starts",
    ) in answers
    report = convene("report", str(EXAMPLE), "--out", str(tmp_path / "r"))
    assert report.returncode == 0, report.stderr
    assert "Traceback" not in report.stderr
    md = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "3 of " in md and "| No team | 1 |" in md
