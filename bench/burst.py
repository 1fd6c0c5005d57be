"""What bench/votes.py and bench/live.py share: a vote burst through `convene serve`, measured from outside.

One run: a sandbox that answers a round trip away (`latency`) with Slack's rate
limits (bench/limits.py), `convene serve --workers N` on a fresh database, one
or more polls launched at once, then bench/load.py (its own process) sends one
signed click per voter, every tenth voter's twice at once on two connections
(double clicks, which must count once), every request once, every answer waited for. After
the burst it waits until confirmations stop arriving (none for `quiet`
seconds) and the outbox has nothing left to send, or until `cap` seconds, and
only then counts what reached the sandbox: confirmations per voter (click to
the sandbox receiving it), chat.update refreshes of each poll's message and
the gaps between them, and 429s.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import math
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.limits import BENCH_LIMITS  # noqa: E402
from bot.devkit import Call, SlackSandbox, free_port, live_polls_event, sign, voter_id  # noqa: E402

__all__ = ["free_port"]
from bot.devkit.databases import scratch_database  # noqa: E402
from storage.db import normalise_url  # noqa: E402

SECRET = "bench-signing-secret"
HERE = Path(__file__).resolve().parent
CONFIRMATIONS = ("response_url", "chat.postEphemeral")
DOUBLE_EVERY = 10  # every tenth voter double-clicks: two requests at once
Figures = dict[str, Any]


@dataclass(frozen=True)
class Settings:
    """What every run of a benchmark is given (from its command line)."""

    workers: int = 2
    latency: float = 0.1
    database: str | None = None
    connections: int = 32
    timeout: float = 60.0
    quiet: float = 5.0
    cap: float = 180.0


@dataclass(frozen=True)
class Poll:
    id: str
    channel: str


def polls(count: int) -> list[Poll]:
    """One poll in #plenary, or `count` polls in parallel breakouts, one channel each."""
    if count == 1:
        return [Poll("burst", "plenary")]
    return [Poll(f"room{k}", f"breakout-{k}") for k in range(1, count + 1)]


def voter(i: int) -> str:
    return voter_id(i)


# ------------------------------------------------------------ the machine


def machine() -> str:
    """CPU model, cores, OS and Python, for the first line of every report."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    model = found.group(1).strip() if found else platform.machine()
    return f"{model}, {os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (uptime's), since others share the machine."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of one process (VmHWM), in MB."""
    found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(found.group(1)) / 1024 if found else 0.0


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's supervisor and its workers)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += process_tree(int(child))
    return found


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile; None for no values or when it falls on a missing one (inf)."""
    if not values:
        return None
    ordered = sorted(values)
    value = ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
    return None if math.isinf(value) else value


def median_of(runs: list[Figures]) -> Figures:
    """The median of every figure that is a number in each run."""
    return {
        k: statistics.median(float(r[k]) for r in runs)
        for k in runs[0]
        if all(isinstance(r.get(k), int | float) and not isinstance(r.get(k), bool) for r in runs)
    }


# ------------------------------------------------------------ servers


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    ready_s: float

    def peak_rss_mb(self) -> float:
        # every process's own peak, added up: an upper bound on the memory at any moment
        return round(sum(peak_rss_mb(p) for p in process_tree(self.process.pid)), 1)


def serve_command(
    event_file: Path, sandbox: SlackSandbox, url_db: str, folder: Path, *, workers: int
) -> tuple[list[str], dict[str, str], int]:
    """`convene serve` on `event_file` with the sandbox as its Slack: its argv, environment and port."""
    env = {
        **os.environ,
        "DATABASE_URL": url_db,
        "SLACK_API_URL": sandbox.api_url,
        "SLACK_BOT_TOKEN": sandbox.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "CONVENE_LOG_LEVEL": "WARNING",
        "CONVENE_FILES_DIR": str(folder / "files"),
    }
    port = free_port()
    argv = [sys.executable, "-m", "bot.cli", "serve", str(event_file), "--port", str(port)]
    argv += ["--workers", str(workers)]
    return argv, env, port


@contextlib.contextmanager
def serving(argv: list[str], env: dict[str, str], log: Path, port: int) -> Iterator[Server]:
    """Start a server process and wait until GET /healthz answers; stop it after."""
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                        break
                except OSError:
                    if process.poll() is not None or time.perf_counter() - started > 60:
                        raise RuntimeError(log.read_text()[-3000:]) from None
                    time.sleep(0.02)
            yield Server(base, process, round(time.perf_counter() - started, 2))
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def fresh_database(server: str | None, folder: Path) -> Iterator[str]:
    """A new SQLite file in `folder`, or a new database on the PostgreSQL `server`, dropped after."""
    if not server:
        yield f"sqlite:///{folder / 'votes.db'}"
        return
    with scratch_database(server, "convene_bench") as url:
        yield url


def write_event(folder: Path, live: list[Poll], voters: int) -> Path:
    """An event with one session per poll (at the same time, each in its own channel) and `voters` people."""
    return live_polls_event(folder, [(p.id, p.channel) for p in live], voters)


def seed(sandbox: SlackSandbox, live: list[Poll], voters: int) -> None:
    """The polls' channels, their host and `voters` voters, in the sandbox."""
    for p in live:
        sandbox.add_channel(name=p.channel)
    sandbox.add_user(id="UHOST", name="host", email="host@votes.example.org")
    for i in range(voters):
        sandbox.add_user(id=voter(i), name=f"v{i:05d}")


