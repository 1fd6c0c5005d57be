"""The agenda as a person sees it: now and next, their own day, breakout rounds and choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import Clock, UserError
from bot.event import Event, Person, SessionKind, SessionSpec
from bot.slack import mrkdwn
from storage.db import reading, transaction, upsert
from storage.models import BreakoutChoice, Poll, table_of

FOR_EVERYONE = {SessionKind.PLENARY, SessionKind.MEAL, SessionKind.CLOSING}


@dataclass(frozen=True)
class Round:
    """Breakouts that run in parallel: a person picks one."""

    key: str
    start: datetime
    sessions: list[SessionSpec]


def rounds(event: Event) -> list[Round]:
    """Breakout rounds in time order."""
    groups: dict[datetime, list[SessionSpec]] = {}
    for session in event.agenda():
        if session.kind == SessionKind.BREAKOUT:
            groups.setdefault(event.session_start(session), []).append(session)
    return [
        Round(start.strftime("%Y%m%dT%H%MZ"), start, sessions) for start, sessions in sorted(groups.items())
    ]


def now_and_next(event: Event, now: datetime) -> tuple[list[SessionSpec], list[SessionSpec]]:
    """Sessions running now, and the ones starting next (all that share the next start time)."""
    current = [s for s in event.agenda() if event.session_start(s) <= now < event.session_end(s)]
    upcoming = [s for s in event.agenda() if event.session_start(s) > now]
    if not upcoming:
        return current, []
    first = event.session_start(upcoming[0])
    return current, [s for s in upcoming if event.session_start(s) == first]


class Agenda:
    """Breakout choices over the database, and each person's own day."""

    def __init__(self, *, event: Event, engine: Engine, clock: Clock) -> None:
        self.event = event
        self.engine = engine
        self.clock = clock

    def choices(self, person_id: str) -> dict[str, str]:
        """Round key -> chosen session id."""
        with reading(self.engine) as session:
            rows = session.exec(select(BreakoutChoice).where(BreakoutChoice.person_id == person_id)).all()
        return {r.round_key: r.session_id for r in rows}

    def choose(self, *, person: Person, session_id: str) -> SessionSpec:
        """Record (or change) a person's breakout for the session's round."""
        chosen = self.event.sessions.get(session_id)
        if chosen is None or chosen.kind != SessionKind.BREAKOUT:
            raise UserError("That is not one of the breakouts.")
        start = self.event.session_start(chosen)
        if start <= self.clock.now():
            raise UserError(
                f"*{mrkdwn(chosen.title)}* has already started; choices for that round are closed."
            )
        key = start.strftime("%Y%m%dT%H%MZ")
        with transaction(self.engine) as session:
            table = table_of(BreakoutChoice)
            stmt = upsert(session, table).values(
                person_id=person.id, round_key=key, session_id=session_id, chosen_at=self.clock.now()
            )
            session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[table.c.person_id, table.c.round_key],
                    set_={"session_id": stmt.excluded.session_id, "chosen_at": stmt.excluded.chosen_at},
                )
            )
        return chosen

    def day_of(self, person: Person | None, day: date) -> list[SessionSpec]:
        """The sessions on `day` that concern `person` (everything, for someone not on the roster)."""
        sessions = [s for s in self.event.agenda() if s.day == day]
        if person is None:
            return sessions
        chosen = set(self.choices(person.id).values())
        mine = []
        for s in sessions:
            facilitating = any(self.event.person(f) == person for f in s.facilitators)
            if (
                s.kind in FOR_EVERYONE
                or facilitating
                or (s.kind == SessionKind.ROLE_ALIKE and s.role == person.role)
                or (s.kind == SessionKind.TEAM_TIME and person.team)
                or (s.kind == SessionKind.BREAKOUT and s.id in chosen)
            ):
                mine.append(s)
        return mine

    def open_polls(self) -> list[Poll]:
        """The polls open now, for the Home tab."""
        with reading(self.engine) as session:
            return list(session.exec(select(Poll).where(Poll.status == "open")).all())

    def today(self) -> date:
        """The event day it is now, or the first day before the event, or the last after it."""
        local = self.clock.now().astimezone(self.event.tz).date()
        days = self.event.info.days
        if local in days:
            return local
        return days[0] if local < days[0] else days[-1]


def concerned(event: Event, session: Session, spec: SessionSpec) -> list[str]:
    """Roster ids of the people a session is for (its audience)."""
    people = event.people.values()
    if spec.kind == SessionKind.ROLE_ALIKE:
        return [p.id for p in people if p.role == spec.role]
    if spec.kind == SessionKind.TEAM_TIME:
        return [p.id for p in people if p.team]
    if spec.kind == SessionKind.BREAKOUT:
        return list(
            session.exec(select(BreakoutChoice.person_id).where(BreakoutChoice.session_id == spec.id)).all()
        )
    return list(event.people)
