"""Benchmark: how long `convene rehearse` takes on the example event, as is and with 2,000 people.

    .venv/bin/python bench/rehearse.py                        # 3 runs of each; medians
    .venv/bin/python bench/rehearse.py --large-runs 1         # one run with --participants 2000
    .venv/bin/python bench/rehearse.py --participants 0       # the roster's people only
    .venv/bin/python bench/rehearse.py --json rehearse.json

Each run is `convene rehearse EVENT --out DIR` in its own process, into a new
folder (a fresh SQLite database), timed from start to exit (the wall time a
person waits), beside the time the command reports for itself. Then the same
with `--participants N` (2,000 by default). Prints each run and the medians,
the ratio of the large median to the roster's, the machine and the load
average, and what the simulated people did in the first run of each (answers;
the teams that answered each team poll, the answers a teammate changed, whom
the nudge reached; rankings; breakout choices, questions and upvotes,
headlines). A run that fails prints the end of its output. Not a test:
nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.burst import load_average, machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EVENT = ROOT / "examples" / "symposium-2015" / "event.yaml"


def one_run(event: Path, participants: int | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="convene-rehearse-") as out:
        argv = [sys.executable, "-m", "bot.cli", "rehearse", str(event), "--out", out]
        if participants:
            argv += ["--participants", str(participants)]
        load = load_average()
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
    reported = re.search(r"Rehearsed in ([\d.]+) s", done.stdout)
    findings = re.search(r"([\d,]+) findings?\b", done.stdout)
    # What the simulated people did: the lines between "Rehearsed in" and "Timeline, ...".
    said = done.stdout.split("Rehearsed in", 1)[-1].split("Timeline, summaries", 1)[0]
    activity = [line.strip()[2:] for line in said.splitlines() if line.startswith("  • ")]
    if done.returncode != 0:
        print((done.stdout + done.stderr)[-2000:], file=sys.stderr)
    return {
        "participants": participants,
        "wall_s": round(wall, 1),
        "reported_s": float(reported.group(1)) if reported else None,
        "exit": done.returncode,
        "findings": int(findings.group(1).replace(",", "")) if findings else 0,
        "activity": activity,
        "load_average": load,
    }


def series(event: Path, participants: int | None, runs: int) -> dict[str, Any]:
    label = f"--participants {participants}" if participants else "the roster"
    results = []
    for n in range(1, runs + 1):
        r = one_run(event, participants)
        results.append(r)
        print(
            f"  {label}, run {n}: {r['wall_s']} s wall ({r['reported_s']} s by its own count), "
            f"exit {r['exit']}, "
            f"{r['findings']} findings, load average before {r['load_average']}",
            flush=True,
        )
        if n == 1 and r["activity"]:
            print(f"    simulated people: {'; '.join(r['activity'])}", flush=True)
    median = statistics.median(r["wall_s"] for r in results)
    print(f"  {label}: median of {runs} {median:.1f} s", flush=True)
    return {"participants": participants, "runs": results, "median_wall_s": median}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--event", type=Path, default=EVENT, help="the event file (default: the example event)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs on the roster as is (default 3)")
    parser.add_argument(
        "--participants",
        type=int,
        default=2000,
        help="generated participants for the large rehearsal; 0 skips it (default 2000)",
    )
    parser.add_argument("--large-runs", type=int, default=3, help="runs of the large rehearsal (default 3)")
    parser.add_argument("--json", type=Path, help="also write every run and the medians here")
    args = parser.parse_args()
    print(
        f"convene rehearse {args.event.relative_to(ROOT) if args.event.is_relative_to(ROOT) else args.event}"
    )
    print(f"  [{machine()}]  load average {load_average()}", flush=True)
    report = [series(args.event, None, args.runs)]
    if args.participants:
        report.append(series(args.event, args.participants, args.large_runs))
        ratio = report[1]["median_wall_s"] / report[0]["median_wall_s"]
        print(f"  with --participants {args.participants}: {ratio:.1f} times the roster's median", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": report}, indent=2))


if __name__ == "__main__":
    main()