def post(url: str, fields: dict[str, str]) -> str:
    body = urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
    with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=30) as r:
        return r.read().decode()


def launch(base: str, sandbox: SlackSandbox, live: list[Poll]) -> dict[str, tuple[str, str]]:
    """Launch every poll at once, as their facilitators would; each poll's (channel id, message ts)."""

    def one(poll: Poll) -> None:
        channel = sandbox.channel_id(poll.channel)
        post(
            f"{base}/slack/events",
            {
                "command": "/poll",
                "text": f"launch {poll.id}",
                "user_id": "UHOST",
                "channel_id": channel,
                "team_id": sandbox.team_id,
                "response_url": sandbox.new_response_url(channel_id=channel, user_id="UHOST"),
                "trigger_id": "t",
            },
        )

    with ThreadPoolExecutor(max_workers=len(live)) as pool:
        list(pool.map(one, live))
    deadline = time.monotonic() + 60
    while not all(sandbox.messages(p.channel) for p in live):
        if time.monotonic() > deadline:
            raise RuntimeError("a launched poll's message never reached the sandbox")
        time.sleep(0.02)
    return {p.id: (sandbox.channel_id(p.channel), sandbox.messages(p.channel)[0].ts) for p in live}


def click(sandbox: SlackSandbox, i: int, poll: str, channel: str, ts: str) -> str:
    """The form body of voter `i`'s click on option i % 5, with a response_url of its own, as Slack sends."""
    user = voter(i)
    payload = {
        "type": "block_actions",
        "user": {"id": user, "name": user, "team_id": sandbox.team_id},
        "api_app_id": "A0BENCH",
        "token": "t",
        "team": {"id": sandbox.team_id},
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "channel": {"id": channel},
        "trigger_id": "t",
        "response_url": sandbox.new_response_url(channel_id=channel, user_id=user, message_ts=ts),
        "actions": [
            {
                "action_id": f"poll_vote_{i % 5}",
                "block_id": "b",
                "type": "button",
                "value": json.dumps({"poll": poll, "choices": [i % 5]}),
                "action_ts": "1",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


def clicks(
    sandbox: SlackSandbox, live: list[Poll], launched: dict[str, tuple[str, str]], voters: int
) -> list[tuple[str, str]]:
    """(voter, body) for every click of the burst: one per voter, polls interleaved, and every
    tenth voter's click twice in a row (a double click: bench/load.py sends the two at once, on
    two connections; it must count once)."""

    def one(i: int) -> tuple[str, str]:
        poll = live[i % len(live)].id
        return voter(i), click(sandbox, i, poll, *launched[poll])

    return [c for i in range(voters) for c in ([one(i), one(i)] if i % DOUBLE_EVERY == 0 else [one(i)])]


def write_requests(path: Path, bodies: list[tuple[str, str]]) -> Path:
    """bench/load.py's requests file, signed now (Slack's signatures go stale after five minutes)."""
    with path.open("w") as out:
        for tag, body in bodies:
            headers = sign(SECRET, body.encode())
            out.write(
                f"{tag}\t{headers['X-Slack-Request-Timestamp']}\t{headers['X-Slack-Signature']}\t{body}\n"
            )
    return path


# ------------------------------------------------------------ the burst


@dataclass
class Load:
    """bench/load.py's results: times on the monotonic clock, `anchor` turns them into wall-clock seconds."""

    anchor: float
    cpu_s: float
    wall_s: float
    timeouts: int
    errors: int
    unsent: int
    requests: list[tuple[str, float, float | None, int | str]]

    @property
    def first_sent(self) -> float:
        return min(r[1] for r in self.requests)

    @property
    def last_answered(self) -> float:
        return max((r[2] for r in self.requests if r[2] is not None), default=self.first_sent)

    @property
    def burst_s(self) -> float:
        return self.last_answered - self.first_sent

    def ack_ms(self, p: float) -> float | None:
        value = percentile([(r[2] - r[1]) * 1000 for r in self.requests if r[2] is not None], p)
        return None if value is None else round(value, 1)

    def not_ok(self) -> int:
        return sum(1 for r in self.requests if r[3] != 200)

    def statuses_not_ok(self) -> dict[str, int]:
        """How many answers were not 200, by status (or "timeout", "error")."""
        found: dict[str, int] = {}
        for r in self.requests:
            if r[3] != 200:
                found[str(r[3])] = found.get(str(r[3]), 0) + 1
        return found

    def cpu_share(self) -> float:
        return round(self.cpu_s / (self.wall_s * (os.cpu_count() or 1)), 3)


def run_load(url: str, requests: Path, settings: Settings) -> Load:
    """bench/load.py against `url`, in its own process; back once every request is answered or timed out."""
    out = requests.with_suffix(".results.json")
    subprocess.run(
        [
            sys.executable,
            str(HERE / "load.py"),
            "--url",
            url,
            "--requests",
            str(requests),
            "--connections",
            str(settings.connections),
            "--timeout",
            str(settings.timeout),
            "--out",
            str(out),
        ],
        check=True,
    )
    data = json.loads(out.read_text())
    return Load(
        anchor=data["anchor"],
        cpu_s=data["cpu_s"],
        wall_s=data["wall_s"],
        timeouts=data["timeouts"],
        errors=data["errors"],
        unsent=data["unsent"],
        requests=[tuple(r) for r in data["requests"]],  # type: ignore[misc]
    )


@dataclass
class Watcher:
    """Subscribed to the sandbox: when the last confirmation arrived (monotonic), for quiescence."""

    last_confirmation: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, call: Call) -> None:
        if call.method in CONFIRMATIONS:
            with self.lock:
                self.last_confirmation = time.monotonic()


def unsent_rows(engine: Any) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
            ).scalar_one()
        )


