"""Benchmark: the pre-event poll sent by DM to N participants through the sandbox with
Slack-like rate limits, and how close delivery gets to the floor those limits allow.

    .venv/bin/python bench/fanout.py                 # 2,000 participants, 3 runs
    .venv/bin/python bench/fanout.py --participants 500 --runs 1 --json out.json

Prints, per run and as the median: total time from the job firing to the last DM
delivered, the floor the limits allow, their ratio, 429s received, duplicates
and losses. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.limits import BENCH_LIMITS  # noqa: E402
from bot.app import Services  # noqa: E402
from bot.core import (
    Settings,  # noqa: E402
    SystemClock,  # noqa: E402
)
from bot.delivery import Pacer  # noqa: E402
from bot.devkit import (  # noqa: E402
    SlackSandbox,  # noqa: E402
    fanout_event,
    sandbox_users,
)
from bot.event import load_event  # noqa: E402
from storage.db import make_engine  # noqa: E402


def one_run(participants: int, database: str | None) -> dict[str, float | int]:
    limits = BENCH_LIMITS
    with (
        tempfile.TemporaryDirectory(prefix="convene-fanout-") as tmp,
        SlackSandbox(rate_limits=limits) as sandbox,
    ):
        folder = Path(tmp)
        event = load_event(fanout_event(folder, participants))
        users = sandbox_users(participants)
        for user, email in users:
            sandbox.add_user(id=user, name=email.split("@")[0], email=email)
        engine = make_engine(database or f"sqlite:///{folder / 'bench.db'}")
        settings = Settings(
            slack_api_url=sandbox.api_url, slack_bot_token=sandbox.bot_token, slack_signing_secret="bench"
        )
        clock = SystemClock()
        services = Services.build(settings, event, clock=clock, engine=engine)
        # The bot paces itself to the same limits the sandbox enforces.
        services.dispatcher.pacer = Pacer(clock, limits)

        def delivered() -> int:
            return sum(1 for c in sandbox.calls_to("chat.postMessage") if c.status == 200)

        started = time.perf_counter()
        services.start()
        try:
            deadline = started + 600
            while delivered() < participants + 1 and time.perf_counter() < deadline:
                time.sleep(0.01)
            first_call = min(c.at for c in sandbox.calls_to("chat.postMessage"))
            last_call = max(c.at for c in sandbox.calls_to("chat.postMessage") if c.status == 200)
            total = (last_call - first_call).total_seconds()
            time.sleep(0.5)  # anything sent twice would arrive now
        finally:
            services.stop()
            engine.dispose()
        per_user = {user: len(sandbox.messages(dm)) for user, dm in sandbox.dms.items()}
        counts = [per_user.get(user, 0) for user, _ in users]
        floor = sandbox.limit_floor("chat.postMessage", participants + 1, channels=participants + 1)
        return {
            "participants": participants,
            "total_seconds": round(total, 3),
            "floor_seconds": round(floor, 3),
            "ratio": round(total / floor, 4) if floor else 0.0,
            "responses_429": sum(1 for c in sandbox.calls_to("chat.postMessage") if c.status == 429),
            "duplicates": sum(c - 1 for c in counts if c > 1),
            "losses": counts.count(0),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file per run)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"fan-out of the pre-event poll to {args.participants} participants, limits {BENCH_LIMITS}")
    results = []
    for n in range(1, args.runs + 1):
        result = one_run(args.participants, args.database)
        results.append(result)
        print(
            f"run {n}: {result['total_seconds']:.2f} s (floor {result['floor_seconds']:.2f} s, "
            f"ratio {result['ratio']:.3f}), 429s {result['responses_429']}, "
            f"duplicates {result['duplicates']}, losses {result['losses']}",
            flush=True,
        )
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    machine = f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}"
    print(
        f"median of {len(results)}: {median['total_seconds']:.2f} s, "
        f"floor {median['floor_seconds']:.2f} s, "
        f"ratio {median['ratio']:.3f}, 429s {median['responses_429']:g}, "
        f"duplicates {median['duplicates']:g}, "
        f"losses {median['losses']:g}  [{machine}]"
    )
    if args.json:
        args.json.write_text(json.dumps({"runs": results, "median": median, "machine": machine}, indent=2))


if __name__ == "__main__":
    main()
