"""`convene rehearse`: the whole event, played fast against the local sandbox.

The real app serves its HTTP endpoint on loopback (the same Starlette app as
`convene serve`); simulated participants send it signed Slack requests; the
real scheduler runs every planned job at its instant on a clock that jumps
from one moment of interest to the next; the real outbox delivers through a
sandbox that enforces Slack-like rate limits. What happened is written to a
folder: a timeline, the summaries organizers got, word clouds, the report,
and a list of findings worth fixing before the day.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit.sandbox import SlackSandbox
from bot.devkit.shell_clock import shell_start
from bot.devkit.simulate import find_element, http_transport
from bot.devkit.workspace import Workspace
from bot.event import Event, PollKind, SessionKind, dm_times, load_event, plan
from storage.models import JobRun, Outbox, Poll

OPEN_ANSWERS = [
    "Learning how other districts build trust between labor and management",
    "Time with our whole team to plan next steps",
    "Hearing what is possible when the union and the district work together",
    "Practical tools for collaboration on LCAP and budget decisions",
    "Building relationships with teachers and classified staff leaders",
    "Ideas for student achievement through shared decision making",
    "Meeting colleagues from other districts who have done this",
    "Understanding peer assistance and review",
]
HEADLINES = [
    "Partners lift graduation to 95 percent",
    "District and unions co-design the budget, students win",
    "Teachers and board build a culture of trust",
    "Classified staff join every school site team",
    "Shared decisions, better schools: a decade of partnership",
    "From conflict to collaboration: our district's new normal",
]


@dataclass
class Finding:
    """Something to look at before the day."""

    kind: str
    detail: str


@dataclass
class Result:
    """What a rehearsal produced."""

    out: Path
    findings: list[Finding]
    messages: int
    requests: int
    seconds: float
    files: list[Path] = field(default_factory=list)


class LocalServer:
    """The app's ASGI endpoint on a free loopback port, in a background thread (uvicorn)."""

    def __init__(self, asgi: Any) -> None:
        config = uvicorn.Config(
            asgi, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the rehearsal server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def generated_event(event: Event, folder: Path, participants: int) -> Event:
    """A copy of the event whose district roster is `participants` generated people (staff kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    roles = ["superintendent", "board_member", "teachers_union_president", "classified_union_president"]
    roles = [r for r in roles if r in event.roles] or [r for r in event.roles if r != "other"] or ["other"]
    teams = list(event.teams)
    rows = [["id", "name", "email", "slack_id", "team", "role"]]
    staff = [p for p in event.people.values() if not p.team]
    rows += [[p.id, p.name, p.email or "", p.slack_id or "", "", p.role] for p in staff]
    for i in range(participants):
        team = teams[i % len(teams)] if teams else ""
        rows.append(
            [
                f"p{i:05d}",
                f"Participant {i + 1}",
                f"p{i:05d}@rehearsal.example.org",
                "",
                team,
                roles[(i // max(1, len(teams))) % len(roles)],
            ]
        )
    with (folder / "roster.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    text = event.path.read_text()
    import re

    text = re.sub(r"(?m)^roster:.*$", "roster: roster.csv", text)
    (folder / "event.yaml").write_text(text)
    for extra in (event.wordcloud.font,):
        if extra:
            shutil.copy(event.path.parent / extra, folder / extra)
    # Generated people fill the teams evenly, however many the event's team_size allows.
    return load_event(folder / "event.yaml", check_team_size=False)


class Rehearsal:
    """Plays an event; `run()` writes the results to `out`."""

    def __init__(
        self,
        event: Event,
        out: Path,
        *,
        database: str | None = None,
        seed: int = 2015,
        speed: float | None = None,
        answer_rate: float = 0.8,
    ) -> None:
        self.event = event
        self.out = out
        self.database = database
        self.random = random.Random(seed)
        self.speed = speed
        self.answer_rate = answer_rate
        self.actions: list[tuple[datetime, int, str, Callable[[], None]]] = []
        self.requests = 0
        self._order = 0

    # ------------------------------------------------------------ planning participant behaviour

    def at(self, when: datetime, what: str, action: Callable[[], None]) -> None:
        self._order += 1
        self.actions.append((when, self._order, what, action))

    def _plan_actions(self, ws: Workspace) -> None:
        event = self.event
        staff = event.facilitators or event.organizers
        for spec in event.agenda():
            polls = [p for p in event.polls.values() if p.session == spec.id]
            start, end = event.session_start(spec), event.session_end(spec)
            launcher = next((f for f in spec.facilitators if event.person(f)), None) or (
                staff[0] if staff else None
            )
            channel = spec.channel or event.channels.get("announcements")
            if not polls or launcher is None or channel is None:
                continue
            audience = self._audience(spec)
            for n, poll in enumerate(polls):
                opened = start + timedelta(minutes=1 + 5 * n)
                self.at(
                    opened,
                    f"launch {poll.id}",
                    self._command(ws, launcher, f"/poll launch {poll.id}", channel),
                )
                window = max(60.0, (end - opened).total_seconds() / 3)
                for person in audience:
                    if self.random.random() < self.answer_rate:
                        delay = min(window, self.random.expovariate(1 / 90))
                        self.at(
                            opened + timedelta(seconds=30 + delay),
                            f"answer {poll.id}",
                            self._answer(ws, person, poll.id),
                        )
                self.at(
                    end - timedelta(minutes=2),
                    f"close {poll.id}",
                    self._command(ws, launcher, f"/poll close {poll.id}", channel),
                )
        for poll in event.polls.values():
            times = dm_times(event, poll)
            if times is None:
                continue
            opens, _nudges, closes = times
            span = ((closes or opens + timedelta(hours=4)) - opens).total_seconds()
            for person in (p.id for p in event.audience(poll)):
                if self.random.random() < self.answer_rate * 0.85:
                    when = opens + timedelta(seconds=60 + self.random.random() * span * 0.6)
                    self.at(when, f"answer {poll.id} by DM", self._answer(ws, person, poll.id, by_dm=True))
        if event.headlines is not None:
            spec = event.sessions[event.headlines.session]
            start, end = event.session_start(spec), event.session_end(spec)
            for n, team in enumerate(event.teams.values()):
                members = [p.id for p in event.people.values() if team.id in p.teams]
                if members and self.random.random() < 0.9:
                    when = start + timedelta(
                        seconds=self.random.random() * (end - start).total_seconds() * 0.8
                    )
                    text = f"{HEADLINES[n % len(HEADLINES)]} in {team.name}"[:150]
                    self.at(
                        when,
                        f"headline from {team.id}",
                        self._headline(ws, self.random.choice(members), text),
                    )
        closing = next((s for s in event.agenda() if s.kind == SessionKind.CLOSING), None)
        if closing is not None and event.organizers:
            self.at(
                event.session_start(closing) + timedelta(minutes=20),
                "summary now",
                self._command(
                    ws,
                    event.organizers[0],
                    "/summary now",
                    closing.channel or event.channels.get("announcements") or "",
                ),
            )

    def _audience(self, spec: Any) -> list[str]:
        """Who answers a session's polls: its audience (participants, not staff, but at a role-alike)."""
        people = [p for p in self.event.audience(spec) if p.team or spec.kind == SessionKind.ROLE_ALIKE]
        members = [p.id for p in people]
        return members[: max(1, len(members) // 6)] if spec.kind == SessionKind.BREAKOUT else members

    # ------------------------------------------------------------ what a participant does

    def _command(self, ws: Workspace, person: str, line: str, channel: str) -> Callable[[], None]:
        def act() -> None:
            self.requests += 1
            ws.driver.command(ws.user(person), line, channel=channel)

        return act

    def _answer(self, ws: Workspace, person: str, poll_id: str, *, by_dm: bool = False) -> Callable[[], None]:
        def act() -> None:
            user = ws.user(person)
            with Session(ws.engine) as session:
                poll = session.get(Poll, poll_id)
            if poll is None or poll.status != "open":
                return
            channel: str
            if by_dm:
                dm = ws.sandbox.dms.get(user)
                cards = [m for m in ws.sandbox.messages(dm) if poll_id in json.dumps(m.blocks)] if dm else []
                if not dm or not cards:
                    return
                channel, ts = dm, cards[0].ts
            else:
                if not poll.message_ts or not poll.channel_id:
                    return
                channel, ts = poll.channel_id, poll.message_ts
            message = ws.sandbox.message(channel, ts)
            if poll.kind in (PollKind.SINGLE, PollKind.RATING):
                options = 5 if poll.kind == PollKind.RATING else len(poll.options)
                weights = [1, 1, 2, 4, 3] if poll.kind == PollKind.RATING else [1] * options
                choice = self.random.choices(range(options), weights=weights[:options])[0]
                if find_element(message.blocks or [], f"poll_vote_{choice}")[1] is None:
                    return
                self.requests += 1
                ws.driver.click(user, channel=channel, message_ts=ts, action_id=f"poll_vote_{choice}")
                return
            action = "poll_choose" if poll.kind == PollKind.MULTIPLE else "poll_answer"
            self.requests += 1
            ws.driver.click(user, channel=channel, message_ts=ts, action_id=action)
            views = ws.sandbox.open_views(user)
            if not views:
                return
            view = views[-1]
            self.requests += 1
            ws.driver.submit(user, view.id, self._form_values(poll, view.view))

        return act

    def _form_values(self, poll: Poll, view: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            kind, block_id, action_id = element["type"], block["block_id"], element["action_id"]
            if kind == "plain_text_input":
                values[block_id] = {action_id: {"type": kind, "value": self.random.choice(OPEN_ANSWERS)}}
            elif kind == "checkboxes":
                options = element.get("options", [])
                picked = self.random.sample(options, k=min(len(options), self.random.randint(1, 3)))
                values[block_id] = {action_id: {"type": kind, "selected_options": picked}}
            elif kind in ("radio_buttons", "static_select"):
                options = element.get("options", [])
                weights = [1, 1, 2, 5, 4][: len(options)] if len(options) == 5 else [1] * len(options)
                values[block_id] = {
                    action_id: {
                        "type": kind,
                        "selected_option": self.random.choices(options, weights=weights)[0],
                    }
                }
        return values

    def _headline(self, ws: Workspace, person: str, text: str) -> Callable[[], None]:
        def act() -> None:
            user = ws.user(person)
            self.requests += 2
            ws.driver.command(user, "/headline", channel=self.event.channels.get("announcements", "general"))
            views = ws.sandbox.open_views(user)
            if views:
                ws.driver.submit(
                    user,
                    views[-1].id,
                    {
                        "headline": {"value": {"type": "plain_text_input", "value": text}},
                        "explanation": {"value": {"type": "plain_text_input", "value": None}},
                    },
                )

        return act

    # ------------------------------------------------------------ running

    def run(self, progress: Callable[[float, str], None] = lambda _f, _s: None) -> Result:
        """Play the event; `progress(fraction, what)` is called as the clock moves."""
        started = time.monotonic()
        self.out.mkdir(parents=True, exist_ok=True)
        clock = ManualClock(shell_start(self.event))
        files = self.out / "files"
        ws = Workspace(
            self.event,
            clock=clock,
            database=self.database,
            rate_limits=SlackSandbox.SLACK_LIKE_LIMITS,
            files_dir=files,
        )
        try:
            from handlers.web import build_asgi

            asgi = build_asgi(ws.app, ws.signing_secret, displays=ws.services.displays)
            with LocalServer(asgi) as url:
                ws.driver.transport = http_transport(f"{url}/slack/events")
                self._plan_actions(ws)
                self._play(ws, clock, progress)
            return self._write(ws, time.monotonic() - started)
        finally:
            ws.close()

    def _play(self, ws: Workspace, clock: ManualClock, progress: Callable[[float, str], None]) -> None:
        scheduler = ws.services.scheduler
        assert scheduler is not None
        jobs_end = max((j.at for j in plan(self.event)), default=clock.now())
        actions = sorted(self.actions)
        end = max([jobs_end, *(a[0] for a in actions)]) + timedelta(minutes=5)
        begin = clock.now()
        total = (end - begin).total_seconds() or 1.0
        wall_start = time.monotonic()
        index = 0
        while True:
            pending = scheduler.pending()
            next_job = pending[0][0] if pending else None
            next_action = actions[index][0] if index < len(actions) else None
            candidates = [t for t in (next_job, next_action) if t is not None]
            if not candidates:
                break
            moment = max(min(candidates), clock.now())
            self._pace(moment, begin, wall_start)
            self._settle(ws, clock, until=moment)
            scheduler.run_due(moment)
            while index < len(actions) and actions[index][0] <= moment:
                _when, _n, what, act = actions[index]
                act()
                index += 1
                progress((moment - begin).total_seconds() / total, what)
            ws.deliver()
        self._settle(ws, clock, until=end)
        progress(1.0, "done")

    def _settle(self, ws: Workspace, clock: ManualClock, *, until: datetime) -> None:
        """Let the outbox drain, moving the clock a second at a time while rate limits hold rows back."""
        ws.deliver()
        steps = 0
        while clock.now() < until and steps < 600:
            due = ws.services.dispatcher.next_due()
            if due is None:
                break
            clock.set(min(until, max(due, clock.now() + timedelta(seconds=1))))
            ws.deliver()
            steps += 1
        if clock.now() < until:
            clock.set(until)

    def _pace(self, moment: datetime, begin: datetime, wall_start: float) -> None:
        if not self.speed:
            return
        due = (moment - begin).total_seconds() / self.speed
        wait = due - (time.monotonic() - wall_start)
        if wait > 0:
            time.sleep(min(wait, 5.0))

    # ------------------------------------------------------------ results

    def _write(self, ws: Workspace, seconds: float) -> Result:
        event, out = self.event, self.out
        tz = event.tz
        timeline = []
        too_big = []
        rate_limited = 0
        for call in ws.sandbox.calls:
            if call.status == 429:
                rate_limited += 1
            error = (call.response or {}).get("error")
            if error in ("invalid_blocks", "msg_too_long", "invalid_arguments"):
                too_big.append(f"{call.method} refused: {error}")
            if call.method not in ("chat.postMessage", "files.completeUploadExternal") or not (
                call.response or {}
            ).get("ok"):
                continue
            channel = (
                call.response.get("channel")
                or call.params.get("channel_id")
                or call.params.get("channel", "")
            )
            where = self._where(ws, str(channel))
            text = str(call.params.get("text") or call.params.get("initial_comment") or "file")
            timeline.append(
                {
                    "at": call.at.astimezone(tz).isoformat(timespec="minutes"),
                    "where": where,
                    "what": " ".join(text.split())[:140],
                }
            )
        (out / "timeline.json").write_text(json.dumps(timeline, indent=1, ensure_ascii=False))
        lines = [
            "# Timeline",
            "",
            f"{len(timeline)} messages sent ({event.info.timezone}).",
            "",
            "| When | Where | What |",
            "|---|---|---|",
        ]
        lines += [
            f"| {t['at'][:16].replace('T', ' ')} | {t['where']} | {t['what'].replace('|', '/')} |"
            for t in timeline
        ]
        (out / "timeline.md").write_text("\n".join(lines) + "\n")
        summaries = []
        for person in event.organizers[:1]:
            dm = ws.sandbox.dms.get(ws.user(person))
            for message in ws.sandbox.messages(dm) if dm else []:
                if message.text.startswith(("Summary:", "Daily digest")):
                    body = "\n\n".join(
                        b["text"]["text"] for b in message.blocks or [] if b.get("type") == "section"
                    )
                    summaries.append(f"## {message.text}\n\n{body}\n")
        (out / "summaries.md").write_text("# Summaries sent to organizers\n\n" + "\n".join(summaries))
        ws.services.report.write(out / "report")
        findings = self._findings(ws, too_big, rate_limited)
        (out / "findings.json").write_text(json.dumps([f.__dict__ for f in findings], indent=1))
        text = (
            "\n".join(f"- **{f.kind}**: {f.detail}" for f in findings)
            or "No findings: the rehearsal went clean."
        )
        (out / "findings.md").write_text(f"# Findings\n\n{text}\n")
        clouds = sorted((out / "files").glob("wordcloud-*.png")) if (out / "files").exists() else []
        return Result(
            out=out,
            findings=findings,
            messages=len(timeline),
            requests=self.requests,
            seconds=seconds,
            files=clouds,
        )

    def _where(self, ws: Workspace, channel: str) -> str:
        for user, dm in ws.sandbox.dms.items():
            if dm == channel:
                return "DM to " + ws.services.directory.display(user)
        info = ws.sandbox.channels.get(channel)
        return f"#{info['name']}" if info else channel

    def _findings(self, ws: Workspace, too_big: list[str], rate_limited: int) -> list[Finding]:
        event = self.event
        found = [
            Finding(
                "session with no channel",
                f"{s.title} ({s.id}) names no channel; its reminders go only to announcements",
            )
            for s in event.agenda()
            if not s.channel and s.kind != SessionKind.MEAL
        ]
        with Session(ws.engine) as session:
            for run in session.exec(select(JobRun).where(JobRun.status != "sent")).all():
                found.append(
                    Finding(f"scheduled send {run.status}", f"{run.job_id}: {run.detail or ''}".strip())
                )
            for row in session.exec(select(Outbox).where(Outbox.status == "failed")).all():
                found.append(
                    Finding(
                        "not delivered",
                        f"{row.payload.get('describe') or row.kind} → "
                        f"{self._where(ws, row.channel or '')}: {row.last_error}",
                    )
                )
            for poll in session.exec(select(Poll).where(Poll.status == "draft")).all():
                found.append(Finding("poll never launched", f"{poll.id}: {poll.question}"))
        found += [Finding("over Slack's limits", detail) for detail in sorted(set(too_big))]
        missing = ws.services.directory.missing_channels
        found += [Finding("channel not found", f"#{name}") for name in missing]
        unreachable = [p.name for p in event.people.values() if not ws.services.directory.slack_id(p.id)]
        if unreachable:
            found.append(Finding("people not found in Slack", ", ".join(unreachable[:20])))
        if rate_limited:
            found.append(Finding("rate limited", f"Slack answered 429 {rate_limited} times (all retried)"))
        return found


def rehearse_event(
    path: Path,
    out: Path,
    *,
    participants: int | None = None,
    speed: float | None = None,
    database: str | None = None,
    progress: Callable[[float, str], None] = lambda _f, _s: None,
) -> Result:
    """Load the event (or a copy with N generated participants) and rehearse it into `out`."""
    event = load_event(path)
    if participants is not None:
        event = generated_event(event, out / "generated-event", participants)
    return Rehearsal(event, out, database=database, speed=speed).run(progress)
