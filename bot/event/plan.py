"""The event's clock: every send the agenda implies, planned from the event file.

Pure functions of the event: `plan(event)` lists jobs with stable ids
(`reminder:<session>:<minutes>`, ...) and UTC instants; the scheduler turns them
into APScheduler jobs and `convene check` prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from babel.lists import format_list

from bot.core import formatting
from bot.event.spec import (
    LOCALE,
    AudienceSpec,
    Event,
    PollSpec,
    SessionKind,
    SessionSpec,
    local_datetime,
    qa_moment,
)

PERSONAL_KINDS = {SessionKind.ROLE_ALIKE, SessionKind.TEAM_TIME, SessionKind.BREAKOUT}


@dataclass(frozen=True)
class PlannedJob:
    """One scheduled job: what it sends, to whom, when (UTC)."""

    id: str
    at: datetime
    what: str
    to: str

    @property
    def kind(self) -> str:
        return self.id.split(":", 1)[0]

    @property
    def subject(self) -> str:
        """The session or poll id the job is about."""
        return self.id.split(":")[1]


def is_personal(session: SessionSpec) -> bool:
    """Whether a session's reminders also go by DM to its audience: role-alikes, team time,
    breakouts, and any session (but a meal) that is for some of the people."""
    return session.kind in PERSONAL_KINDS or (
        session.audience is not None and session.kind != SessionKind.MEAL
    )


def channel_offsets(event: Event, session: SessionSpec) -> list[int]:
    if session.reminders is not None:
        return session.reminders
    return [] if session.kind == SessionKind.MEAL else event.reminders.minutes_before


def reminder_channels(event: Event, session: SessionSpec) -> list[str]:
    """Channel names a session's reminder goes to: announcements (unless the session is for
    some of the people: they hear by DM), then the session's own."""
    names = []
    if "announcements" in event.channels and session.audience is None:
        names.append(event.channels["announcements"])
    if session.channel:
        own = event.channels.get(session.channel.lstrip("#"), session.channel.lstrip("#"))
        if own not in names:
            names.append(own)
    return names


def audience(event: Event, session: SessionSpec) -> str:
    """Who a session's personal reminders go to, in words."""
    n = len(event.audience(session))
    if session.kind == SessionKind.BREAKOUT:
        return "those who chose it" + (
            f" (of {audience_words(event, session.audience)}, {n})" if session.audience else ""
        )
    if session.audience is not None:
        spec = session.audience
        if session.kind == SessionKind.ROLE_ALIKE and session.role:
            spec = spec.model_copy(update={"roles": [session.role]})
        return f"{audience_words(event, spec)} ({n})"
    if session.kind == SessionKind.ROLE_ALIKE:
        label = event.roles[session.role].label if session.role in event.roles else session.role
        return f"{n} × {label}"
    if session.kind == SessionKind.TEAM_TIME:
        return f"every team member ({n})"
    return f"everyone ({n})"


def poll_audience(event: Event, poll: PollSpec) -> str:
    """Who a poll sent by DM goes to, in words."""
    n = len(event.audience(poll))
    session = event.sessions.get(poll.session) if poll.session else None
    spec = poll.audience or (session.audience if session else None)
    return f"{audience_words(event, spec)} ({n})" if spec else f"everyone on the roster ({n})"


def poll_is_for(event: Event, poll: PollSpec) -> str:
    """Who may answer a poll, in words, for someone who may not ("members of teams tagged new")."""
    session = event.sessions.get(poll.session) if poll.session else None
    spec = poll.audience or (session.audience if session else None)
    if session is not None and session.kind == SessionKind.ROLE_ALIKE and session.role:
        spec = (spec or AudienceSpec()).model_copy(update={"roles": [session.role]})
    if spec is None and session is not None and session.kind == SessionKind.TEAM_TIME:
        return "members of teams"
    if spec is not None and spec.roles and not spec.narrows_teams():
        return f"the role {audience_words(event, spec)}"
    return audience_words(event, spec)


