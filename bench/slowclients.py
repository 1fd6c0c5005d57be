"""Signed votes through `convene serve` while slow clients hold connections open (slowloris).

    .venv/bin/python bench/slowclients.py --slow 1000 --json slow.json

One run: the sandbox as Slack, `convene serve` on a fresh database (its defaults: the
read deadline CONVENE_READ_TIMEOUT and the connection cap), a poll launched, then `--slow`
connections that send their headers or their body a byte a second and never finish. While
they are held, `--votes` signed clicks are sent at `--rate` a second (each waits at most
Slack's 3 s) and /healthz is asked between them. Then it waits for the server to close every
slow connection, and sends one more vote. The same votes without slow clients first give the
baseline. Prints the figures; --json writes them too.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.burst import (  # noqa: E402
    SECRET,
    fresh_database,
    launch,
    load_average,
    machine,
    percentile,
    polls,
    seed,
    serve_command,
    serving,
    write_event,
)
from bench.burst import click as click_body  # noqa: E402
from bot.devkit import SlackSandbox, sign  # noqa: E402
from bot.devkit.slowclients import SlowClients, wait_closed  # noqa: E402

SLACK_DEADLINE = 3.0


def ack_seconds(url: str, body: str) -> float:
    """Seconds to an answer of a signed click; inf if none came within Slack's 3 s or it was not 200."""
    data = body.encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, data)}
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers), timeout=SLACK_DEADLINE
        ) as r:
            ok = r.status == 200
    except OSError:
        ok = False
    took = time.perf_counter() - started
    return took if ok and took <= SLACK_DEADLINE else float("inf")


def health_seconds(base: str) -> float:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=SLACK_DEADLINE):
            return time.perf_counter() - started
    except OSError:
        return float("inf")


def votes(base: str, bodies: list[str], rate: float) -> tuple[list[float], list[float]]:
    """Each click's ack time and a /healthz time after each, paced at `rate` a second."""
    acks, health = [], []
    for n, body in enumerate(bodies):
        due = time.perf_counter() + 1 / rate
        acks.append(ack_seconds(f"{base}/slack/events", body))
        if n % 5 == 0:
            health.append(health_seconds(base))
        time.sleep(max(0.0, due - time.perf_counter()))
    return acks, health


def figures(prefix: str, acks: list[float], health: list[float]) -> dict[str, Any]:
    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {
        f"{prefix}acks": len(acks),
        f"{prefix}acks_late_or_failed": sum(1 for a in acks if a == float("inf")),
        f"{prefix}acks_p50_ms": ms(percentile(acks, 50)),
        f"{prefix}acks_p99_ms": ms(percentile(acks, 99)),
        f"{prefix}acks_max_ms": ms(max(acks) if acks else None),
        f"{prefix}healthz_p99_ms": ms(percentile(health, 99)),
    }


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    live = polls(1)
    total = 2 * args.votes + 1
    with SlackSandbox() as sandbox, fresh_database(args.database, folder) as url_db:
        event_file = write_event(folder, live, total)
        seed(sandbox, live, total)
        argv, env, port = serve_command(event_file, sandbox, url_db, folder, workers=args.workers)
        with serving(argv, env, folder / "serve.log", port) as server:
            launched = launch(server.base, sandbox, live)
            poll = live[0].id
            bodies = [click_body(sandbox, i, poll, *launched[poll]) for i in range(total)]
            load_before = load_average()
            base_acks, base_health = votes(server.base, bodies[: args.votes], args.rate)
            with SlowClients("127.0.0.1", port, args.slow) as slow:
                held_at_start = slow.still_open
                acks, health = votes(server.base, bodies[args.votes : 2 * args.votes], args.rate)
                slow.sweep()
                held_at_end = slow.still_open
                started = time.perf_counter()
                all_closed = wait_closed(slow, timeout=120)
                closed_after = time.perf_counter() - started
                refused = slow.refused
            after = ack_seconds(f"{server.base}/slack/events", bodies[-1])
            load_after = load_average()
        log = (folder / "serve.log").read_text()
    return {
        "machine": machine(),
        "load_before": load_before,
        "load_after": load_after,
        "workers": args.workers,
        "database": "postgresql" if args.database else "sqlite",
        "slow_clients": args.slow,
        "slow_refused_at_connect": refused,
        "slow_held_at_start": held_at_start,
        "slow_held_at_end": held_at_end,
        "vote_rate_per_s": args.rate,
        **figures("baseline_", base_acks, base_health),
        **figures("", acks, health),
        "slow_all_closed_by_server": all_closed,
        "slow_closed_within_s_after_votes": round(closed_after, 1),
        "vote_after_ms": None if after == float("inf") else round(after * 1000, 1),
        "log_lines": log.count("\n"),
        "log_tracebacks": log.count("Traceback"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", type=int, default=1000, help="slow connections to hold open")
    parser.add_argument("--votes", type=int, default=100, help="signed clicks with and without them")
    parser.add_argument("--rate", type=float, default=20.0, help="clicks a second")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database", help="a PostgreSQL server URL; a SQLite file by default")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="convene-slow-") as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
