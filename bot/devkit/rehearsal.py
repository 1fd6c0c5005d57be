"""`convene rehearse`: the whole event, played fast against the local sandbox.

Simulated participants send signed Slack requests to the app's endpoint (the
code behind `convene serve`'s /slack/events: signature checks, the Bolt app,
the services), handed to it in this process; the real scheduler runs every
planned job at its instant on a clock that jumps from one moment of interest
to the next; the real outbox delivers through slack_sdk to a sandbox that
enforces Slack-like rate limits, also in this process (`bot.devkit.inprocess`):
no socket is opened, and no code above the transport is skipped. What happened is written to a
folder: a timeline, the summaries organizers got, word clouds, the report,
and a list of findings worth fixing before the day.
"""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from sqlmodel import Session, col, func, select

from bot.agenda import concerned
from bot.agenda.materials import KEY as MATERIALS_KEY
from bot.core import ManualClock, formatting, utc
from bot.delivery import plain_error
from bot.devkit.findings import (
    Finding,
    TeamPollOutcome,
    coverage_activity,
    coverage_findings,
    sent,
    team_poll_findings,
    team_poll_outcomes,
)
from bot.devkit.sandbox import SlackSandbox
from bot.devkit.shell_clock import shell_start
from bot.devkit.simulate import find_element
from bot.devkit.synthetic import audience_question, breakout_choices, chance, headline_text, open_answer
from bot.devkit.workspace import Workspace
from bot.event import (
    Event,
    PollKind,
    PollScope,
    PollSpec,
    SessionKind,
    SessionSpec,
    dm_times,
    load_event,
    plan,
    qa_times,
)
from bot.event.yaml_lines import YamlSource
from bot.polls import nudge_key, team_key
from bot.slack import mrkdwn
from storage.models import BreakoutChoice, Headline, JobRun, Outbox, Poll, Qa, Question, Response, Upvote

# Of a Q&A session's people: who asks a question, how many of those ask anonymously (where the
# Q&A allows it), who upvotes (one to three questions); of the questions waiting for a
# moderator, how many are dismissed.
ASK_RATE = 0.08
ANONYMOUS_RATE = 0.4
UPVOTE_RATE = 0.5
DISMISS_RATE = 0.15
WRITING = 0.95  # of the progress bar: playing the event; the rest is writing what happened
QUESTION_STATUS = {
    "open": "shown",
    "answered": "answered",
    "pending": "left waiting for a moderator",
    "dismissed": "dismissed",
}
# Of the teams answering a team poll: how many answer only once the facilitator's nudge reaches
# them, and in how many a teammate later changes the team's answer.
LATE_TEAM = 0.2
CHANGED_ANSWER = 0.15
# How many participants look something up with /agenda on each day of the event.
LOOKUPS_PER_DAY = 12
LOOKUP_KINDS = {"me": "/agenda me", "session": "a session", "time": "a time"}
# The material added to a session once it has ended, as the model event posted its slides.
SLIDES = "Slides, posted after the session"
# The button that opens a poll's form, by kind (any other kind: "poll_answer").
FORM_BUTTONS = {PollKind.MULTIPLE: "poll_choose", PollKind.RANKING: "poll_rank"}
# How a participant answers one poll on its message: (workspace, user, poll, channel, ts, rnd).
Answerer = Callable[["Workspace", str, Poll, str, str, random.Random], None]


@dataclass
class Lookup:
    """One /agenda a participant typed, and whether the bot answered it."""

    kind: str  # a key of LOOKUP_KINDS
    person: str
    text: str
    at: datetime
    answer: str = ""
    answered: bool | None = None  # None: never typed (the rehearsal did not reach it)


@dataclass
class Result:
    """What a rehearsal produced."""

    out: Path
    findings: list[Finding]
    messages: int
    requests: int
    seconds: float
    files: list[Path] = field(default_factory=list)
    activity: list[str] = field(default_factory=list)  # what the simulated people did, in words


def shown_questions(message: Any) -> list[tuple[str, str, str]]:
    """(Upvote button's action id, question id, its line) of each question a Q&A's live
    message shows with an Upvote button, top first."""
    return [
        (b["accessory"]["action_id"], b["accessory"]["value"], b["text"]["text"])
        for b in message.blocks or []
        if str((b.get("accessory") or {}).get("action_id", "")).startswith("qa_upvote_")
    ]


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
    data = event_data(event.path)
    data["roster"] = "roster.csv"
    # Generated people fill the teams evenly, however many the event's team_size allows
    # (and the file must still check when `/event reload` reads it again).
    data.pop("team_size", None)
    copied = _copy_beside(event, folder, {("wordcloud", "font"): event.wordcloud.font})
    _set(data, copied)
    write_event(data, folder / "event.yaml")
    return load_event(folder / "event.yaml", check_team_size=False)


def event_data(path: Path) -> dict[str, Any]:
    """The event file's YAML as plain data (the file has been checked: it is a mapping)."""
    data = YamlSource.parse(path, path.read_text()).data
    assert isinstance(data, dict)
    return data


def write_event(data: dict[str, Any], path: Path) -> None:
    """Write event data as YAML that loads as the same event (comments are not kept)."""
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000))


def event_copy(event: Event, folder: Path) -> Path:
    """A copy of the event file in `folder`, with the files it names (its roster, its word-cloud
    font) at the same places relative to it, so the copy loads as the same event. A file named
    outside the event's folder is copied beside the copy, which then names it there."""
    folder.mkdir(parents=True, exist_ok=True)
    data = event_data(event.path)
    named = {("roster",): data.get("roster"), ("wordcloud", "font"): event.wordcloud.font}
    copied = _copy_beside(event, folder, named)
    copy = folder / event.path.name
    if all(copied[loc] == ref for loc, ref in named.items() if ref):
        shutil.copy(event.path, copy)  # byte for byte: problems keep their lines
    else:
        _set(data, copied)
        write_event(data, copy)
    return copy