def settle(engine: Any, watcher: Watcher, since: float, settings: Settings) -> tuple[float, int]:
    """Wait until no confirmation has come for `quiet` seconds and the outbox is empty, or `cap`;
    the seconds waited after `since` (the burst's last answer) and the rows still unsent."""
    while True:
        now = time.monotonic()
        unsent = unsent_rows(engine)
        with watcher.lock:
            quiet_since = max(watcher.last_confirmation, since)
        if (unsent == 0 and now - quiet_since >= settings.quiet) or now - since >= settings.cap:
            return round(now - since, 1), unsent
        time.sleep(0.25)


def recorded(engine: Any, poll_ids: list[str]) -> tuple[int, float | None]:
    """Rows recorded for the polls, and the seconds from the first vote's timestamp to the last one's."""
    marks = ", ".join(f"'{p}'" for p in poll_ids)
    with engine.connect() as conn:
        count, first, last = conn.execute(
            text(
                f"SELECT count(*), min(updated_at), max(updated_at) FROM response WHERE poll_id IN ({marks})"
            )
        ).one()
    if first is None or last is None:
        return int(count), None
    return int(count), _seconds(last) - _seconds(first)


def _seconds(value: object) -> float:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.timestamp()


def per_second(count: int, seconds: float | None) -> float | None:
    return round(count / seconds, 1) if seconds else None


