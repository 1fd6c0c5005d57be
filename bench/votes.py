"""Benchmark: N people vote on one poll at once, through `convene serve`, beside a bare ceiling.

    .venv/bin/python bench/votes.py                         # 2,000 voters, SQLite, 2 workers, 3 runs
    .venv/bin/python bench/votes.py --voters 200 --voters 10000 --runs 1
    .venv/bin/python bench/votes.py --database postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/votes.py --latency 0 --workers 1 --json votes.json

Each run starts `convene serve --workers N` on a fresh database, launches one
poll in #plenary, and has bench/load.py (its own process, 32 keep-alive
connections) send one pre-signed Slack `block_actions` click per voter, every
tenth voter's twice at once on two connections (double clicks, which must count
once): every
request once, every answer waited for, timeouts counted. The sandbox that
plays Slack runs in this process, answers each call `--latency` seconds late
(a round trip to Slack; 0.1 by default) and holds the bot to Slack's rate
limits (bench/limits.py: chat.update 50 a minute).

After the burst the run waits until confirmations stop arriving (none for
`--quiet` seconds) and the outbox has nothing left, or `--cap` seconds. It
prints, per run:

- votes per second two ways: rows recorded divided by the burst's wall time
  (first click sent to last answer; `votes_per_s`), and from the first to the
  last vote's timestamp in the database (`votes_per_s_span`), which leaves out
  the ramp at both ends and reads higher;
- the same requests against bench/ceiling.py (Starlette under uvicorn with as
  many workers, signature check and one SQLite upsert per vote, nothing else):
  once through bench/load.py, as Convene gets them, and then for
  `--ceiling-seconds` through wrk (a client in C, which the server limits and
  not the client: `ceiling_votes_per_s`); Convene's ratio to wrk's figure
  (`ratio_to_ceiling`);
- ack latency p50/p95/p99 over every request;
- click to confirmation: per voter, from the moment their click was sent to
  the moment their "Recorded your answer" reached the sandbox; p50/p99 over
  every click (a click never confirmed counts as infinitely late), how many
  were sent, to how many voters, duplicates, and how many confirmations were
  in the sandbox's hands at once;
- chat.update calls, the longest gap between refreshes of the poll's message
  from the first vote to its final refresh, 429s, outbox rows left unsent;
- peak memory of the server's processes, start-up to ready, the CPU share of
  the load generator and of this process, and the load average.

Then the median of the runs. The machine has other tenants: read the load
average beside each run. Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.burst import (  # noqa: E402
    HERE,
    SECRET,
    Figures,
    Settings,
    add_common_options,
    convene_run,
    describe,
    free_port,
    header,
    median_of,
    per_second,
    run_load,
    serving,
    settings_from,
    summary,
    write_report,
    write_requests,
)
from bench.ceiling import DATABASE_ENV, connect, prepare, run_wrk  # noqa: E402

MEDIANS = {
    "votes_per_s": "votes/s",
    "votes_per_s_span": "by timestamps",
    "ceiling_votes_per_s": "ceiling (wrk)",
    "ceiling_python_votes_per_s": "ceiling (bench/load.py)",
    "ratio_to_ceiling": "ratio",
    "ack_p99_ms": "ack p99 ms",
    "confirm_p50_s": "confirmation p50 s",
    "confirm_p99_s": "p99 s",
    "last_confirmation_after_last_vote_s": "last after last vote s",
    "confirmations_sent": "confirmations",
    "duplicates": "duplicates",
    "chat_update_calls": "chat.update",
    "max_refresh_gap_s": "longest refresh gap s",
    "http_429": "429s",
}


def ceiling_run(bodies: list[tuple[str, str]], settings: Settings, folder: Path, seconds: float) -> Figures:
    """The same clicks, freshly signed, against the bare ceiling on a fresh SQLite file: once
    through bench/load.py (as Convene gets them), then over and over for `seconds` through wrk,
    a client in C that the server, not the client, limits (`ceiling_votes_per_s`)."""
    database = folder / "ceiling.db"
    prepare(database)
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "--factory", "ceiling:create_app", "--app-dir", str(HERE)]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(settings.workers)]
    argv += ["--log-level", "warning", "--no-access-log"]
    env = {**os.environ, DATABASE_ENV: str(database), "SLACK_SIGNING_SECRET": SECRET}
    with serving(argv, env, folder / "ceiling.log", port) as server:
        requests = write_requests(folder / "ceiling.tsv", bodies)
        load = run_load(f"{server.base}/slack/events", requests, settings)
        with connect(database) as db:
            count, first, last = db.execute("SELECT count(*), min(at), max(at) FROM vote").fetchone()
        hammered = run_wrk(server.base, "/slack/events", requests, settings.connections, seconds)
    return {
        "ceiling_votes_per_s": hammered["votes_per_s"],
        "ceiling_not_2xx": hammered["not_2xx"],
        "ceiling_wrk_p99_ms": hammered["latency_p99_ms"],
        "ceiling_python_votes_per_s": per_second(count, load.burst_s),
        "ceiling_python_votes_per_s_span": per_second(count - 1, (last - first) if count > 1 else None),
        "ceiling_recorded": count,
        "ceiling_ack_p99_ms": load.ack_ms(99),
        "ceiling_not_200": load.not_ok(),
        "ceiling_load_generator_cpu_share": load.cpu_share(),
    }


def one_run(voters: int, settings: Settings, ceiling_seconds: float, keep: bool) -> Figures:
    with tempfile.TemporaryDirectory(prefix="convene-votes-") as tmp:
        folder = Path(tempfile.mkdtemp(prefix="convene-votes-")) if keep else Path(tmp)
        figures, bodies = convene_run(voters, 1, settings, folder)
        figures |= ceiling_run(bodies, settings, folder, ceiling_seconds)
        if keep:
            print(f"    kept the servers' logs and the requests in {folder}")
    ours, ceiling = figures["votes_per_s"], figures["ceiling_votes_per_s"]
    figures["ratio_to_ceiling"] = round(ours / ceiling, 3) if ours and ceiling else None
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_options(parser, voters="voters in the burst (repeatable; default 2000)")
    parser.add_argument(
        "--ceiling-seconds", type=float, default=5.0, help="how long wrk drives the ceiling (default 5)"
    )
    parser.add_argument("--keep", action="store_true", help="keep each run's logs and files")
    args = parser.parse_args()
    settings = settings_from(args)
    where = "PostgreSQL" if settings.database else "SQLite"
    header("vote bursts through convene serve", settings)
    report = []
    for voters in args.voters or [2000]:
        runs = []
        for n in range(1, args.runs + 1):
            r = one_run(voters, settings, args.ceiling_seconds, args.keep)
            runs.append(r)
            print(
                f"  {voters} voters, run {n}: Convene {r['votes_per_s']} votes/s, ceiling "
                f"{r['ceiling_votes_per_s']} votes/s, ratio {r['ratio_to_ceiling']}\n"
                f"    ceiling by wrk: not 2xx {r['ceiling_not_2xx']}, p99 {r['ceiling_wrk_p99_ms']} ms; "
                f"by bench/load.py: {r['ceiling_python_votes_per_s']} votes/s "
                f"({r['ceiling_python_votes_per_s_span']} by timestamps), recorded {r['ceiling_recorded']}, "
                f"ack p99 {r['ceiling_ack_p99_ms']} ms, not 200: {r['ceiling_not_200']}, "
                f"its CPU {r['ceiling_load_generator_cpu_share']:.0%}\n"
                f"{describe(r)}",
                flush=True,
            )
        median = median_of(runs)
        print(
            f"  median of {len(runs)} ({where}, {settings.workers} workers, {voters} voters): "
            + summary(median, MEDIANS)
        )
        report.append({"voters": voters, "runs": runs, "median": median})
    write_report(args.json, settings, report)


if __name__ == "__main__":
    main()
