"""What organizers learn: poll results split by role, side and team, participation, and the
day's problems. Anonymous answers are only ever shown in groups of five or more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from bot.agenda import concerned
from bot.closing import word_frequencies
from bot.event import Event, PollKind
from bot.polls import (
    SIDES,
    Group,
    PollService,
    Split,
    Tally,
    cell_count,
    cells,
    choice_labels,
    groups,
    side_label,
    split,
    tally,
    team_count,
    team_noun,
)
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
    counted: str = "respondents"  # what the shares are of: a team poll's are of teams ("district teams")


NOT_ON_ROSTER = "Not on the roster"


def answered(result: PollResult) -> str:
    """How many answered, out of whom: "12 of 188 answered", or for a team poll "12 of 47
    district teams answered"."""
    if result.tally.teams is not None:
        return result.tally.teams
    of = f" of {result.eligible}" if result.eligible is not None else ""
    return f"{result.tally.respondents}{of} answered"


def role_label(event: Event, role_id: str | None) -> str:
    role = event.roles.get(role_id or "")
    return role.label if role else NOT_ON_ROSTER


def split_by_role(
    event: Event, answers: list[tuple[str | None, list[int]]], size: int, *, anonymous: bool
) -> Split:
    """Each (role id, chosen indexes) answer counted by role and by side, the two published
    together and so protected together when `anonymous`."""
    by_role: dict[str, list[list[int]]] = defaultdict(list)
    side_of: dict[str, str] = {NOT_ON_ROSTER: "Other"}
    for role_id, picks in answers:
        label = role_label(event, role_id)
        by_role[label].append(picks)
        side_of[label] = side_label(event, role_id)
    return split(
        by_role,
        size,
        anonymous=anonymous,
        order=[r.label for r in event.roles.values()] + [NOT_ON_ROSTER],
        parent_of=side_of.__getitem__,
        parent_order=SIDES,
    )


def audience_of(session: Session, event: Event, poll: Poll) -> set[str] | None:
    """Roster ids of the people a poll is for: its session's (for a breakout, those who chose
    it), narrowed by the poll's own `audience:`; for a poll by DM or with an audience and no
    session, `Event.audience`. None when the event file does not say (a poll made in Slack
    outside any session): whoever saw it."""
    spec = event.polls.get(poll.id)
    if poll.session_id in event.sessions:
        audience = set(concerned(event, session, event.sessions[poll.session_id]))
        if spec is not None and spec.audience is not None:
            audience &= {p.id for p in event.audience(spec)}
        return audience
    if spec is not None and (spec.pre_event or spec.dm or spec.audience):
        return {p.id for p in event.audience(spec)}
    return None


def poll_result(session: Session, polls: PollService, poll: Poll) -> PollResult:
    """Results of one poll, split by role, side and (for named polls) team. For an anonymous
    poll, roles and sides go through disclosure control together; without the anonymity key
    they are not split at all. A team poll counts teams, split by team only."""
    event, directory = polls.event, polls.directory
    labels = choice_labels(poll)
    result = PollResult(poll=poll, labels=labels, tally=tally(session, poll))
    audience = audience_of(session, event, poll)
    result.eligible = None if audience is None else len(audience)
    # A team poll counts teams ("12 of 47 district teams answered"), as its message does.
    result.tally.teams = team_count(event, poll, result.tally.respondents)
    result.counted = team_noun(event, poll) or result.counted
    roles = polls.roles(session, poll)
    if poll.kind == PollKind.OPEN_TEXT or roles is None:
        return result
    rows = session.exec(
        select(Response.voter_key, Response.user_id, Response.choices).where(Response.poll_id == poll.id)
    ).all()
    answers = []
    by_team: dict[str, list[list[int]]] = defaultdict(list)
    # A ranking is counted by the (option, position) cells it fills: see bot.polls.ranking.
    ranking = poll.kind == PollKind.RANKING
    size = cell_count(len(labels)) if ranking else len(labels)
    for voter_key, user_id, chosen in rows:
        picks = cells(chosen, len(labels)) if ranking else list(chosen or [])
        answers.append((roles.get(voter_key), picks))
        if not poll.anonymous:
            # From the roster and the identities on record: a report never waits on Slack.
            person = directory.person(user_id, ask_slack=False) if user_id else None
            team = event.teams.get(person.team) if person and person.team else None
            by_team[team.name if team else "No team"].append(picks)
    if result.tally.teams is None:
        # By side and by role, but not a team poll: its answer is the whole team's (both sides,
        # every role), not that of whoever gave it.
        both = split_by_role(event, answers, size, anonymous=poll.anonymous)
        result.by_role, result.by_side = both.groups, both.parents
    if not poll.anonymous:
        result.by_team = groups(by_team, size, anonymous=False, order=[t.name for t in event.teams.values()])
    return result


@dataclass
class Participation:
    """Who has taken part: distinct people who answered a named poll, and anonymous answers."""

    by_role: list[tuple[str, int, int]]  # label, answered, of the people the polls were for
    by_team: list[tuple[str, int, int]]
    anonymous_by_role: list[tuple[str, int | None]]  # None: fewer than five
    polls: int = 0  # how many polls people answer each for themselves had launched


def participation(session: Session, polls: PollService, until: datetime | None = None) -> Participation:
    """Participation in every poll launched (before `until`, if given): a session's polls, the
    pre-event poll and surveys sent by DM alike. People count once, out of everyone any of the
    polls was for (`audience_of`); anonymous answers are counted by role through disclosure
    control, as the poll's own results are. Team polls are left out: one member answers for
    the team, and that is neither their own answer nor every member's. Reads the database and
    the roster, never Slack."""
    event, directory = polls.event, polls.directory
    launched = select(Poll).where(col(Poll.launched_at).is_not(None))
    if until is not None:
        launched = launched.where(col(Poll.launched_at) < until)
    # A team poll's answer is the whole team's, not its giver's: it counts for nobody here.
    polled = [p for p in session.exec(launched).all() if polls.teams.spec(p.id) is None]
    named = select(Response.user_id).where(
        col(Response.poll_id).in_([p.id for p in polled if not p.anonymous]),
        col(Response.user_id).is_not(None),
    )
    if until is not None:
        named = named.where(col(Response.updated_at) < until)
    answered = {
        person.id
        for user_id in session.exec(named).all()
        if user_id and (person := directory.person(user_id, ask_slack=False))
    }
    anonymous_answers: list[tuple[str | None, list[int]]] = [
        (role_id, [])
        for poll in polled
        if poll.anonymous
        for role_id in (polls.roles(session, poll) or {}).values()
    ]
    # Out of the people the polls were for: a day of polls for new teams counts new teams' members.
    audiences = [audience_of(session, event, poll) for poll in polled]
    if audiences and None not in audiences:
        concerned_ids = set().union(*(a for a in audiences if a is not None))
        eligible = [p for p in event.people.values() if p.id in concerned_ids]
    else:
        eligible = list(event.people.values())
    by_role, by_team = [], []
    for role in event.roles.values():
        members = [p for p in eligible if p.role == role.id]
        if members:
            by_role.append((role.label, sum(1 for p in members if p.id in answered), len(members)))
    for team in event.teams.values():
        members = [p for p in eligible if team.id in p.teams]
        by_team.append((team.name, sum(1 for p in members if p.id in answered), len(members)))
    shown = split_by_role(event, anonymous_answers, 0, anonymous=True)
    anonymous = [(g.label, g.respondents) for g in shown.groups]
    return Participation(by_role=by_role, by_team=by_team, anonymous_by_role=anonymous, polls=len(polled))


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