# ------------------------------------------------------------ what reached the sandbox


def confirmations(load: Load, ephemerals: list[Any], calls: list[Call], latency: float) -> Figures:
    """Each click's confirmation: the voter's k-th confirmation answers their k-th click; a click with
    none counts as never confirmed (an infinite latency, so p99 is None if more than 1% are missing)."""
    sent: dict[str, list[float]] = {}
    for tag, at, _, _ in load.requests:
        sent.setdefault(tag, []).append(at + load.anchor)
    seen: dict[str, list[float]] = {}
    for e in ephemerals:
        if e.user in sent:
            seen.setdefault(e.user, []).append(e.at.timestamp())
    latencies: list[float] = []
    for user, times in sent.items():
        got = sorted(seen.get(user, []))
        latencies += [(got[k] - t) if k < len(got) else math.inf for k, t in enumerate(sorted(times))]
    arrived = sorted(t for times in seen.values() for t in times)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    return {
        "confirmations_sent": len(arrived),
        "voters_confirmed": len(seen),
        "duplicates": sum(max(0, len(seen.get(u, [])) - len(t)) for u, t in sent.items()),
        "unconfirmed": sum(1 for v in latencies if math.isinf(v)),
        "confirm_p50_s": None if p50 is None else round(p50, 2),
        "confirm_p99_s": None if p99 is None else round(p99, 2),
        "last_confirmation_after_last_vote_s": round(
            arrived[-1] - (max(load.requests, key=lambda r: r[1])[1] + load.anchor), 2
        )
        if arrived
        else None,
        "confirmations_per_s": round(len(arrived) / (arrived[-1] - arrived[0]), 1)
        if len(arrived) > 1
        else None,
        **in_flight([c for c in calls if c.method in CONFIRMATIONS], latency),
    }


def in_flight(calls: list[Call], latency: float) -> Figures:
    """How many confirmations were in the sandbox's hands at once: each call is taken to have
    arrived `latency` before it was recorded (the sandbox waits, then handles)."""
    if not calls or latency <= 0:
        return {"confirmations_in_flight_max": None, "confirmations_in_flight_mean": None}
    edges = sorted([(c.at.timestamp() - latency, 1) for c in calls] + [(c.at.timestamp(), -1) for c in calls])
    level = peak = 0
    busy = weighted = 0.0
    for (at, step), (following, _) in zip(edges, edges[1:] + [(edges[-1][0], 0)], strict=True):
        level += step
        peak = max(peak, level)
        if level > 0:
            busy += following - at
            weighted += level * (following - at)
    return {
        "confirmations_in_flight_max": peak,
        "confirmations_in_flight_mean": round(weighted / busy, 1) if busy else None,
    }


def shortest_gap(times: list[float]) -> float | None:
    """The shortest time between two of `times` (None for fewer than two)."""
    ordered = sorted(times)
    return (
        round(min(b - a for a, b in zip(ordered, ordered[1:], strict=False)), 2) if len(ordered) > 1 else None
    )


def refreshes(
    calls: list[Call], launched: dict[str, tuple[str, str]], first_vote: dict[str, float]
) -> Figures:
    """Per poll, chat.update calls that refreshed its message, the shortest gap between two of them
    (as the sandbox handled them: a refresh interval of 2 s means 2 s or more), and the longest wait
    between refreshes from its first vote until its final refresh."""
    per_poll: dict[str, Figures] = {}
    for poll, (channel, ts) in launched.items():
        times = sorted(
            c.at.timestamp()
            for c in calls
            if c.method == "chat.update"
            and c.status == 200
            and c.response.get("ok")
            and c.params.get("channel") == channel
            and c.params.get("ts") == ts
        )
        marks = [first_vote[poll]] + [t for t in times if t >= first_vote[poll]]
        gaps = [b - a for a, b in zip(marks, marks[1:], strict=False)]
        per_poll[poll] = {
            "updates": len(times),
            "min_gap_s": shortest_gap(times),
            "max_gap_s": round(max(gaps), 2) if gaps else None,
            "last_after_first_vote_s": round(marks[-1] - marks[0], 2) if gaps else None,
        }
    gaps = [p["max_gap_s"] for p in per_poll.values()]
    shortest = [p["min_gap_s"] for p in per_poll.values() if p["min_gap_s"] is not None]
    updates = sorted(c.at.timestamp() for c in calls if c.method == "chat.update" and c.status == 200)
    return {
        "chat_update_calls": len(updates),
        # the most in any 60 s: Tier 3 allows about 50
        "chat_update_peak_per_min": max(
            (bisect.bisect_right(updates, t + 60) - i for i, t in enumerate(updates)), default=0
        ),
        "min_refresh_gap_s": min(shortest, default=None),
        "max_refresh_gap_s": None if None in gaps or not gaps else max(gaps),
        "http_429": sum(1 for c in calls if c.status == 429),
        "polls": per_poll,
    }


