"""Breakout coverage: what each team's breakout choices add up to against the event's goal
(nobody alone, and together so many different breakouts), and what is still missing.

A breakout offered in several rounds (the same title) is one breakout: a team that sends
people to it twice covers it once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.agenda.service import Agenda, Round, rounds
from bot.core import Clock, UserError, formatting
from bot.event import Event, Person, SessionSpec, TeamSpec
from bot.event.plan import RoundGoal, round_goal
from bot.event.spec import breakout_name
from bot.slack import mrkdwn, truncate
from storage.db import reading
from storage.models import BreakoutChoice

Choices = dict[str, dict[str, str]]  # person id -> round key -> session id


@dataclass(frozen=True)
class RoundCoverage:
    """One team in one round: who chose which breakout, and who has not chosen."""

    round: Round
    goal: RoundGoal
    chosen: list[tuple[SessionSpec, list[Person]]]  # the round's breakouts the team chose, in order
    undecided: list[Person]

    @property
    def alone(self) -> list[tuple[Person, SessionSpec]]:
        """Members with no teammate in their breakout (only where pairs are the goal and the
        team has someone to pair with)."""
        if not self.goal.pairs or sum(len(p) for _, p in self.chosen) + len(self.undecided) < 2:
            return []
        return [(people[0], s) for s, people in self.chosen if len(people) == 1]

    @property
    def covered(self) -> set[str]:
        return {breakout_name(s.title) for s, _ in self.chosen}

    def short(self) -> bool:
        """Whether this round falls short of its own goal."""
        goal = self.goal
        return bool(
            (goal.stated and self.undecided)
            or self.alone
            or (goal.team_covers is not None and len(self.covered) < goal.team_covers)
        )


@dataclass(frozen=True)
class TeamCoverage:
    """One team's breakouts across the rounds, against the event's goal."""

    team: TeamSpec
    members: list[Person]
    rounds: list[RoundCoverage]
    offered: list[str]  # every different breakout open to the team: the first title of each
    goal: int | None  # different breakouts across the rounds (the event's `team_covers`)

    @property
    def covered(self) -> list[str]:
        names = set().union(*(r.covered for r in self.rounds)) if self.rounds else set()
        return [t for t in self.offered if breakout_name(t) in names]

    @property
    def uncovered(self) -> list[str]:
        covered = set(self.covered)
        return [t for t in self.offered if t not in covered]

    def ahead(self, now: datetime | None) -> list[RoundCoverage]:
        """The rounds whose choices can still change at `now` (every round, for None)."""
        return [r for r in self.rounds if now is None or r.round.start > now]

    def short(self, now: datetime | None = None) -> bool:
        """Whether the team falls short of the goal in what can still change at `now`."""
        return bool(self.ahead(now)) and (
            (self.goal is not None and len(self.covered) < self.goal)
            or any(r.short() for r in self.ahead(now))
        )

    def alone_count(self) -> int:
        return sum(len(r.alone) for r in self.rounds)

    def undecided_count(self) -> int:
        return sum(len(r.undecided) for r in self.rounds)


def read_choices(session: Session, people: Iterable[str] | None = None) -> Choices:
    """Every breakout choice (or those of `people`, by roster id), by person and round."""
    query = select(BreakoutChoice.person_id, BreakoutChoice.round_key, BreakoutChoice.session_id)
    if people is not None:
        query = query.where(col(BreakoutChoice.person_id).in_(list(people)))
    choices: Choices = {}
    for person_id, round_key, session_id in session.exec(query).all():
        choices.setdefault(person_id, {})[round_key] = session_id
    return choices


def members_of(event: Event, team: TeamSpec) -> list[Person]:
    """The team's people on the roster, in roster order."""
    return [p for p in event.people.values() if team.id in p.teams]


def team_coverage(event: Event, team: TeamSpec, choices: Choices) -> TeamCoverage:
    """What one team's choices cover: each round (of those open to any member), and the
    different breakouts across them."""
    members = members_of(event, team)
    covered_rounds = []
    offered: dict[str, str] = {}
    order = {session_id: n for n, session_id in enumerate(event.sessions)}  # the event file's
    for r in rounds(event):
        open_to = [p for p in members if any(event.is_for(p, s) for s in r.sessions)]
        if not open_to:
            continue
        for s in sorted(r.sessions, key=lambda s: order[s.id]):
            if any(event.is_for(p, s) for p in open_to):
                offered.setdefault(breakout_name(s.title), s.title)
        by_session: dict[str, list[Person]] = {}
        undecided = []
        ids = {s.id for s in r.sessions}
        for person in open_to:
            chosen = (choices.get(person.id) or {}).get(r.key)
            if chosen in ids:
                by_session.setdefault(chosen, []).append(person)
            else:
                undecided.append(person)
        covered_rounds.append(
            RoundCoverage(
                round=r,
                goal=round_goal(event, r.start),
                chosen=[
                    (s, by_session[s.id])
                    for s in sorted(r.sessions, key=lambda s: order[s.id])
                    if s.id in by_session
                ],
                undecided=undecided,
            )
        )
    goal = event.breakouts.team_covers if event.breakouts else None
    return TeamCoverage(team, members, covered_rounds, list(offered.values()), goal)


