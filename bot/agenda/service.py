"""The agenda as a person sees it: now and next, their own day, breakout rounds and choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import Clock, UserError
from bot.event import Event, Person, PollKind, SessionKind, SessionSpec
from bot.event.plan import round_key
from bot.slack import mrkdwn
from storage.db import reading, transaction, upsert
from storage.models import BreakoutChoice, Poll, table_of


@dataclass(frozen=True)
class Round:
    """Breakouts that run in parallel: a person picks one."""

    key: str
    start: datetime
    sessions: list[SessionSpec]


def rounds(event: Event, person: Person | None = None) -> list[Round]:
    """Breakout rounds in time order; given a person, only the breakouts that are for them."""
    groups: dict[datetime, list[SessionSpec]] = {}
    for session in event.agenda():
        if session.kind == SessionKind.BREAKOUT and (person is None or event.is_for(person, session)):
            groups.setdefault(event.session_start(session), []).append(session)
    return [Round(round_key(start), start, sessions) for start, sessions in sorted(groups.items())]


def now_and_next(
    event: Event, now: datetime, person: Person | None = None
) -> tuple[list[SessionSpec], list[SessionSpec]]:
    """Sessions running now, and the ones starting next (all that share the next start time);
    given a participant, only the sessions that are for them (`Event.is_for`: a breakout they
    may choose, their role's role-alike, …)."""
    sessions = [s for s in event.agenda() if person is None or event.is_for(person, s)]
    current = [s for s in sessions if event.session_start(s) <= now < event.session_end(s)]
    upcoming = [s for s in sessions if event.session_start(s) > now]
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
        if not self.event.is_for(person, chosen):
            raise UserError(f"*{mrkdwn(chosen.title)}* is not one of your breakouts.")
        start = self.event.session_start(chosen)
        if start <= self.clock.now():
            raise UserError(
                f"*{mrkdwn(chosen.title)}* has already started; choices for that round are closed."
            )
        key = round_key(start)
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
            if facilitating or (
                self.event.is_for(person, s) and (s.kind != SessionKind.BREAKOUT or s.id in chosen)
            ):
                mine.append(s)
        return mine

    def open_polls(self, person: Person | None = None) -> list[Poll]:
        """The polls open now, for the Home tab; given a person, those that are for them."""
        with reading(self.engine) as session:
            polls = list(session.exec(select(Poll).where(Poll.status == "open")).all())
        return [
            p
            for p in polls
            if person is None
            or p.id not in self.event.polls
            or self.event.is_for(person, self.event.polls[p.id])
        ]

    def feedback_form(self, person: Person | None = None) -> Poll | None:
        """The event's evaluation survey (its first survey poll that is for `person`), as it
        stands: the Home tab's feedback form. None when the event has none."""
        spec = next(
            (
                p
                for p in self.event.polls.values()
                if p.kind == PollKind.SURVEY and (person is None or self.event.is_for(person, p))
            ),
            None,
        )
        if spec is None:
            return None
        with reading(self.engine) as session:
            return session.get(Poll, spec.id)

    def today(self) -> date:
        """The event day it is now, or the next one (days need not be contiguous), or the last
        after the event."""
        local = self.clock.now().astimezone(self.event.tz).date()
        days = sorted(self.event.info.days)
        return next((d for d in days if d >= local), days[-1])


def concerned(event: Event, session: Session, spec: SessionSpec) -> list[str]:
    """Roster ids of the people a session is for (its audience; for a breakout, those of it
    who chose it)."""
    audience = [p.id for p in event.audience(spec)]
    if spec.kind == SessionKind.BREAKOUT:
        chose = set(
            session.exec(select(BreakoutChoice.person_id).where(BreakoutChoice.session_id == spec.id)).all()
        )
        return [pid for pid in audience if pid in chose]
    return audience