# ------------------------------------------------------------ one run


def convene_run(
    voters: int, poll_count: int, settings: Settings, folder: Path
) -> tuple[Figures, list[tuple[str, str]]]:
    """One burst through `convene serve`; its figures, and the clicks it sent (for the ceiling)."""
    live = polls(poll_count)
    with (
        SlackSandbox(latency=settings.latency, rate_limits=BENCH_LIMITS) as sandbox,
        fresh_database(settings.database, folder) as url_db,
    ):
        event_file = write_event(folder, live, voters)
        seed(sandbox, live, voters)
        argv, env, port = serve_command(event_file, sandbox, url_db, folder, workers=settings.workers)
        with serving(argv, env, folder / "serve.log", port) as server:
            launched = launch(server.base, sandbox, live)
            bodies = clicks(sandbox, live, launched, voters)
            requests = write_requests(folder / "convene.tsv", bodies)
            engine = create_engine(normalise_url(url_db))
            watcher = Watcher()
            sandbox.reset_calls()
            ephemerals_before = len(sandbox.ephemerals)
            sandbox.subscribe(watcher)
            load_before = load_average()
            bench_cpu = cpu_seconds(resource.RUSAGE_SELF)
            load = run_load(f"{server.base}/slack/events", requests, settings)
            bench_cpu = cpu_seconds(resource.RUSAGE_SELF) - bench_cpu
            waited, unsent = settle(engine, watcher, load.last_answered, settings)
            sandbox.unsubscribe(watcher)
            calls = sandbox.calls
            count, span = recorded(engine, [p.id for p in live])
            engine.dispose()
            first_vote: dict[str, float] = {}
            for tag, at, _, _ in load.requests:
                poll = live[int(tag[2:]) % len(live)].id
                first_vote[poll] = min(first_vote.get(poll, math.inf), at + load.anchor)
            figures: Figures = {
                "voters": voters,
                "polls": poll_count,
                "database": "postgresql" if settings.database else "sqlite",
                "workers": settings.workers,
                "latency_s": settings.latency,
                "load_average": load_before,
                "ready_s": server.ready_s,
                "requests": len(load.requests),
                "timeouts": load.timeouts,
                "errors": load.errors + load.unsent,
                "not_200": load.not_ok(),
                "not_200_statuses": load.statuses_not_ok(),
                "recorded": count,
                "burst_s": round(load.burst_s, 2),
                "votes_per_s": per_second(count, load.burst_s),
                "votes_per_s_span": per_second(count - 1, span),
                "ack_p50_ms": load.ack_ms(50),
                "ack_p95_ms": load.ack_ms(95),
                "ack_p99_ms": load.ack_ms(99),
                **confirmations(load, sandbox.ephemerals[ephemerals_before:], calls, settings.latency),
                **refreshes(calls, launched, first_vote),
                "waited_s": waited,
                "outbox_unsent": unsent,
                "peak_rss_mb": server.peak_rss_mb(),
                "load_generator_cpu_share": load.cpu_share(),
                "bench_process_cpu_share": round(bench_cpu / (load.wall_s * (os.cpu_count() or 1)), 3),
            }
    return figures, bodies


