"""Benchmark: a burst of upvotes on one Q&A's questions, through `convene serve`.

    .venv/bin/python bench/qa.py                            # 250 voters x 2 upvotes on 5 questions, 3 runs
    .venv/bin/python bench/qa.py --voters 1000 --questions 8 --runs 1
    .venv/bin/python bench/qa.py --database postgresql://postgres@127.0.0.1:5432/test --json qa.json

Each run starts `convene serve --workers N` on a fresh database with one
session whose Q&A takes anonymous questions (so every upvote is a keyed hash
with a random id, the heavier path), opens it with `/qa open`, and has its
organizer ask `--questions` questions through the Ask form's submission.
Then bench/load.py (its own process, keep-alive connections) sends, through
the signed HTTP path, `--per-voter` Upvote clicks for each voter, each on a
different question (voter i upvotes questions i, i+1, … modulo the number of
questions), and then exactly a tenth of those clicks again (double clicks and
redeliveries, which must count once). With the defaults: 500 upvotes and 50
repeats. The sandbox answers each call `--latency` seconds late and holds the
bot to Slack's rate limits (bench/limits.py: chat.update 50 a minute).

After the burst it waits until confirmations stop arriving and the outbox is
empty (as bench/votes.py does), then prints per run:

- upvotes recorded against those clicked (each pair once), per question the
  count in the database against the expected one, and whether the live
  message's last refresh shows every count (`counted_once`, `message_matches`);
- the live message's refreshes (chat.update on it): how many, the shortest
  gap between two (at most one per 2 s means it is 2 s or more), taken as the
  calls reached the sandbox and as it answered them (its stamp comes after
  its latency wait and its lock, so under load two stamps can stand closer
  than the bot sent the calls), and the longest gap from the first click to
  the final refresh;
- click to confirmation: per voter, from the moment a click was sent to the
  moment its "Upvoted" (or "Already upvoted") note reached the sandbox,
  p50/p99 over every click, as bench/votes.py counts it;
- ack latency, upvotes per second, 429s, peak memory, and the load average.

Then the median of the runs. Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.burst import (  # noqa: E402
    Figures,
    Settings,
    Watcher,
    add_common_options,
    confirmations,
    cpu_seconds,
    fresh_database,
    header,
    load_average,
    median_of,
    per_second,
    post,
    refreshes,
    run_load,
    serve_command,
    serving,
    settings_from,
    settle,
    shortest_gap,
    summary,
    write_report,
    write_requests,
)
from bench.limits import BENCH_LIMITS  # noqa: E402
from bot.devkit import SlackSandbox, live_polls_event, voter_id  # noqa: E402
from bot.devkit.sandbox import server as sandbox_server  # noqa: E402
from storage.db import normalise_url  # noqa: E402

SESSION = "s1"
CHANNEL = "plenary"
HOST = "UHOST"
MEDIANS = {
    "upvotes_recorded": "recorded",
    "upvotes_expected": "of",
    "upvotes_per_s": "upvotes/s",
    "ack_p99_ms": "ack p99 ms",
    "confirm_p50_s": "confirmation p50 s",
    "confirm_p99_s": "p99 s",
    "duplicates": "duplicate confirmations",
    "chat_update_calls": "refreshes",
    "min_refresh_gap_arrival_s": "shortest refresh gap s (arrival)",
    "min_refresh_gap_s": "(answered)",
    "max_refresh_gap_s": "longest s",
    "http_429": "429s",
}


def write_event(folder: Path, voters: int) -> Path:
    """The vote-burst event with its one session's Q&A opened by hand only (anonymous allowed)."""
    path = live_polls_event(folder, [("unused", CHANNEL)], voters)
    source = path.read_text()
    path.write_text(source.replace("reminders: []}", "reminders: [], qa: {opens: ~, closes: ~}}", 1))
    return path


