"""Benchmark: how long `convene serve` takes to be ready, on the example event.

    .venv/bin/python bench/startup.py                  # 5 runs, 1 and 2 workers, SQLite
    .venv/bin/python bench/startup.py --runs 9 --workers 2 --json startup.json

Each run starts `convene serve examples/symposium-2015/event.yaml` against a sandbox
workspace seeded with the event's 199 people and its channels, and times two moments
from the command's start:

- answering: /healthz answers (Slack's requests would be handled from here on);
- leading: the leader has matched the roster to Slack and reconciled the event's
  scheduled jobs (reminders would go out from here on).

"cold" is a first start on an empty database (migrations, the event's polls, every
job added); "warm" is a restart on that database (nothing to migrate or add).
Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.devkit import SlackSandbox, free_port, seed_sandbox  # noqa: E402
from bot.event import load_event  # noqa: E402

EXAMPLE = ROOT / "examples" / "symposium-2015" / "event.yaml"
LEADING = re.compile(r"schedule reconciled")


def start_once(env: dict[str, str], workers: int, log_path: Path) -> tuple[float, float]:
    """Start the server, return (answering, leading) in seconds, stop it."""
    port = free_port()
    log = log_path.open("wb")
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", str(EXAMPLE), "--port", str(port)]
        + ["--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    answering = leading = None
    try:
        while answering is None or leading is None:
            if server.poll() is not None or time.perf_counter() - started > 60:
                raise RuntimeError(log_path.read_text())
            if answering is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        answering = time.perf_counter() - started
                except OSError:
                    pass
            if leading is None and LEADING.search(log_path.read_text()):
                leading = time.perf_counter() - started
            time.sleep(0.01)
        return answering, leading
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, action="append", help="repeatable; default 1 and 2")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}, "
        f"Python {platform.python_version()}"
    )
    print(f"start-up of convene serve on {EXAMPLE.relative_to(ROOT)}  [{machine}]")
    event = load_event(EXAMPLE)
    results = []
    with SlackSandbox() as sandbox:
        seed_sandbox(sandbox, event)
        for workers in args.workers or [1, 2]:
            figures: dict[str, list[float]] = {}
            for _ in range(args.runs):
                with tempfile.TemporaryDirectory(prefix="convene-startup-") as tmp:
                    env = {
                        **os.environ,
                        "DATABASE_URL": f"sqlite:///{tmp}/convene.db",
                        "SLACK_API_URL": sandbox.api_url,
                        "SLACK_BOT_TOKEN": sandbox.bot_token,
                        "SLACK_SIGNING_SECRET": "startup-bench",
                        "CONVENE_FILES_DIR": f"{tmp}/files",
                        "CONVENE_LOG_LEVEL": "INFO",
                    }
                    for start in ("cold", "warm"):
                        answering, leading = start_once(env, workers, Path(tmp) / f"{start}.log")
                        figures.setdefault(f"{start}_answering_s", []).append(answering)
                        figures.setdefault(f"{start}_leading_s", []).append(leading)
            median = {k: round(statistics.median(v), 2) for k, v in figures.items()}
            results.append({"workers": workers, "runs": figures, "median": median})
            print(
                f"  {workers} worker{'s' if workers > 1 else ''}, median of {args.runs}: "
                f"cold start answering {median['cold_answering_s']} s, leading {median['cold_leading_s']} s; "
                f"restart answering {median['warm_answering_s']} s, leading {median['warm_leading_s']} s",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": results}, indent=2))


if __name__ == "__main__":
    main()