def describe(r: Figures) -> str:
    """One run's Convene figures, in a few lines."""
    p99 = "not reached" if r["confirm_p99_s"] is None else f"{r['confirm_p99_s']} s"
    return (
        f"    Convene: {r['votes_per_s']} votes/s (recorded / burst wall time; {r['votes_per_s_span']} "
        f"first to last vote timestamp), recorded {r['recorded']}/{r['voters']}, burst {r['burst_s']} s\n"
        f"    ack p50 {r['ack_p50_ms']} ms, p95 {r['ack_p95_ms']} ms, p99 {r['ack_p99_ms']} ms over "
        f"{r['requests']} requests ({r['timeouts']} timeouts, {r['errors']} errors, {r['not_200']} not 200: "
        f"{r['not_200_statuses']})\n"
        f"    click to confirmation p50 {r['confirm_p50_s']} s, p99 {p99}; {r['confirmations_sent']} sent to "
        f"{r['voters_confirmed']} voters, {r['duplicates']} duplicates, {r['unconfirmed']} unconfirmed; "
        f"last {r['last_confirmation_after_last_vote_s']} s after the last vote, "
        f"{r['confirmations_per_s']}/s, in flight at once max {r['confirmations_in_flight_max']} "
        f"mean {r['confirmations_in_flight_mean']}\n"
        f"    chat.update {r['chat_update_calls']}, refresh gaps shortest {r['min_refresh_gap_s']} s, "
        f"longest {r['max_refresh_gap_s']} s, "
        f"at most {r['chat_update_peak_per_min']} in a minute, 429s {r['http_429']}; "
        f"outbox unsent {r['outbox_unsent']} after waiting {r['waited_s']} s\n"
        f"    peak {r['peak_rss_mb']} MB, ready {r['ready_s']} s, load generator CPU "
        f"{r['load_generator_cpu_share']:.0%}, this process (sandbox) {r['bench_process_cpu_share']:.0%}, "
        f"load average before {r['load_average']}"
    )


def add_common_options(parser: Any, *, voters: str) -> None:
    """The options both benchmarks take; `voters` is the help of --voters."""
    parser.add_argument("--voters", type=int, action="append", help=voters)
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per voter count; the median is printed too (default 3)"
    )
    parser.add_argument("--workers", type=int, default=2, help="convene serve --workers (default 2)")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.1,
        help="seconds the sandbox waits before answering each call, a round trip to Slack (default 0.1)",
    )
    parser.add_argument(
        "--database",
        help="a PostgreSQL server's URL, e.g. postgresql://postgres@127.0.0.1:5432/test: each run makes a "
        "new database there and drops it after (default: a fresh SQLite file per run)",
    )
    parser.add_argument("--connections", type=int, default=32, help="load generator connections (default 32)")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds before a vote counts as timed out (default 60)"
    )
    parser.add_argument(
        "--quiet",
        type=float,
        default=5.0,
        help="after the burst, stop waiting once no confirmation has come for this long and the outbox "
        "is empty (default 5)",
    )
    parser.add_argument(
        "--cap", type=float, default=180.0, help="wait at most this long after the burst (default 180)"
    )
    parser.add_argument("--json", type=Path, help="also write every run and the medians here")


def summary(median: Figures, names: dict[str, str]) -> str:
    """The medians named, as "label value" pairs; a figure missing from some run reads "n/a"."""
    return ", ".join(
        f"{label} {median[key]:g}" if key in median else f"{label} n/a" for key, label in names.items()
    )


def header(title: str, settings: Settings, extra: str = "") -> None:
    """The report's first lines: what runs, on which machine, under what load, with which settings."""
    where = "PostgreSQL" if settings.database else "SQLite"
    print(f"{title}  [{machine()}]  load average {load_average()}")
    print(
        f"  {where}, {settings.workers} workers, sandbox latency {settings.latency} s, "
        f"{settings.connections} connections{extra}",
        flush=True,
    )


def write_report(path: Path | None, settings: Settings, report: list[Figures]) -> None:
    """Every run and the medians as JSON, when --json names a file."""
    if path:
        path.write_text(
            json.dumps({"machine": machine(), "settings": vars(settings), "results": report}, indent=2)
        )


def settings_from(args: Any) -> Settings:
    return Settings(
        workers=args.workers,
        latency=args.latency,
        database=args.database,
        connections=args.connections,
        timeout=args.timeout,
        quiet=args.quiet,
        cap=args.cap,
    )