def teams_with_breakouts(event: Event, choices: Choices) -> list[TeamCoverage]:
    """Every team some breakout is open to, in the event file's order."""
    found = [team_coverage(event, team, choices) for team in event.teams.values()]
    return [t for t in found if t.rounds]


def short_of_goal(
    event: Event, session: Session, key: str, now: datetime
) -> list[tuple[TeamCoverage, Round]]:
    """The teams short of the goal in what can still change at `now`, among those the round
    `key` is open to, with that round: whom the DM before the round goes to."""
    choices = read_choices(session)
    found = []
    for coverage in teams_with_breakouts(event, choices):
        this = next((r for r in coverage.rounds if r.round.key == key), None)
        if this is not None and coverage.short(now):
            found.append((coverage, this.round))
    return found


def round_members(coverage: TeamCoverage, key: str) -> list[Person]:
    """The team's members a round is open to (who chose and who has not)."""
    this = next((r for r in coverage.rounds if r.round.key == key), None)
    if this is None:
        return []
    return [
        p for p in coverage.members if p in this.undecided or any(p in people for _, people in this.chosen)
    ]


class Coverage:
    """Breakout coverage over the database: for one person's team, a team, or every team."""

    def __init__(self, *, event: Event, engine: Engine, clock: Clock) -> None:
        self.event = event
        self.engine = engine
        self.clock = clock

    @classmethod
    def of(cls, agenda: Agenda) -> Coverage:
        """Coverage over the same event, database and clock as `agenda`."""
        return cls(event=agenda.event, engine=agenda.engine, clock=agenda.clock)

    def _choices(self, people: Iterable[str] | None = None) -> Choices:
        with reading(self.engine) as session:
            return read_choices(session, people)

    def of_person(self, person: Person) -> list[TeamCoverage]:
        """The coverage of each of a person's teams that has breakouts."""
        teams = [self.event.teams[t] for t in person.teams if t in self.event.teams]
        # Only their teammates' choices count: read those, not the whole event's.
        choices = self._choices({p.id for team in teams for p in members_of(self.event, team)})
        return [c for c in (team_coverage(self.event, t, choices) for t in teams) if c.rounds]

    def every_team(self) -> list[TeamCoverage]:
        return teams_with_breakouts(self.event, self._choices())

    def team(self, team: TeamSpec) -> TeamCoverage:
        coverage = team_coverage(self.event, team, self._choices())
        if not coverage.rounds:
            raise UserError(f"No breakouts are open to {team.name}.")
        return coverage

    def round_at(self, at: time, day: date) -> Round:
        """The round that starts at the event-local time `at` (on `day`, if rounds start then on
        several days); a UserError naming the rounds there are."""
        found = rounds(self.event)
        if not found:
            raise UserError("This event has no breakout sessions.")
        then = [r for r in found if r.start.astimezone(self.event.tz).time() == at]
        if not then:
            raise UserError(f"No breakouts start at {formatting.clock(at)}. {rounds_line(self.event, found)}")
        return next((r for r in then if r.start.astimezone(self.event.tz).date() == day), then[0])


def rounds_line(event: Event, found: list[Round]) -> str:
    """ "Breakout rounds start at 10:00 AM and 11:15 AM on Saturday, May 9." (each day's)."""
    by_day: dict[date, list[str]] = {}
    for r in found:
        local = r.start.astimezone(event.tz)
        by_day.setdefault(local.date(), []).append(formatting.clock(local))
    days = formatting.listing(f"{formatting.listing(t)} on {formatting.day(d)}" for d, t in by_day.items())
    return f"Breakout {formatting.plural(len(found), 'round starts', 'rounds start')} at {days}."


def find_team(event: Event, text: str) -> TeamSpec:
    """The team `text` names: its id, its name, or words of its name; a UserError with the
    closest names when it names none, or names several."""
    wanted = " ".join(text.split()).casefold()
    if wanted in event.teams:
        return event.teams[wanted]
    exact = [t for t in event.teams.values() if t.name.casefold() == wanted]
    if exact:
        return exact[0]
    words = wanted.split()
    matches = [t for t in event.teams.values() if words and all(w in t.name.casefold() for w in words)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = formatting.listing([mrkdwn(t.name) for t in matches[:5]], style="or")
        more = f" (and {formatting.number(len(matches) - 5)} more)" if len(matches) > 5 else ""
        raise UserError(
            f"“{mrkdwn(truncate(text.strip(), 80))}” names several teams: {names}{more}. Which one?"
        )
    by_name = {t.name.casefold(): t for t in event.teams.values()} | {t.id: t for t in event.teams.values()}
    close = difflib.get_close_matches(wanted, list(by_name), n=3, cutoff=0.6)
    hint = (
        " Did you mean "
        + formatting.listing(dict.fromkeys(mrkdwn(by_name[c].name) for c in close), style="or")
        + "?"
        if close
        else " `/coverage` lists every team."
    )
    raise UserError(f"There is no team called “{mrkdwn(truncate(text.strip(), 80))}”.{hint}")
