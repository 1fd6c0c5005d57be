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

Each run also gives the messages and simulated requests it played (from the
command's last line) and the CPU seconds the process used (user + system):
others share the machine, so the load average before and after each run is
kept beside it, and CPU time is the figure least moved by them. With --json,
every run, the medians (wall, CPU, per 1,000 messages and requests) and the
machine go to the file.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.burst import cpu_seconds, load_average, machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EVENT = ROOT / "examples" / "symposium-2015" / "event.yaml"


def one_run(event: Path, participants: int | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="convene-rehearse-") as out:
        argv = [sys.executable, "-m", "bot.cli", "rehearse", str(event), "--out", out]
        if participants:
            argv += ["--participants", str(participants)]
        load = load_average()
        cpu_before = cpu_seconds(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before
    played = re.search(
        r"Rehearsed in ([\d.]+) s: ([\d,]+) messages sent, ([\d,]+) requests from simulated", done.stdout
    )
    findings = re.search(r"([\d,]+) findings?\b", done.stdout)
    # What the simulated people did: the lines after their heading, up to "Timeline, ...".
    said = done.stdout.split("What the simulated participants did:", 1)[-1].split("Timeline, summaries", 1)[0]
    activity = [line.strip()[2:] for line in said.splitlines() if line.startswith("  • ")]
    if done.returncode != 0:
        print((done.stdout + done.stderr)[-2000:], file=sys.stderr)
    return {
        "participants": participants,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "reported_s": float(played.group(1)) if played else None,
        "messages": int(played.group(2).replace(",", "")) if played else None,
        "requests": int(played.group(3).replace(",", "")) if played else None,
        "exit": done.returncode,
        "findings": int(findings.group(1).replace(",", "")) if findings else 0,
        "activity": activity,
        "load_average_before": load,
        "load_average_after": load_average(),
    }


def series(event: Path, participants: int | None, runs: int) -> dict[str, Any]:
    label = f"--participants {participants}" if participants else "the roster"
    results = []
    for n in range(1, runs + 1):
        r = one_run(event, participants)
        results.append(r)
        print(
            f"  {label}, run {n}: {r['wall_s']} s wall, {r['cpu_s']} s CPU "
            f"({r['reported_s']} s by its own count), exit {r['exit']}, "
            f"{r['messages']} messages, {r['requests']} requests, {r['findings']} findings, "
            f"load average before {r['load_average_before']}, after {r['load_average_after']}",
            flush=True,
        )
        if n == 1 and r["activity"]:
            print(f"    simulated people: {'; '.join(r['activity'])}", flush=True)
    median = statistics.median(r["wall_s"] for r in results)
    cpu = statistics.median(r["cpu_s"] for r in results)
    played = statistics.median((r["messages"] or 0) + (r["requests"] or 0) for r in results)
    per_thousand = round(1000 * median / played, 2) if played else None
    print(
        f"  {label}: median of {runs} {median:.1f} s wall, {cpu:.1f} s CPU; "
        f"{played:,.0f} messages and requests, {per_thousand} s per 1,000",
        flush=True,
    )
    return {
        "participants": participants,
        "runs": results,
        "median_wall_s": median,
        "median_cpu_s": cpu,
        "messages_and_requests": played,
        "wall_s_per_1000": per_thousand,
    }


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
    parser.add_argument(
        "--large-runs", type=int, default=3, help="runs of the large rehearsal; 0 skips it (default 3)"
    )
    parser.add_argument("--json", type=Path, help="also write every run and the medians here")
    args = parser.parse_args()
    print(
        f"convene rehearse {args.event.relative_to(ROOT) if args.event.is_relative_to(ROOT) else args.event}"
    )
    started = load_average()
    print(f"  [{machine()}]  load average {started}", flush=True)
    report = [series(args.event, None, args.runs)]
    if args.participants and args.large_runs > 0:
        report.append(series(args.event, args.participants, args.large_runs))
        ratio = report[1]["median_wall_s"] / report[0]["median_wall_s"]
        work = report[1]["messages_and_requests"] / (report[0]["messages_and_requests"] or 1)
        print(
            f"  with --participants {args.participants}: {ratio:.1f} times the roster's median wall time, "
            f"for {work:.1f} times its messages and requests",
            flush=True,
        )
    finished = load_average()
    print(f"  load average at the end {finished}", flush=True)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "load_average_start": started,
                    "load_average_end": finished,
                    "results": report,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
