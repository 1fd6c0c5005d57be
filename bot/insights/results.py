"""What organizers learn: poll results split by role, side and team, participation, and the
day's problems. Anonymous answers are only ever shown in groups of five or more.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from bot.closing.clouds import word_frequencies
from bot.event.spec import Event, PollKind, SessionKind, SessionSpec
from bot.people.directory import Directory
from bot.polls.service import tally
from bot.polls.views import Tally, choice_labels
from storage.models import BreakoutChoice, Outbox, Poll, Response

MIN_CELL = 5  # the smallest group an anonymous result is shown for
FEWER = "fewer than 5"


@dataclass
class Group:
    """One group's answers; `counts` is None when the group is too small to show."""

    label: str
    respondents: int | None
    counts: list[int] | None

    @property
    def hidden(self) -> bool:
        return self.counts is None

    def percent(self, index: int) -> int | None:
        if self.counts is None or not self.respondents:
            return None
        return round(100 * self.counts[index] / self.respondents)

    def agree(self) -> int | None:
        """For ratings: the share of 4s and 5s."""
        if self.counts is None or not sum(self.counts):
            return None
        return round(100 * sum(self.counts[3:]) / sum(self.counts))


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
    result.by_role = _groups(by_role, len(labels), anonymous=poll.anonymous, order=order)
    result.by_side = _groups(
        by_side, len(labels), anonymous=poll.anonymous, order=["Management", "Labor", "Other"]
    )
    if not poll.anonymous:
        result.by_team = _groups(
            by_team, len(labels), anonymous=False, order=[t.name for t in event.teams.values()]
        )
    return result


def _groups(
    answers: dict[str, list[list[int]]], size: int, *, anonymous: bool, order: list[str]
) -> list[Group]:
    groups = []
    for label in sorted(answers, key=lambda g: order.index(g) if g in order else len(order)):
        counts = [0] * size
        for choices in answers[label]:
            for i in choices:
                if 0 <= i < size:
                    counts[i] += 1
        groups.append(Group(label=label, respondents=len(answers[label]), counts=counts))
    if anonymous:
        _suppress(groups)
    return groups


def _suppress(groups: list[Group]) -> None:
    """Hide every group under five people, and one more when a single hidden group could
    otherwise be worked out by subtracting the shown ones from the total."""
    small = [g for g in groups if (g.respondents or 0) < MIN_CELL]
    for g in small:
        g.respondents, g.counts = None, None
    if len(small) == 1:
        shown = [g for g in groups if not g.hidden]
        if shown:
            smallest = min(shown, key=lambda g: g.respondents or 0)
            smallest.respondents, smallest.counts = None, None


@dataclass
class Statement:
    """One survey statement's answers on the 1-5 scale."""

    text: str
    counts: list[int]
    by_side: list[Group]

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def agree(self) -> int:
        return round(100 * sum(self.counts[3:]) / self.n) if self.n else 0


@dataclass
class SurveyResult:
    """An evaluation survey's results: statements, interests, comments."""

    poll: Poll
    respondents: int
    statements: list[Statement]
    interests: list[tuple[str, int]]
    comments: list[str]


def survey_result(session: Session, event: Event | None, poll: Poll) -> SurveyResult:
    """Aggregate a survey's answers; groups by side follow the fewer-than-5 rule when anonymous."""
    survey = poll.survey or {}
    texts = list(survey.get("statements") or [])
    rows = session.exec(
        select(Response.role, Response.answers).where(Response.poll_id == poll.id).order_by(col(Response.id))
    ).all()
    counts = [[0] * 5 for _ in texts]
    per_side: list[dict[str, list[list[int]]]] = [defaultdict(list) for _ in texts]
    interests = [0] * len(poll.options)
    comments = []
    for voter_role, answers in rows:
        answers = answers or {}
        role = event.roles.get(voter_role or "") if event else None
        side = role.side.value.capitalize() if role and role.side else "Other"
        for i, value in enumerate((answers.get("statements") or [])[: len(texts)]):
            if isinstance(value, int) and 0 <= value <= 4:
                counts[i][value] += 1
                per_side[i][side].append([value])
        for i in answers.get("interests") or []:
            if 0 <= i < len(interests):
                interests[i] += 1
        if answers.get("comments"):
            comments.append(str(answers["comments"]))
    statements = [
        Statement(
            text,
            counts[i],
            _groups(per_side[i], 5, anonymous=poll.anonymous, order=["Management", "Labor", "Other"]),
        )
        for i, text in enumerate(texts)
    ]
    return SurveyResult(
        poll=poll,
        respondents=len(rows),
        statements=statements,
        interests=list(zip(poll.options, interests, strict=True)),
        comments=comments,
    )


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
