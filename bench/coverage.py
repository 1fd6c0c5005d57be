"""Benchmark: breakout choices with the team's coverage, /coverage, and the DM before a round.

    .venv/bin/python bench/coverage.py                      # the example event, SQLite, 3 runs
    .venv/bin/python bench/coverage.py --database postgresql://postgres@127.0.0.1:5432/test --json c.json

Each run starts the example event's bot against the sandbox (in-process, through the
signed request path) at 8:00 AM on the breakouts' day. Every team member opens the Home
tab and chooses a breakout for both rounds (teams in pairs, every fifth team leaving one
person alone and one round unchosen), so each choice re-reads every choice to draw the
team's coverage. Then an organizer asks `/coverage` for every team, for one team and for
one round, and the clock moves to the first round's DM job, which is run and delivered.

Prints per run: choice to published Home tab (p50, p99), /coverage answer time (p50,
max), the DM job's time and how many DMs it queued, and the run's total; then the median
of the runs. Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core import ManualClock  # noqa: E402
from bot.devkit import Workspace  # noqa: E402
from bot.devkit.databases import scratch_database  # noqa: E402
from bot.event import load_event  # noqa: E402
from storage.db import make_engine  # noqa: E402

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "symposium-2015" / "event.yaml"
ROUNDS = {"20150509T1700Z": "r1", "20150509T1815Z": "r2"}
BREAKOUTS = ["par", "features", "lcap", "site", "inter-district", "impact"]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run(database: str | None) -> dict[str, Any]:
    event = load_event(EXAMPLE)
    clock = ManualClock(datetime(2015, 5, 9, 15, 0, tzinfo=UTC))
    engine = make_engine(database) if database else None
    started = time.perf_counter()
    with Workspace(event, clock=clock, engine=engine) as ws:
        choices: list[float] = []
        for t, team in enumerate(event.teams.values()):
            members = [p for p in event.people.values() if team.id in p.teams]
            for n, person in enumerate(members):
                user = ws.user(person.id)
                ws.driver.event({"type": "app_home_opened", "user": user, "tab": "home"})
                view = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user][-1]
                for r, (key, prefix) in enumerate(ROUNDS.items()):
                    if t % 5 == 0 and r == 1 and n == 0:
                        continue  # a gap: one person has not chosen the second round
                    pair = n // 2 if not (t % 5 == 0 and n == 3) else 2  # the fourth alone
                    breakout = BREAKOUTS[(2 * r + pair + t) % len(BREAKOUTS)]
                    begin = time.perf_counter()
                    ws.driver.select(
                        user,
                        view_id=view.id,
                        action_id=f"breakout_choose_{key}",
                        value=f"{prefix}-{breakout}",
                    )
                    choices.append(time.perf_counter() - begin)
        lead = ws.user("cdef-events-lead")
        answers: list[float] = []
        for text in ("/coverage", "/coverage abc", "/coverage 10:00") * 5:
            begin = time.perf_counter()
            ws.driver.command(lead, text, channel="#lmi-plenary")
            answers.append(time.perf_counter() - begin)
        scheduler = ws.services.scheduler
        ws.run_until(datetime(2015, 5, 9, 16, 29, tzinfo=UTC))
        at = datetime(2015, 5, 9, 16, 30, tzinfo=UTC)
        clock.set(at)
        begin = time.perf_counter()
        scheduler.execute("breakout-nudge:20150509T1700Z", at)
        job = time.perf_counter() - begin
        sent = ws.deliver()
    return {
        "choices": len(choices),
        "choice_p50_ms": 1000 * _pct(choices, 0.5),
        "choice_p99_ms": 1000 * _pct(choices, 0.99),
        "coverage_p50_ms": 1000 * _pct(answers, 0.5),
        "coverage_max_ms": 1000 * max(answers),
        "nudge_job_ms": 1000 * job,
        "nudge_dms": sent,
        "total_s": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", help="a PostgreSQL server URL (a scratch database is made there)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    runs = []
    for n in range(args.runs):
        if args.database:
            with scratch_database(args.database, "convene_bench") as url:
                figures = run(url)
        else:
            figures = run(None)
        runs.append(figures)
        print(
            f"run {n + 1}: "
            + ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items())
        )
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print("median: " + ", ".join(f"{k} {v:.1f}" for k, v in median.items()))
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "median": median}, indent=2))


if __name__ == "__main__":
    main()