def _copy_beside(event: Event, folder: Path, named: dict[tuple[str, ...], Any]) -> dict[tuple[str, ...], str]:
    """Copy each file the event names (where in the file -> its path, relative to the event
    file) into `folder` at the same relative place, or beside the copy when that place is
    outside `folder`; where each went, relative to `folder`."""
    where: dict[tuple[str, ...], str] = {}
    for loc, ref in named.items():
        if not isinstance(ref, str) or not ref:
            continue
        target = folder / ref
        if Path(ref).is_absolute() or not target.resolve().is_relative_to(folder.resolve()):
            target = folder / Path(ref).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(event.path.parent / ref, target)
        where[loc] = target.relative_to(folder).as_posix()
    return where


def _set(data: dict[str, Any], values: dict[tuple[str, ...], str]) -> None:
    """Set each value at its place in the event data ("wordcloud", "font")."""
    for loc, value in values.items():
        *parents, last = loc
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value


def slides(spec: SessionSpec) -> dict[str, str]:
    """The material the rehearsal adds to a session once it has ended."""
    return {"title": SLIDES, "url": f"https://example.org/rehearsal/{spec.id}-slides.pdf"}


class Rehearsal:
    """Plays an event; `run()` writes the results to `out`.

    What simulated people do is planned up front (`planners`: one method per kind of action,
    each adding timed acts with `at`), and every choice they make is drawn from `chance`,
    seeded by the rehearsal's seed and what the choice is about, so one seed always plays the
    same event. How a person answers a poll depends on its kind: `answerers` has one entry per
    kind (a kind it lacks is answered in its form).
    """

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
        self.seed = seed
        self.speed = speed
        self.answer_rate = answer_rate
        self.actions: list[tuple[datetime, int, str, Callable[[], None]]] = []
        self.requests = 0
        self._order = 0
        self.asked: dict[str, set[str]] = {}  # person -> the questions they asked
        self.upvoted: dict[tuple[str, str], set[str]] = {}  # (person, Q&A) -> question ids upvoted
        self._attending: dict[str, list[str]] | None = None  # breakout -> who chooses it
        self.team_answerers: dict[tuple[str, str], str] = {}  # (team poll, team) -> who answers first
        self.lookups: list[Lookup] = []
        self.slides: SessionSpec | None = None  # the session slides are added to once it has ended
        self.reloaded: str | None = None  # the bot's answer to the organizer's /event reload
        self.planners: list[Callable[[Workspace], None]] = [
            self._plan_session_polls,
            self._plan_dm_polls,
            self._plan_breakouts,
            self._plan_qa,
            self._plan_headlines,
            self._plan_summary,
            self._plan_lookups,
            self._plan_materials,
        ]
        self.answerers: dict[str, Answerer] = {
            PollKind.SINGLE: self._vote_by_button,
            PollKind.RATING: self._vote_by_button,
            PollKind.MULTIPLE: self._answer_in_form,
            PollKind.OPEN_TEXT: self._answer_in_form,
            PollKind.SURVEY: self._answer_in_form,
            PollKind.RANKING: self._answer_in_form,
        }

    def chance(self, *about: object) -> random.Random:
        """The random generator for one decision (`about` names it: what, whose, which)."""
        return chance(self.seed, *about)

    # ------------------------------------------------------------ planning participant behaviour

    def at(self, when: datetime, what: str, action: Callable[[], None]) -> None:
        self._order += 1
        self.actions.append((when, self._order, what, action))

    def _plan_actions(self, ws: Workspace) -> None:
        for planner in self.planners:
            planner(ws)

    def _launcher(self, spec: SessionSpec) -> str | None:
        """Who runs a session's polls and Q&A: its first facilitator on the roster, else the
        event's first facilitator or organizer."""
        event = self.event
        staff = event.facilitators or event.organizers
        return next((f for f in spec.facilitators if event.person(f)), None) or (staff[0] if staff else None)

    def _plan_session_polls(self, ws: Workspace) -> None:
        """Facilitators launch each session's polls and close them; most of its people answer
        (a team poll: one member for each team, `_plan_team_poll`)."""
        event = self.event
        for spec in event.agenda():
            polls = [p for p in event.polls.values() if p.session == spec.id]
            start, end = event.session_start(spec), event.session_end(spec)
            launcher = self._launcher(spec)
            channel = spec.channel or event.channels.get("announcements")
            if not polls or launcher is None or channel is None:
                continue
            audience = self._audience(spec)
            for n, poll in enumerate(polls):
                opened = start + timedelta(minutes=1 + 5 * n)
                self.at(
                    opened,
                    f"launching poll {poll.id}",
                    self._command(ws, launcher, f"/poll launch {poll.id}", channel),
                )
                closes = end - timedelta(minutes=2)
                if poll.scope == PollScope.TEAM:
                    self._plan_team_poll(ws, poll, launcher, channel, audience, opened, closes)
                else:
                    window = max(60.0, (end - opened).total_seconds() / 3)
                    for person in audience:
                        rnd = self.chance("answers", poll.id, person)
                        if rnd.random() < self.answer_rate:
                            delay = min(window, rnd.expovariate(1 / 90))
                            self.at(
                                opened + timedelta(seconds=30 + delay),
                                f"answers to {poll.id}",
                                self._answer(ws, person, poll.id),
                            )
                self.at(
                    closes,
                    f"closing poll {poll.id}",
                    self._command(ws, launcher, f"/poll close {poll.id}", channel),
                )

    def _plan_team_poll(
        self,
        ws: Workspace,
        poll: PollSpec,
        launcher: str,
        channel: str,
        audience: list[str],
        opened: datetime,
        closes: datetime,
    ) -> None:
        """A team poll: one member answers for each team, most soon after the launch, some teams
        only once the facilitator's nudge has reached them; in some teams a teammate changes the
        answer later. A quarter of the way through, the facilitator lists the teams that have not
        answered (`/poll missing`) and nudges them (`/poll nudge`)."""
        span = (closes - opened).total_seconds()
        checked = opened + timedelta(seconds=span / 4)
        nudged = checked + timedelta(minutes=1)
        for verb, when in (("missing", checked), ("nudge", nudged)):
            self.at(
                when,
                f"/poll {verb} {poll.id}",
                self._command(ws, launcher, f"/poll {verb} {poll.id}", channel),
            )
        here = set(audience)
        teams = ws.services.polls.teams
        for team in teams.teams(poll):
            members = [p.id for p in teams.members(team, poll) if p.id in here]
            if not members:
                continue
            rnd = self.chance("team answer", poll.id, team.id)
            person, choice = rnd.choice(members), rnd.randrange(len(poll.options))
            self.team_answerers[(poll.id, team.id)] = person
            if rnd.random() < LATE_TEAM:
                when = nudged + timedelta(seconds=60 + rnd.random() * span / 4)
                act = self._team_vote(ws, person, poll.id, team.id, choice, wait_for="nudge")
            else:
                when = opened + timedelta(seconds=30 + rnd.random() * max(0.0, span / 4 - 60))
                act = self._team_vote(ws, person, poll.id, team.id, choice)
            self.at(when, f"{team.name} answers {poll.id}", act)
            others = [m for m in members if m != person]
            if others and len(poll.options) > 1 and rnd.random() < CHANGED_ANSWER:
                later = min(
                    when + timedelta(seconds=120 + rnd.random() * span / 4), closes - timedelta(seconds=30)
                )
                other = [c for c in range(len(poll.options)) if c != choice]
                self.at(
                    later,
                    f"a teammate changes {team.name}'s answer to {poll.id}",
                    self._team_vote(
                        ws, rnd.choice(others), poll.id, team.id, rnd.choice(other), wait_for="answer"
                    ),
                )

    def _plan_dm_polls(self, ws: Workspace) -> None:
        """Most people answer the polls sent by DM (pre-event, the survey) in the days they are open."""
        event = self.event
        for poll in event.polls.values():
            times = dm_times(event, poll)
            if times is None:
                continue
            opens, _nudges, closes = times
            span = ((closes or opens + timedelta(hours=4)) - opens).total_seconds()
            for person in (p.id for p in event.audience(poll)):
                rnd = self.chance("answers by DM", poll.id, person)
                if rnd.random() < self.answer_rate * 0.85:
                    when = opens + timedelta(seconds=60 + rnd.random() * span * 0.6)
                    self.at(
                        when, f"answers to {poll.id} by DM", self._answer(ws, person, poll.id, by_dm=True)
                    )

    def _plan_breakouts(self, ws: Workspace) -> None:
        """People choose their breakouts on the Home tab, as teams do (`breakout_choices`)."""
        for choice in breakout_choices(self.event, self.seed):
            if choice.first is not None and choice.first_at is not None:
                self.at(
                    choice.first_at,
                    "breakout choices",
                    self._choose(ws, choice.person, choice.round, choice.first),
                )
            self.at(
                choice.at, "breakout choices", self._choose(ws, choice.person, choice.round, choice.session)
            )

    def _plan_qa(self, ws: Workspace) -> None:
        """In each session with Q&A: some people ask (some anonymously), many upvote, a moderator
        approves or dismisses what waits, and the panel answers the top question now and then."""
        event = self.event
        for spec in event.agenda():
            qa = event.qa_of(spec)
            launcher, channel = self._launcher(spec), spec.channel
            if qa is None or launcher is None or channel is None:
                continue
            opens, closes = qa_times(event, spec)
            if opens is None:  # opened only by hand: the facilitator opens it as the session starts
                opens = event.session_start(spec) + timedelta(minutes=1)
                self.at(
                    opens,
                    f"opening Q&A {spec.id}",
                    self._command(ws, launcher, f"/qa open {spec.id}", channel),
                )
            if closes is None:
                closes = event.session_end(spec) - timedelta(minutes=1)
                self.at(
                    closes,
                    f"closing Q&A {spec.id}",
                    self._command(ws, launcher, f"/qa close {spec.id}", channel),
                )
            window = (closes - opens).total_seconds()
            if window < 600:
                continue
            for person in self._audience(spec):
                rnd = self.chance("qa", spec.id, person)
                if rnd.random() < ASK_RATE:
                    when = opens + timedelta(seconds=60 + rnd.random() * window * 0.6)
                    anonymous = (
                        qa.anonymous and self.chance("anonymous", spec.id, person).random() < ANONYMOUS_RATE
                    )
                    text = audience_question(rnd)
                    self.at(when, f"questions in {spec.id}", self._ask(ws, person, spec.id, text, anonymous))
                if rnd.random() < UPVOTE_RATE:
                    for _ in range(rnd.randint(1, 3)):
                        when = opens + timedelta(seconds=240 + rnd.random() * (window - 360))
                        self.at(when, f"upvotes in {spec.id}", self._upvote(ws, person, spec.id))
            minutes = int(window // 60)
            if qa.moderated:
                for m in range(3, minutes - 1, 4):
                    self.at(
                        opens + timedelta(minutes=m), f"moderating {spec.id}", self._moderate(ws, spec.id)
                    )
            for m in range(12, minutes - 4, 12):
                self.at(
                    opens + timedelta(minutes=m),
                    f"answering in {spec.id}",
                    self._answer_top(ws, launcher, spec.id),
                )

    def _plan_headlines(self, ws: Workspace) -> None:
        """Most teams send a vision headline during the headlines session."""
        event = self.event
        if event.headlines is None:
            return
        spec = event.sessions[event.headlines.session]
        start, end = event.session_start(spec), event.session_end(spec)
        for team in event.teams.values():
            members = [p.id for p in event.people.values() if team.id in p.teams]
            rnd = self.chance("headline", team.id)
            if members and rnd.random() < 0.9:
                when = start + timedelta(seconds=rnd.random() * (end - start).total_seconds() * 0.8)
                self.at(when, "headlines", self._headline(ws, rnd.choice(members), headline_text(rnd)))

    def _plan_summary(self, ws: Workspace) -> None:
        """An organizer asks for a summary during the closing session."""
        event = self.event
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

    def _plan_lookups(self, ws: Workspace) -> None:
        """On each day of the event a few participants look something up while sessions run:
        their own day (`/agenda me`), a session by its id or words of its title, or what is
        on at a time of that day."""
        event = self.event
        people = [p.id for p in event.people.values() if p.team]
        sessions = [s for s in event.agenda() if s.kind != SessionKind.MEAL] or event.agenda()
        channel = event.channels.get("announcements", "general")
        for day in event.info.days:
            that_day = [s for s in event.agenda() if s.day == day]
            if not that_day or not people:
                continue
            first = min(event.session_start(s) for s in that_day)
            span = (max(event.session_end(s) for s in that_day) - first).total_seconds()
            rnd = self.chance("agenda lookups", day)
            for person in rnd.sample(people, k=min(LOOKUPS_PER_DAY, len(people))):
                kind = rnd.choice(list(LOOKUP_KINDS))
                when = first + timedelta(seconds=rnd.random() * span)
                if kind == "me":
                    text = "me"
                elif kind == "session":
                    text = self._session_words(rnd.choice(sessions), rnd)
                else:
                    text = self._time_words(rnd.choice(that_day), rnd)
                lookup = Lookup(kind, person, text, when)
                self.lookups.append(lookup)
                self.at(when, f"/agenda {text}", self._look_up(ws, lookup, channel))

    @staticmethod
    def _session_words(spec: SessionSpec, rnd: random.Random) -> str:
        """How someone names a session: its id, or two words of its title."""
        words = re.findall(r"[^\W\d_]{3,}", spec.title)
        if not words or rnd.random() < 0.4:
            return spec.id
        start = rnd.randrange(max(1, len(words) - 1))
        return " ".join(words[start : start + 2]).lower()

    def _time_words(self, spec: SessionSpec, rnd: random.Random) -> str:
        """A moment while the session runs, as people type it: "14:30" (with AM before 7)."""
        start, end = self.event.session_start(spec), self.event.session_end(spec)
        moment = start + timedelta(minutes=rnd.randrange(max(1, int((end - start).total_seconds() // 60))))
        local = moment.astimezone(self.event.tz)
        return f"{local:%H:%M}" if local.hour >= 7 else formatting.clock(local)

    def _look_up(self, ws: Workspace, lookup: Lookup, channel: str) -> Callable[[], None]:
        def act() -> None:
            self.requests += 1
            reply = ws.driver.command(ws.user(lookup.person), f"/agenda {lookup.text}", channel=channel)
            lookup.answer = reply.text if reply.status == 200 else f"HTTP {reply.status}"
            lookup.answered = (
                reply.status == 200
                and bool(reply.json.get("text") or reply.json.get("blocks"))
                and not lookup.answer.startswith(("No session matches", ":warning:", "Sorry"))
            )

        return act

    def _plan_materials(self, ws: Workspace) -> None:
        """Slides are posted after a session, as at the model event: ten minutes after the
        session ends (the last breakout to end, else the last session before the closing one
        that people attend), the rehearsal adds them to its copy of the event file and an
        organizer runs `/event reload`, which DMs them to those who attended."""
        event = self.event
        closing = next((s for s in event.agenda() if s.kind == SessionKind.CLOSING), None)
        until = event.session_start(closing) if closing else None
        candidates = [
            s
            for s in event.agenda()
            if s.kind not in (SessionKind.MEAL, SessionKind.CLOSING)
            and (until is None or event.session_end(s) <= until)
            and self._audience(s)
        ]
        breakouts = [s for s in candidates if s.kind == SessionKind.BREAKOUT]
        candidates = breakouts or candidates
        if not candidates or not event.organizers:
            return
        last = max(event.session_end(s) for s in candidates)
        spec = next(s for s in candidates if event.session_end(s) == last)
        self.slides = spec
        channel = event.channels.get("announcements") or spec.channel or "general"
        self.at(
            last + timedelta(minutes=10), f"slides posted for {spec.id}", self._post_slides(ws, spec, channel)
        )

    def _post_slides(self, ws: Workspace, spec: SessionSpec, channel: str) -> Callable[[], None]:
        def act() -> None:
            path = self.event.path
            data = event_data(path)
            for item in data.get("sessions") or []:
                if isinstance(item, dict) and item.get("id") == spec.id:
                    # A list of its own: the session's materials may be an anchor other sessions share.
                    item["materials"] = [*(item.get("materials") or []), slides(spec)]
            write_event(data, path)
            self.requests += 1
            reply = ws.driver.command(ws.user(self.event.organizers[0]), "/event reload", channel=channel)
            self.reloaded = reply.text if reply.status == 200 else f"HTTP {reply.status}"

        return act

    def _audience(self, spec: SessionSpec) -> list[str]:
        """Who is in a session to answer its polls and ask questions: its audience (participants,
        not staff, but at a role-alike); at a breakout, those who choose it."""
        if spec.kind == SessionKind.BREAKOUT:
            if self._attending is None:
                self._attending = {}
                for choice in breakout_choices(self.event, self.seed):
                    self._attending.setdefault(choice.session, []).append(choice.person)
            return self._attending.get(spec.id, [])
        people = [p for p in self.event.audience(spec) if p.team or spec.kind == SessionKind.ROLE_ALIKE]
        return [p.id for p in people]

    # ------------------------------------------------------------ what a participant does

    def _command(self, ws: Workspace, person: str, line: str, channel: str) -> Callable[[], None]:
        def act() -> None:
            self.requests += 1
            ws.driver.command(ws.user(person), line, channel=channel)

        return act

    def _answer(self, ws: Workspace, person: str, poll_id: str, *, by_dm: bool = False) -> Callable[[], None]:
        """Answer a poll on its message (in its channel, or the card in the person's DMs), the
        way its kind asks for (`answerers`)."""

        def act() -> None:
            user = ws.user(person)
            with Session(ws.engine) as session:
                poll = session.get(Poll, poll_id)
            if poll is None or poll.status != "open":
                return
            where = self._poll_message(ws, user, poll, by_dm=by_dm)
            if where is None:
                return
            answerer = self.answerers.get(poll.kind, self._answer_in_form)
            answerer(ws, user, poll, *where, self.chance("answer", poll_id, person))

        return act

    def _poll_message(self, ws: Workspace, user: str, poll: Poll, *, by_dm: bool) -> tuple[str, str] | None:
        """(channel, ts) of the message a person answers a poll on."""
        if by_dm:
            dm = ws.sandbox.dms.get(user)
            cards = [m for m in ws.sandbox.messages(dm) if poll.id in json.dumps(m.blocks)] if dm else []
            return (dm, cards[0].ts) if dm and cards else None
        if not poll.message_ts or not poll.channel_id:
            return None
        return poll.channel_id, poll.message_ts

    def _vote_by_button(
        self, ws: Workspace, user: str, poll: Poll, channel: str, ts: str, rnd: random.Random
    ) -> None:
        """Single choice and rating: one click on an option's button (ratings lean agreeable)."""
        options = 5 if poll.kind == PollKind.RATING else len(poll.options)
        weights = [1, 1, 2, 4, 3] if poll.kind == PollKind.RATING else [1] * options
        self._click_option(ws, user, channel, ts, rnd.choices(range(options), weights=weights[:options])[0])

    def _click_option(self, ws: Workspace, user: str, channel: str, ts: str, choice: int) -> None:
        message = ws.sandbox.message(channel, ts)
        if find_element(message.blocks or [], f"poll_vote_{choice}")[1] is None:
            return
        self.requests += 1
        ws.driver.click(user, channel=channel, message_ts=ts, action_id=f"poll_vote_{choice}")

    def _team_vote(
        self,
        ws: Workspace,
        person: str,
        poll_id: str,
        team_id: str,
        choice: int,
        *,
        wait_for: Literal["nudge", "answer"] | None = None,
    ) -> Callable[[], None]:
        """Answer a team poll for the team with one click on the poll's message. A team that
        waits for the nudge answers only if it reached one of them; a teammate changing the
        answer does so only if the team has one."""

        members = ws.services.polls.teams.members(self.event.teams[team_id], self.event.polls[poll_id])
        waited = (
            select(Response.id).where(Response.poll_id == poll_id, Response.voter_key == team_key(team_id))
            if wait_for == "answer"
            else select(Outbox.id).where(
                col(Outbox.key).in_([nudge_key(poll_id, team_id, m.id) for m in members]),
                Outbox.status == "sent",
            )
        )

        def act() -> None:
            with Session(ws.engine) as session:
                poll = session.get(Poll, poll_id)
                if poll is None or poll.status != "open" or not poll.channel_id or not poll.message_ts:
                    return
                if wait_for is not None and session.exec(waited).first() is None:
                    return
            self._click_option(ws, ws.user(person), poll.channel_id, poll.message_ts, choice)

        return act

    def _answer_in_form(
        self, ws: Workspace, user: str, poll: Poll, channel: str, ts: str, rnd: random.Random
    ) -> None:
        """Multiple choice, open text, surveys, rankings: open the poll's form and fill it in."""
        action = FORM_BUTTONS.get(PollKind(poll.kind), "poll_answer")
        self.requests += 1
        ws.driver.click(user, channel=channel, message_ts=ts, action_id=action)
        views = ws.sandbox.open_views(user)
        if not views:
            return
        view = views[-1]
        self.requests += 1
        ws.driver.submit(user, view.id, self._form_values(poll, view.view, rnd))

    def _form_values(self, poll: Poll, view: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
        if view.get("callback_id") == "poll_rank":
            return self._ranking_values(poll, view, rnd)
        values: dict[str, Any] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            kind, block_id, action_id = element["type"], block["block_id"], element["action_id"]
            if kind == "plain_text_input":
                label = (block.get("label") or {}).get("text", "")
                text = open_answer(f"{poll.question} {label}", rnd)
                values[block_id] = {action_id: {"type": kind, "value": text}}
            elif kind == "checkboxes":
                options = element.get("options", [])
                picked = rnd.sample(options, k=min(len(options), rnd.randint(1, 3)))
                values[block_id] = {action_id: {"type": kind, "selected_options": picked}}
            elif kind in ("radio_buttons", "static_select"):
                options = element.get("options", [])
                weights = [1, 1, 2, 5, 4][: len(options)] if len(options) == 5 else [1] * len(options)
                values[block_id] = {
                    action_id: {"type": kind, "selected_option": rnd.choices(options, weights=weights)[0]}
                }
        return values

    def _ranking_values(self, poll: Poll, view: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
        """The ranking form, filled in: every option once, in an order of the person's own, the
        options most people like better nearer the top (each option's appeal is drawn once per
        poll, so the results have a leader)."""
        positions = [b for b in view.get("blocks", []) if b.get("type") == "input"]
        if not positions:
            return {}
        options = positions[0]["element"].get("options", [])
        appeal = {o["value"]: self.chance("appeal", poll.id, o["value"]).uniform(0.5, 3.0) for o in options}
        # A shuffle weighted by appeal: each option draws u ** (1 / appeal) and the highest goes first.
        order = sorted(options, key=lambda o: rnd.random() ** (1 / appeal[o["value"]]), reverse=True)
        return {
            block["block_id"]: {
                block["element"]["action_id"]: {"type": block["element"]["type"], "selected_option": option}
            }
            for block, option in zip(positions, order, strict=False)
        }

    def _choose(self, ws: Workspace, person: str, round_key: str, session_id: str) -> Callable[[], None]:
        """Open the Home tab and pick a breakout in the round's select, as a click does."""

        def act() -> None:
            user = ws.user(person)
            self.requests += 2
            ws.driver.event({"type": "app_home_opened", "user": user, "tab": "home"})
            homes = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user]
            if not homes:
                return
            action_id = f"breakout_choose_{round_key}"
            element = find_element(homes[-1].view.get("blocks", []), action_id)[1]
            if element is None or session_id not in {o.get("value") for o in element.get("options", [])}:
                return  # the round has started, or the breakout is not one of theirs
            ws.driver.select(user, view_id=homes[-1].id, action_id=action_id, value=session_id)

        return act

    def _live_qa(self, ws: Workspace, qa_id: str) -> tuple[str, Any] | None:
        """(channel, live message) of an open Q&A."""
        with Session(ws.engine) as session:
            qa = session.get(Qa, qa_id)
        if qa is None or qa.status != "open" or not qa.channel_id or not qa.message_ts:
            return None
        return qa.channel_id, ws.sandbox.message(qa.channel_id, qa.message_ts)

    def _ask(self, ws: Workspace, person: str, qa_id: str, text: str, anonymous: bool) -> Callable[[], None]:
        """Press "Ask a question" and send the form, anonymously or not."""

        def act() -> None:
            live = self._live_qa(ws, qa_id)
            if live is None:
                return
            channel, message = live
            user = ws.user(person)
            self.requests += 2
            ws.driver.click(user, channel=channel, message_ts=message.ts, action_id="qa_ask")
            views = ws.sandbox.open_views(user)
            if not views:
                return
            values: dict[str, Any] = {"question": {"value": {"type": "plain_text_input", "value": text}}}
            blocks = {b.get("block_id") for b in views[-1].view.get("blocks", [])}
            if "anonymous" in blocks:
                chosen = [{"value": "yes"}] if anonymous else []
                values["anonymous"] = {"value": {"type": "checkboxes", "selected_options": chosen}}
            reply = ws.driver.submit(user, views[-1].id, values)
            if reply.status == 200 and reply.json.get("response_action") != "errors":
                self.asked.setdefault(person, set()).add(text)
            else:
                ws.sandbox.close_view(views[-1].id)

        return act

    def _upvote(self, ws: Workspace, person: str, qa_id: str) -> Callable[[], None]:
        """Upvote one of the questions the live message shows (not one's own), the top ones likelier."""

        def act() -> None:
            live = self._live_qa(ws, qa_id)
            if live is None:
                return
            channel, message = live
            mine = {mrkdwn(t) for t in self.asked.get(person, set())}
            shown = shown_questions(message)
            done = self.upvoted.setdefault((person, qa_id), set())
            shown = [s for s in shown if s[1] not in done and not any(f" · {t}\n" in s[2] for t in mine)]
            if not shown:
                return
            rnd = self.chance("upvote", qa_id, person, *sorted(s[2].split("\n")[0] for s in shown))
            action_id, value, _text = rnd.choices(shown, weights=[1 / (i + 1) for i in range(len(shown))])[0]
            done.add(value)
            self.requests += 1
            ws.driver.click(
                ws.user(person), channel=channel, message_ts=message.ts, action_id=action_id, value=value
            )

        return act

    def _moderate(self, ws: Workspace, qa_id: str) -> Callable[[], None]:
        """The Q&A's first moderator goes through the questions waiting in their DMs: most are
        approved, some dismissed."""

        def act() -> None:
            moderators = ws.services.qa.moderators(qa_id)
            if not moderators:
                return
            _person, user = moderators[0]
            dm = ws.sandbox.dms.get(user)
            for card in ws.sandbox.messages(dm) if dm else []:
                if find_element(card.blocks or [], "qa_approve_0")[1] is None:
                    continue
                verb = (
                    "dismiss"
                    if self.chance("moderate", qa_id, card.text).random() < DISMISS_RATE
                    else "approve"
                )
                self.requests += 1
                ws.driver.click(user, channel=dm or "", message_ts=card.ts, action_id=f"qa_{verb}_0")

        return act

    def _answer_top(self, ws: Workspace, person: str, qa_id: str) -> Callable[[], None]:
        """The panel takes the most upvoted question: its facilitator marks it answered."""

        def act() -> None:
            live = self._live_qa(ws, qa_id)
            if live is None:
                return
            channel, message = live
            shown = shown_questions(message)
            if shown:
                self._command(ws, person, f"/qa answered {shown[0][1]}", channel)()

        return act

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
        if not self.event.path.resolve().is_relative_to(self.out.resolve()):
            # The rehearsal edits its event file (materials added after a session): a copy.
            copy = event_copy(self.event, self.out / "event")
            self.event = load_event(copy, check_colormap=False, check_team_size=False)
        clock = ManualClock(shell_start(self.event))
        files = self.out / "files"
        ws = Workspace(
            self.event,
            clock=clock,
            database=self.database,
            rate_limits=SlackSandbox.SLACK_LIKE_LIMITS,
            files_dir=files,
            in_process=True,
        )
        try:
            self._plan_actions(ws)
            self._play(ws, clock, progress)
            result = self._write(ws, time.monotonic() - started)
            progress(1.0, "done")
            return result
        finally:
            ws.close()

    def _play(self, ws: Workspace, clock: ManualClock, progress: Callable[[float, str], None]) -> None:
        scheduler = ws.services.scheduler
        assert scheduler is not None
        jobs_end = max((j.at for j in plan(self.event)), default=clock.now())
        actions = sorted(self.actions)
        end = max([jobs_end, *(a[0] for a in actions)]) + timedelta(minutes=5)
        begin = clock.now()
        # The bar follows the work (the acts and scheduled sends done), not the event's clock:
        # a week of pre-event days goes by in a moment, the event's hours take the time.
        steps = len(actions) + len(scheduler.pending()) or 1
        done = 0
        wall_start = time.monotonic()
        index = 0
        drained = False  # the outbox was drained at this clock, and nothing was done since
        while True:
            pending = scheduler.pending()
            next_job = pending[0][0] if pending else None
            next_action = actions[index][0] if index < len(actions) else None
            candidates = [t for t in (next_job, next_action) if t is not None]
            if not candidates:
                break
            moment = max(min(candidates), clock.now())
            self._pace(moment, begin, wall_start)
            self._settle(ws, clock, until=moment, drained=drained)
            for job_id in scheduler.run_due(moment):
                done += 1
                progress(WRITING * min(1.0, done / steps), self._at(moment, scheduler.describe(job_id)))
            while index < len(actions) and actions[index][0] <= moment:
                _when, _n, what, act = actions[index]
                act()
                index += 1
                done += 1
                progress(WRITING * min(1.0, done / steps), self._at(moment, what))
            ws.deliver()
            drained = True
        self._settle(ws, clock, until=end, drained=drained)
        progress(WRITING, "writing the timeline, summaries, report and word clouds")

    def _at(self, moment: datetime, what: str) -> str:
        """What the rehearsal is doing, at the event's time: "Sat, May 9 10:05 AM · answers to x"."""
        local = moment.astimezone(self.event.tz)
        return f"{formatting.short_day(local.date())} {formatting.clock(local)} · {what}"

    def _settle(self, ws: Workspace, clock: ManualClock, *, until: datetime, drained: bool = False) -> None:
        """Let the outbox drain, moving the clock a second at a time while rate limits hold rows back
        (`drained`: it has just been drained at this clock, and nothing was done since)."""
        if not drained:
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
        activity = self._activity(ws)
        (out / "findings.json").write_text(json.dumps([f.__dict__ for f in findings], indent=1))
        text = (
            "\n".join(f"- **{f.kind}**: {f.detail}" for f in findings)
            or "No findings: the rehearsal went clean."
        )
        did = "".join(f"- {line}\n" for line in activity)
        (out / "findings.md").write_text(f"# Findings\n\n{text}\n\n## What the simulated people did\n\n{did}")
        clouds = sorted((out / "files").glob("wordcloud-*.png")) if (out / "files").exists() else []
        return Result(
            out=out,
            findings=findings,
            messages=len(timeline),
            requests=self.requests,
            seconds=seconds,
            files=clouds,
            activity=activity,
        )

    def _why_nobody(self, session: Session, job_id: str) -> str:
        """Why a planned DM job had nobody to send to."""
        event = self.event
        kind, subject = (job_id.split(":") + [""])[:2]
        spec: SessionSpec | PollSpec | None = (
            event.sessions.get(subject) if kind == "dm-reminder" else event.polls.get(subject)
        )
        if kind == "poll-nudge":
            return "everyone it is for had already answered, so there was nobody to nudge"
        if spec is None:
            return "its recipient list was empty"
        people = event.audience(spec)
        if not people:
            return "it is for nobody on the roster (see its audience:)"
        could = formatting.count(len(people), "person", "people")
        if isinstance(spec, SessionSpec) and spec.kind == SessionKind.BREAKOUT:
            chose = session.exec(select(BreakoutChoice).where(BreakoutChoice.session_id == spec.id)).all()
            if not chose:
                return f"nobody chose this breakout on the Home tab ({could} could)"
            return (
                f"the {formatting.count(len(chose), 'person', 'people')} who chose it were not found in Slack"
            )
        return f"none of the {could} it is for were found in Slack"

    def _activity(self, ws: Workspace) -> list[str]:
        """What the simulated people did, counted from the database, in words."""
        count = formatting.count
        with Session(ws.engine) as session:
            answers = session.exec(select(func.count()).select_from(Response)).one()
            choices = session.exec(select(BreakoutChoice)).all()
            questions = session.exec(select(Question)).all()
            upvotes = session.exec(select(func.count()).select_from(Upvote)).one()
            headlines = session.exec(select(func.count()).select_from(Headline)).one()
            team_polls = team_poll_outcomes(self.event, ws.services.polls.teams, session)
            goal = coverage_activity(self.event, session)
            rankings = session.exec(
                select(Response.poll_id, func.count())
                .join(Poll, col(Poll.id) == col(Response.poll_id))
                .where(Poll.kind == PollKind.RANKING)
                .group_by(col(Response.poll_id))
                .order_by(col(Response.poll_id))
            ).all()
        lines = [f"{count(answers, 'poll answer', 'poll answers')} recorded"]
        lines += [self._team_poll_activity(ws, outcome) for outcome in team_polls]
        if rankings:
            polls = ", ".join(f"{poll_id}: {formatting.number(n)}" for poll_id, n in rankings)
            lines.append(f"{count(sum(n for _, n in rankings), 'ranking', 'rankings')} submitted ({polls})")
        if choices:
            people = len({c.person_id for c in choices})
            lines.append(
                f"{count(len(choices), 'breakout choice', 'breakout choices')} on the Home tab, "
                f"by {count(people, 'person', 'people')}"
            )
        if goal:
            lines.append(goal)
        if questions:
            status = Counter(q.status for q in questions)
            anonymous = sum(1 for q in questions if q.anonymous)
            parts = [f"{formatting.number(anonymous)} anonymous"]
            parts += [
                f"{formatting.number(n)} {QUESTION_STATUS.get(k, k)}" for k, n in sorted(status.items())
            ]
            lines.append(
                f"{count(len(questions), 'question', 'questions')} asked in Q&A ({', '.join(parts)}), "
                f"{count(upvotes, 'upvote', 'upvotes')}"
            )
        if headlines:
            lines.append(f"{count(headlines, 'vision headline', 'vision headlines')} sent")
        typed = [lookup for lookup in self.lookups if lookup.answered is not None]
        if typed:
            kinds = Counter(lookup.kind for lookup in typed)
            each = ", ".join(f"{what}: {formatting.number(kinds[k])}" for k, what in LOOKUP_KINDS.items())
            unanswered = sum(1 for lookup in typed if not lookup.answered)
            lines.append(
                f"{count(len(typed), 'agenda lookup', 'agenda lookups')} ({each}), "
                + (f"{formatting.number(unanswered)} not answered" if unanswered else "all answered")
            )
        if self.slides is not None and self.reloaded is not None:
            got, attended = self._slides_outcome(ws)
            lines.append(
                f"slides posted after {self.slides.id} (/event reload): {formatting.number(got)} of "
                f"{count(len(attended), 'person', 'people')} who attended got them by DM"
            )
        return lines

    def _slides_outcome(self, ws: Workspace) -> tuple[int, list[str]]:
        """How many got the slides added after `slides` by DM, and who attended it."""
        assert self.slides is not None
        with Session(ws.engine) as session:
            got = session.exec(
                select(func.count())
                .select_from(Outbox)
                .where(
                    col(Outbox.key).startswith(f"{MATERIALS_KEY}:{self.slides.id}:"),
                    Outbox.status == "sent",
                )
            ).one()
            return got, concerned(self.event, session, self.slides)

    def _team_poll_activity(self, ws: Workspace, outcome: TeamPollOutcome) -> str:
        """One team poll in a line: the teams that answered (one member each), the answers a
        teammate changed, the nudge and whom it brought, who got the focus questions."""
        event, number = self.event, formatting.number
        answered = [t for t in outcome.teams if t.answer is not None]
        changed = [
            t
            for t in answered
            if t.answer is not None
            and (first := self.team_answerers.get((outcome.spec.id, t.team.id))) is not None
            and t.answer.user_id != ws.services.directory.slack_id(first)
        ]
        nudged = [t for t in outcome.teams if t.nudged]
        then = [t for t in nudged if t.answer is not None]
        reached = sum(len(sent(t.nudges)) for t in nudged)
        focus = sum(len(sent(t.focus)) for t in answered)
        expected = [t.team for t in outcome.teams]
        parts = [
            f"{number(len(answered))} of {event.count_teams(expected)} answered the team poll "
            f"{outcome.spec.id}, one member for each team",
            f"a teammate changed {number(len(changed))} of those answers",
        ]
        if nudged:
            parts.append(
                f"/poll nudge reached {event.count_teams([t.team for t in nudged])} "
                f"({formatting.count(reached, 'person', 'people')}), "
                f"{number(len(then))} of which then answered"
            )
        parts.append(
            f"{formatting.count(focus, 'person', 'people')} got the focus questions for their team's answer"
        )
        return "; ".join(parts)

    def _where(self, ws: Workspace, channel: str) -> str:
        """A message's conversation for an organizer: "#channel" or "DM to <name>" (a DM is sent
        to the user's id or to the DM channel's)."""
        for user, dm in ws.sandbox.dms.items():
            if channel in (dm, user):
                return "DM to " + ws.services.directory.display(user)
        if ws.services.directory.person(channel, ask_slack=False) is not None:
            return "DM to " + ws.services.directory.display(channel)
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
            runs = session.exec(select(JobRun).order_by(col(JobRun.scheduled_for), col(JobRun.job_id))).all()
            for run in runs:
                if run.status != "sent":
                    found.append(
                        Finding(f"scheduled send {run.status}", f"{run.job_id}: {run.detail or ''}".strip())
                    )
                sent = re.match(r"(\d+) DMs", run.detail or "")
                if sent and int(sent[1]) == 0:
                    when = formatting.day_and_clock(utc(run.scheduled_for).astimezone(event.tz))
                    what = ws.services.scheduler.describe(run.job_id) if ws.services.scheduler else ""
                    found.append(
                        Finding(
                            "planned send reached nobody",
                            f"{run.job_id} ({what}, {when}): {self._why_nobody(session, run.job_id)}",
                        )
                    )
            for row in session.exec(select(Outbox).where(Outbox.status == "failed")).all():
                found.append(
                    Finding(
                        "not delivered",
                        f"{row.payload.get('describe') or row.kind} → "
                        f"{self._where(ws, row.channel or '')}: {plain_error(row.last_error)}",
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
        with Session(ws.engine) as session:
            for outcome in team_poll_outcomes(event, ws.services.polls.teams, session):
                found += team_poll_findings(event, outcome)
            found += coverage_findings(event, session)
        return found + self._lookup_findings(ws) + self._slides_findings(ws)

    def _lookup_findings(self, ws: Workspace) -> list[Finding]:
        """An /agenda built from the event itself is always answered: one that is not is a finding."""
        return [
            Finding(
                "agenda lookup not answered",
                f"/agenda {lookup.text} ({ws.services.directory.display(ws.user(lookup.person))}, "
                f"{formatting.day_and_clock(lookup.at.astimezone(self.event.tz))}): "
                f"{' '.join(lookup.answer.split())[:200]}",
            )
            for lookup in self.lookups
            if lookup.answered is False
        ]

    def _slides_findings(self, ws: Workspace) -> list[Finding]:
        """The slides added after a session: the reload must take them and reach its attendees."""
        spec = self.slides
        if spec is None or self.reloaded is None:
            return []
        if not self.reloaded.startswith("Event file read again"):
            return [
                Finding("event reload failed", f"after {spec.id}: {' '.join(self.reloaded.split())[:300]}")
            ]
        got, attended = self._slides_outcome(ws)
        if attended and not got:
            who = formatting.count(len(attended), "person", "people")
            return [
                Finding(
                    "materials reached nobody",
                    f"the slides added to {spec.title} ({spec.id}) after it ended reached none of "
                    f"the {who} who attended",
                )
            ]
        return []


def rehearse_event(
    path: Path,
    out: Path,
    *,
    participants: int | None = None,
    speed: float | None = None,
    database: str | None = None,
    seed: int = 2015,
    progress: Callable[[float, str], None] = lambda _f, _s: None,
) -> Result:
    """Load the event (or a copy with N generated participants) and rehearse it into `out`;
    the same `seed` plays the same event (the same choices, answers and words)."""
    event = load_event(path)
    if participants is not None:
        event = generated_event(event, out / "generated-event", participants)
    return Rehearsal(event, out, database=database, speed=speed, seed=seed).run(progress)