def interaction(sandbox: SlackSandbox, user: str, channel: str, ts: str | None) -> dict[str, Any]:
    """What every interaction payload carries: who, where, and a response_url of its own."""
    return {
        "user": {"id": user, "name": user, "team_id": sandbox.team_id},
        "api_app_id": "A0BENCH",
        "token": "t",
        "team": {"id": sandbox.team_id},
        "trigger_id": "t",
        "response_url": sandbox.new_response_url(channel_id=channel, user_id=user, message_ts=ts),
    }


def ask(base: str, sandbox: SlackSandbox, channel: str, n: int) -> None:
    """The organizer submits the Ask form with question n, named."""
    values = {
        "question": {"value": {"type": "plain_text_input", "value": f"Benchmark question {n}: what next?"}},
        "anonymous": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    payload = {
        "type": "view_submission",
        **interaction(sandbox, HOST, channel, None),
        "view": {
            "id": f"VBENCH{n}",
            "type": "modal",
            "callback_id": "qa_ask",
            "private_metadata": json.dumps({"qa": SESSION, "channel": channel}),
            "state": {"values": values},
        },
    }
    answer = post(f"{base}/slack/events", {"payload": json.dumps(payload)})
    if answer.strip():
        raise RuntimeError(f"asking was refused: {answer}")


def upvote_click(sandbox: SlackSandbox, user: str, channel: str, ts: str, slot: int, question: int) -> str:
    """The form body of one press of a question's Upvote button, as Slack sends it."""
    payload = {
        "type": "block_actions",
        **interaction(sandbox, user, channel, ts),
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "channel": {"id": channel},
        "actions": [
            {
                "action_id": f"qa_upvote_{slot}",
                "block_id": "b",
                "type": "button",
                "value": str(question),
                "action_ts": "1",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


class Arrivals:
    """When each chat.update reached the sandbox, before its latency wait: the sandbox stamps a
    call once it has waited and taken its lock, so under load two calls' stamps can stand
    closer than the bot sent them."""

    def __init__(self) -> None:
        self.times: list[float] = []
        serve = sandbox_server._Handler._serve

        def stamped(handler: Any) -> None:
            if handler.path.endswith("/chat.update"):
                self.times.append(time.time())
            serve(handler)

        sandbox_server._Handler._serve = stamped  # type: ignore[method-assign]


def wait_for(check: Any, what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} never happened")
        time.sleep(0.05)
    return found


def counts_shown(blocks: list[dict[str, Any]]) -> dict[str, int]:
    """The upvote count the live message shows beside each question's text."""
    shown = {}
    for block in blocks:
        found = re.match(r"\*▲ (\d+)\* · (.+)\n", (block.get("text") or {}).get("text", ""))
        if found:
            shown[found.group(2)] = int(found.group(1))
    return shown


def one_run(voters: int, questions: int, per_voter: int, settings: Settings, arrivals: Arrivals) -> Figures:
    with (
        tempfile.TemporaryDirectory(prefix="convene-qa-") as tmp,
        SlackSandbox(latency=settings.latency, rate_limits=BENCH_LIMITS) as sandbox,
        fresh_database(settings.database, Path(tmp)) as url_db,
    ):
        folder = Path(tmp)
        event_file = write_event(folder, voters)
        sandbox.add_channel(name=CHANNEL)
        sandbox.add_user(id=HOST, name="host", email="host@votes.example.org")
        for i in range(voters):
            sandbox.add_user(id=voter_id(i), name=f"v{i:05d}")
        argv, env, port = serve_command(event_file, sandbox, url_db, folder, workers=settings.workers)
        engine = create_engine(normalise_url(url_db))
        with serving(argv, env, folder / "serve.log", port) as server:
            channel = sandbox.channel_id(CHANNEL)
            command = {"command": "/qa", "text": f"open {SESSION}", "user_id": HOST, "channel_id": channel}
            command |= {"team_id": sandbox.team_id, "trigger_id": "t"}
            command["response_url"] = sandbox.new_response_url(channel_id=channel, user_id=HOST)
            post(f"{server.base}/slack/events", command)
            ts = wait_for(lambda: [m.ts for m in sandbox.messages(CHANNEL)], "the Q&A's message")[0]
            for n in range(questions):
                ask(server.base, sandbox, channel, n)
            with engine.connect() as conn:
                asked = conn.execute(text("SELECT id, text FROM question ORDER BY text")).all()
            ids = [row.id for row in asked]
            texts = {row.id: row.text for row in asked}
            # Let the questions' own refresh go, so the burst's refreshes are all that is counted.
            wait_for(
                lambda: counts_shown(sandbox.message(channel, ts).blocks).keys() == set(texts.values()),
                "the questions' refresh",
            )
            time.sleep(settings.quiet)
            clicks = [
                (voter_id(i), upvote_click(sandbox, voter_id(i), channel, ts, k, ids[(i + k) % len(ids)]))
                for k in range(per_voter)
                for i in range(voters)
            ]
            expected = {q: 0 for q in ids}
            for i in range(voters):
                for k in range(per_voter):
                    expected[ids[(i + k) % len(ids)]] += 1
            clicks += clicks[: len(clicks) // 10]  # the same clicks again: double clicks, redeliveries
            requests = write_requests(folder / "qa.tsv", clicks)
            watcher = Watcher()
            sandbox.reset_calls()
            arrivals.times.clear()
            ephemerals_before = len(sandbox.ephemerals)
            sandbox.subscribe(watcher)
            load_before = load_average()
            bench_cpu = cpu_seconds(resource.RUSAGE_SELF)
            load = run_load(f"{server.base}/slack/events", requests, settings)
            bench_cpu = cpu_seconds(resource.RUSAGE_SELF) - bench_cpu
            waited, unsent = settle(engine, watcher, load.last_answered, settings)
            sandbox.unsubscribe(watcher)
            calls = sandbox.calls
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT question_id, count(*) FROM upvote GROUP BY question_id")
                ).all()
                first, last = conn.execute(text("SELECT min(created_at), max(created_at) FROM upvote")).one()
            engine.dispose()
            counted = {int(q): int(n) for q, n in rows}
            first_click = min(r[1] for r in load.requests) + load.anchor
            seen = refreshes(calls, {"qa": (channel, ts)}, {"qa": first_click})
            times = sorted(
                c.at.timestamp()
                for c in calls
                if c.method == "chat.update" and c.status == 200 and c.params.get("ts") == ts
            )
            updates = [c for c in calls if c.method == "chat.update" and c.params.get("ts") == ts]
            final = counts_shown(sandbox.message(channel, ts).blocks)
            figures: Figures = {
                "voters": voters,
                "questions": questions,
                "per_voter": per_voter,
                "database": "postgresql" if settings.database else "sqlite",
                "workers": settings.workers,
                "latency_s": settings.latency,
                "load_average": load_before,
                "ready_s": server.ready_s,
                "requests": len(load.requests),
                "timeouts": load.timeouts,
                "errors": load.errors + load.unsent,
                "not_200": load.not_ok(),
                "upvotes_expected": sum(expected.values()),
                "upvotes_recorded": sum(counted.values()),
                "counted_once": counted == expected,
                "message_matches": final == {texts[q]: n for q, n in expected.items()},
                "per_question": {texts[q]: [counted.get(q, 0), n] for q, n in expected.items()},
                "burst_s": round(load.burst_s, 2),
                "upvotes_per_s": per_second(sum(counted.values()), load.burst_s),
                # An anonymous Q&A's upvotes keep no time: only a named one has a span.
                "upvote_timestamps": first is not None and last is not None,
                "ack_p50_ms": load.ack_ms(50),
                "ack_p99_ms": load.ack_ms(99),
                **confirmations(load, sandbox.ephemerals[ephemerals_before:], calls, settings.latency),
                "chat_update_calls": len(updates),
                "min_refresh_gap_s": shortest_gap(times),
                "min_refresh_gap_arrival_s": shortest_gap(arrivals.times),
                "max_refresh_gap_s": seen["max_refresh_gap_s"],
                "last_refresh_after_first_click_s": seen["polls"]["qa"]["last_after_first_vote_s"],
                "http_429": seen["http_429"],
                "waited_s": waited,
                "outbox_unsent": unsent,
                "peak_rss_mb": server.peak_rss_mb(),
                "bench_process_cpu_share": round(bench_cpu / (load.wall_s * (os.cpu_count() or 1)), 3),
            }
    return figures


def describe(r: Figures) -> str:
    p99 = "not reached" if r["confirm_p99_s"] is None else f"{r['confirm_p99_s']} s"
    per_question = "; ".join(f"{got}/{want}" for got, want in r["per_question"].values())
    return (
        f"    upvotes recorded {r['upvotes_recorded']} of {r['upvotes_expected']} "
        f"(counted once: {r['counted_once']}; per question {per_question}; the message shows them: "
        f"{r['message_matches']}), {r['upvotes_per_s']} upvotes/s over a {r['burst_s']} s burst\n"
        f"    ack p50 {r['ack_p50_ms']} ms, p99 {r['ack_p99_ms']} ms over {r['requests']} requests "
        f"({r['timeouts']} timeouts, {r['errors']} errors, {r['not_200']} not 200)\n"
        f"    click to confirmation p50 {r['confirm_p50_s']} s, p99 {p99}; {r['confirmations_sent']} sent to "
        f"{r['voters_confirmed']} voters, {r['duplicates']} duplicates, {r['unconfirmed']} unconfirmed\n"
        f"    live message refreshed {r['chat_update_calls']} times: shortest gap "
        f"{r['min_refresh_gap_arrival_s']} s as the calls arrived ({r['min_refresh_gap_s']} s as answered), "
        f"longest {r['max_refresh_gap_s']} s, last {r['last_refresh_after_first_click_s']} s after the "
        f"first click; 429s {r['http_429']}; outbox unsent {r['outbox_unsent']} after {r['waited_s']} s\n"
        f"    peak {r['peak_rss_mb']} MB, this process (sandbox) CPU {r['bench_process_cpu_share']:.0%}, "
        f"load average before {r['load_average']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_options(parser, voters="voters (repeatable; default 250)")
    parser.add_argument("--questions", type=int, default=5, help="questions on the list (default 5)")
    parser.add_argument(
        "--per-voter", type=int, default=2, help="questions each voter upvotes (default 2: 500 upvotes)"
    )
    args = parser.parse_args()
    if not 1 <= args.per_voter <= args.questions:
        parser.error("--per-voter must be between 1 and --questions")
    settings = settings_from(args)
    where = "PostgreSQL" if settings.database else "SQLite"
    header("an upvote burst on one Q&A through convene serve", settings, ", chat.update 50 a minute")
    report = []
    arrivals = Arrivals()
    for voters in args.voters or [250]:
        runs = []
        for n in range(1, args.runs + 1):
            r = one_run(voters, args.questions, args.per_voter, settings, arrivals)
            runs.append(r)
            print(f"  {voters} voters x {args.per_voter} upvotes, run {n}:\n{describe(r)}", flush=True)
        median = median_of(runs)
        median["counted_once_every_run"] = all(r["counted_once"] and r["message_matches"] for r in runs)
        print(
            f"  median of {len(runs)} ({where}, {settings.workers} workers, {voters} voters x "
            f"{args.per_voter} on {args.questions} questions): "
            + summary(median, MEDIANS)
            + f"; counted once and shown in every run: {median['counted_once_every_run']}",
            flush=True,
        )
        report.append({"voters": voters, "runs": runs, "median": median})
    write_report(args.json, settings, report)


if __name__ == "__main__":
    main()