def audience_words(event: Event, spec: AudienceSpec | None) -> str:
    """An `audience:` in words: "members of teams tagged new", "Superintendent of county offices"."""
    if spec is None:
        return "everyone"
    teams = ""
    if spec.teams:
        teams = _either([event.teams[t].name if t in event.teams else t for t in spec.teams])
    elif spec.narrows_teams():
        kinds = [event.team_kinds[k].plural if k in event.team_kinds else k for k in spec.team_kinds]
        teams = _either(kinds) if kinds else "teams"
    if spec.tags:
        teams += f" tagged {_either(spec.tags)}"
    roles = _either([event.roles[r].label if r in event.roles else r for r in spec.roles])
    if roles and teams:
        return f"{roles} of {teams}"
    return roles or (f"members of {teams}" if teams else "everyone")


def _either(words: list[str]) -> str:
    return format_list(words, style="or", locale=LOCALE) if words else ""


def plan(event: Event) -> list[PlannedJob]:
    """Every job the event implies, in time order."""
    jobs: list[PlannedJob] = []
    for session in event.agenda():
        start = event.session_start(session)
        channels = ", ".join(f"#{c}" for c in reminder_channels(event, session))
        if channels:
            for minutes in channel_offsets(event, session):
                jobs.append(
                    PlannedJob(
                        f"reminder:{session.id}:{minutes}",
                        start - timedelta(minutes=minutes),
                        f"reminder: {session.title} ({minutes} min before)",
                        channels,
                    )
                )
        if is_personal(session) and session.reminders != []:
            for minutes in event.reminders.dm_minutes_before:
                jobs.append(
                    PlannedJob(
                        f"dm-reminder:{session.id}:{minutes}",
                        start - timedelta(minutes=minutes),
                        f"personal reminder: {session.title}",
                        f"DM to {audience(event, session)}",
                    )
                )
    closing = next((s for s in event.agenda() if s.kind == SessionKind.CLOSING), None)
    if closing is not None and (event.headlines is not None or event.closing.wordclouds):
        shows = (["the headlines wall"] if event.headlines else []) + [
            f"{name} word cloud" for name in event.closing.wordclouds
        ]
        channel = (
            closing.channel or event.channels.get("closing") or event.channels.get("announcements") or "?"
        )
        jobs.append(
            PlannedJob(
                f"closing:{closing.id}",
                event.session_start(closing),
                "closing session: " + ", ".join(shows),
                f"#{channel.lstrip('#')}",
            )
        )
    for session in event.agenda():
        opens, closes = qa_times(event, session)
        where = f"#{session.channel.lstrip('#')}" if session.channel else ""
        if opens is not None:
            jobs.append(PlannedJob(f"qa-open:{session.id}", opens, f"Q&A opens: {session.title}", where))
        if closes is not None:
            jobs.append(PlannedJob(f"qa-close:{session.id}", closes, f"Q&A closes: {session.title}", where))
    organizers = f"DM to organizers ({len(event.organizers)})"
    if event.organizers and event.summaries.after_session_minutes is not None:
        with_polls = {p.session for p in event.polls.values() if p.session}
        with_polls |= {s.id for s in event.agenda() if event.qa_of(s) is not None}
        for session in event.agenda():
            if session.id in with_polls:
                at = event.session_end(session) + timedelta(minutes=event.summaries.after_session_minutes)
                jobs.append(PlannedJob(f"summary:{session.id}", at, f"summary: {session.title}", organizers))
    if event.organizers and event.summaries.digest_after_minutes is not None:
        for day in event.info.days:
            sessions = [s for s in event.agenda() if s.day == day]
            if sessions:
                last = max(event.session_end(s) for s in sessions)
                at = last + timedelta(minutes=event.summaries.digest_after_minutes)
                jobs.append(
                    PlannedJob(f"digest:{day.isoformat()}", at, f"daily digest: {day:%A}", organizers)
                )
    for poll in event.polls.values():
        times = dm_times(event, poll)
        if times is None:
            continue
        opens, nudges, closes = times
        what = "pre-event poll" if poll.pre_event else "survey"
        to = f"DM to {poll_audience(event, poll)}"
        jobs.append(PlannedJob(f"poll-open:{poll.id}", opens, f"{what} opens: {poll.id}", to))
        for n, nudge in enumerate(nudges, 1):
            jobs.append(
                PlannedJob(
                    f"poll-nudge:{poll.id}:{n}",
                    nudge,
                    f"nudge {n}: {poll.id}",
                    "DM to those who have not answered",
                )
            )
        if closes is not None:
            jobs.append(
                PlannedJob(
                    f"poll-close:{poll.id}", closes, f"{what} closes: {poll.id}", "organizers get the count"
                )
            )
    jobs += breakout_nudges(event)
    return sorted(jobs, key=lambda j: (j.at, j.id))


