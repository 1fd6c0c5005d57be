"""What organizers learn: poll results split by role, side and team, participation, and the
day's problems. Anonymous answers are only ever shown in groups of five or more.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from bot.agenda import concerned
from bot.closing import word_frequencies
from bot.event import Event, PollKind
from bot.people import Directory
from bot.polls import MIN_CELL, Group, Tally, choice_labels, groups, tally
from storage.models import Outbox, Poll, Response


@dataclass
class PollResult:
    """A poll's results, overall and split."""

    poll: Poll
    labels: list[str]
    tally: Tally
    by_role: list[Group] = field(default_factory=list)
    by_side: list[Group] = field(default_factory=list)
    by_team: list[Group] | None = None  # None for anonymous polls: every team is smaller than five
    eligible: int | None = None


def poll_result(session: Session, event: Event, directory: Directory, poll: Poll) -> PollResult:
    """Results of one poll, split by role, side and (for named polls) team."""
    labels = choice_labels(poll)
    result = PollResult(poll=poll, labels=labels, tally=tally(session, poll))
    if poll.session_id in event.sessions:
        result.eligible = len(concerned(event, session, event.sessions[poll.session_id]))
    elif event.polls.get(poll.id) and (event.polls[poll.id].pre_event or event.polls[poll.id].dm):
        result.eligible = len(event.people)
    if poll.kind == PollKind.OPEN_TEXT:
        return result
    rows = session.exec(
        select(Response.role, Response.user_id, Response.choices).where(Response.poll_id == poll.id)
    ).all()
    by_role: dict[str, list[list[int]]] = defaultdict(list)
    by_side: dict[str, list[list[int]]] = defaultdict(list)
    by_team: dict[str, list[list[int]]] = defaultdict(list)
    for voter_role, user_id, chosen in rows:
        picks = list(chosen or [])
        role_spec = event.roles.get(voter_role or "")
        by_role[role_spec.label if role_spec else "Not on the roster"].append(picks)
        side = role_spec.side.value.capitalize() if role_spec and role_spec.side else "Other"
        by_side[side].append(picks)
        if not poll.anonymous:
            person = directory.person(user_id) if user_id else None
            team = event.teams.get(person.team) if person and person.team else None
            by_team[team.name if team else "No team"].append(picks)
    order = [r.label for r in event.roles.values()] + ["Not on the roster"]
    result.by_role = groups(by_role, len(labels), anonymous=poll.anonymous, order=order)
    result.by_side = groups(
        by_side, len(labels), anonymous=poll.anonymous, order=["Management", "Labor", "Other"]
    )
    if not poll.anonymous:
        result.by_team = groups(
            by_team, len(labels), anonymous=False, order=[t.name for t in event.teams.values()]
        )
    return result


@dataclass
class Participation:
    """Who has taken part: distinct people who answered a named poll, and anonymous answers."""

    by_role: list[tuple[str, int, int]]  # label, answered, on the roster
    by_team: list[tuple[str, int, int]]
    anonymous_by_role: list[tuple[str, int | None]]  # None: fewer than five


def participation(
    session: Session, event: Event, directory: Directory, since: datetime | None = None
) -> Participation:
    """Participation in polls (since `since`, if given)."""
    query = select(Response.user_id, Response.role, Poll.anonymous).join(
        Poll, col(Poll.id) == Response.poll_id
    )
    if since is not None:
        query = query.where(col(Poll.launched_at) >= since)
    answered: set[str] = set()
    anonymous_roles: Counter[str] = Counter()
    for user_id, voter_role, is_anonymous in session.exec(query).all():
        if is_anonymous:
            anonymous_roles[voter_role or ""] += 1
        elif user_id:
            person = directory.person(user_id)
            if person:
                answered.add(person.id)
    by_role, by_team = [], []
    for role in event.roles.values():
        members = [p for p in event.people.values() if p.role == role.id]
        if members:
            by_role.append((role.label, sum(1 for p in members if p.id in answered), len(members)))
    for team in event.teams.values():
        members = [p for p in event.people.values() if team.id in p.teams]
        by_team.append((team.name, sum(1 for p in members if p.id in answered), len(members)))
    anonymous = [
        (event.roles[r].label if r in event.roles else "Not on the roster", n if n >= MIN_CELL else None)
        for r, n in anonymous_roles.items()
    ]
    return Participation(by_role=by_role, by_team=by_team, anonymous_by_role=anonymous)


def top_words(
    session: Session, event: Event, polls: list[Poll], stop_words: list[str], n: int = 10
) -> list[tuple[str, int]]:
    """The most common words of the open answers to `polls`."""
    ids = [
        p.id
        for p in polls
        if p.kind == PollKind.OPEN_TEXT and not (p.results == "hidden" and p.status != "closed")
    ]
    if not ids:
        return []
    texts = [t for t in session.exec(select(Response.text).where(col(Response.poll_id).in_(ids))).all() if t]
    return word_frequencies(texts, stop_words=stop_words).most_common(n)


def delivery_problems(session: Session, since: datetime | None = None) -> list[tuple[str, str, str]]:
    """Sends that failed for good: (what, where, why)."""
    query = select(Outbox).where(Outbox.status == "failed")
    if since is not None:
        query = query.where(col(Outbox.created_at) >= since)
    problems = []
    for row in session.exec(query.order_by(col(Outbox.id))).all():
        problems.append(
            (str(row.payload.get("describe") or row.kind), row.channel or "", row.last_error or "")
        )
    return problems