def qa_times(event: Event, session: SessionSpec) -> tuple[datetime | None, datetime | None]:
    """When a session's Q&A opens and closes by itself, in UTC (None: only by /qa open or
    /qa close; both None when the session has no Q&A in the event file)."""
    qa = event.qa_of(session)
    if qa is None:
        return None, None
    opens = qa_moment(qa.opens, session, event.tz) if qa.opens is not None else None
    closes = qa_moment(qa.closes, session, event.tz) if qa.closes is not None else None
    return opens, closes


def dm_times(event: Event, poll: PollSpec) -> tuple[datetime, list[datetime], datetime | None] | None:
    """When a poll sent by DM (pre_event, or dm for a survey) opens, nudges and closes, in UTC."""
    if poll.pre_event is not None:
        pre = poll.pre_event
        return _utc(event, pre.opens), [_utc(event, n) for n in pre.nudges], _utc(event, pre.closes)
    if poll.dm is not None:
        dm = poll.dm
        if dm.opens in event.sessions:
            opens = event.session_start(event.sessions[dm.opens])
        else:
            opens = _utc(event, local_datetime(dm.opens))
        return opens, [_utc(event, n) for n in dm.nudges], _utc(event, dm.closes) if dm.closes else None
    return None


def _utc(event: Event, local: datetime) -> datetime:
    return local.replace(tzinfo=event.tz).astimezone(UTC)


def round_key(start: datetime) -> str:
    """A breakout round's key, by its start (UTC): "20150509T1700Z"."""
    return start.strftime("%Y%m%dT%H%MZ")


@dataclass(frozen=True)
class RoundGoal:
    """What a team aims for in one breakout round: nobody alone (`pairs`), this many
    different breakouts in the round (`team_covers`), and when teams short of it hear
    (`nudge`, minutes before the round; None: they do not)."""

    pairs: bool
    team_covers: int | None
    nudge: int | None

    @property
    def stated(self) -> bool:
        return self.pairs or self.team_covers is not None


def round_goal(event: Event, start: datetime) -> RoundGoal:
    """The goal of the round that starts at `start` (UTC): its own entry in `breakouts.rounds`
    over the event's `breakouts:`."""
    settings = event.breakouts
    if settings is None:
        return RoundGoal(pairs=False, team_covers=None, nudge=None)
    own = next((r for r in settings.rounds if _utc(event, r.at) == start), None)
    return RoundGoal(
        pairs=own.pairs if own is not None and own.pairs is not None else settings.pairs,
        team_covers=own.team_covers if own is not None else None,
        nudge=own.nudge if own is not None and own.nudge is not None else settings.nudge,
    )


def breakout_nudges(event: Event) -> list[PlannedJob]:
    """Before each breakout round with a goal and a `nudge:` time, one job that DMs the teams
    short of the goal what is missing."""
    settings = event.breakouts
    if settings is None or not event.teams:
        return []
    starts = sorted({event.session_start(s) for s in event.agenda() if s.kind == SessionKind.BREAKOUT})
    jobs = []
    for start in starts:
        goal = round_goal(event, start)
        if goal.nudge is None or not (goal.stated or settings.team_covers is not None):
            continue
        jobs.append(
            PlannedJob(
                f"breakout-nudge:{round_key(start)}",
                start - timedelta(minutes=goal.nudge),
                f"breakout coverage: the {formatting.clock(start.astimezone(event.tz))} round",
                "DM to the members of teams short of the goal",
            )
        )
    return jobs
