"""Team polls: a poll each team answers once (any member, for the whole team), the focus
questions that go with the team's answer, and who has not answered yet.

A team's answer is one `Response` whose voter is the team (`team_key`); who gave it is
its `user_id`. Answers to one poll are taken one at a time (the poll's row is locked, and
SQLite has one writer), so of two teammates answering at the same moment the later
transaction replaces the earlier answer, and each is told what stands.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from bot.core import Clock, UserError, formatting
from bot.delivery import outbox
from bot.event import Event, Person, PollScope, PollSpec, TeamSpec
from bot.people import Directory
from bot.slack import mrkdwn
from storage.db import reading, transaction
from storage.models import Poll, Response

TEAM_KEY = "team:"


def team_key(team_id: str) -> str:
    """The voter key of a team's answer (a long team id is hashed to fit the column)."""
    if len(team_id) <= 64 - len(TEAM_KEY):
        return TEAM_KEY + team_id
    return TEAM_KEY + hashlib.sha256(team_id.encode()).hexdigest()[: 64 - len(TEAM_KEY)]


def focus_key(poll_id: str, team_id: str, choice: int, person_id: str) -> str:
    """The outbox key of one member's focus questions for one of the team's answers: they go
    once per team, answer and member, however often the team comes back to that answer."""
    return f"focus:{poll_id}:{team_id}:{choice}:{person_id}"


def nudge_key(poll_id: str, team_id: str, person_id: str) -> str:
    """The outbox key of one member's nudge to answer for the team: a team is nudged once."""
    return f"team-nudge:{poll_id}:{team_id}:{person_id}"


@dataclass(frozen=True)
class Given:
    """A team's answer as it stands: the option, who gave it and when."""

    choice: int
    label: str
    user: str | None
    name: str
    at: datetime | None


@dataclass(frozen=True)
class TeamAnswer:
    """What one member's answer did to the team's, for that member's confirmation."""

    poll: Poll
    team: TeamSpec
    user: str  # who answered
    answer: Given  # the team's answer now
    previous: Given | None
    repeated: bool
    questions: bool  # the answer has focus questions, on their way to the team

    def message(self) -> str:
        team, question = mrkdwn(self.team.name), mrkdwn(self.poll.question)
        label = mrkdwn(self.answer.label)
        if self.repeated:
            by = "you" if self.answer.user == self.user else mrkdwn(self.answer.name)
            return f"Already {team}'s answer: *{label}* (given by {by}).\n_{question}_"
        if self.previous is not None:
            head = (
                f"Changed {team}'s answer from *{mrkdwn(self.previous.label)}* "
                f"(given by {mrkdwn(self.previous.name)}) to *{label}*; your teammates are told."
            )
        else:
            head = (
                f"Recorded for {team}: *{label}*. "
                "Your teammates see it and can change it until the poll closes."
            )
        tail = "\nThe focus questions for it are on their way to each of you." if self.questions else ""
        return f"{head}\n_{question}_{tail}"


@dataclass(frozen=True)
class TeamCard:
    """A team poll as one member's Home tab shows it during team time."""

    poll: Poll
    team: TeamSpec
    answer: Given | None
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Standing:
    """Which teams have answered a team poll, for facilitators."""

    poll: Poll
    answered: list[tuple[TeamSpec, Given]]
    missing: list[TeamSpec]
    expected: list[TeamSpec]


class TeamPolls:
    """The rules of polls answered by teams, over the database."""

    def __init__(self, *, event: Event, engine: Any, clock: Clock, directory: Directory) -> None:
        self.event = event
        self.engine = engine
        self.clock = clock
        self.directory = directory

    def spec(self, poll_id: str) -> PollSpec | None:
        """The event file's definition of a team poll; None for any other poll."""
        spec = self.event.polls.get(poll_id)
        return spec if spec is not None and spec.scope == PollScope.TEAM else None

    def teams(self, spec: PollSpec) -> list[TeamSpec]:
        """The teams expected to answer: the poll's audience teams with someone in its audience."""
        present = {t for p in self.event.audience(spec) for t in p.teams}
        return [t for t in self.event.audience_teams(spec) if t.id in present]

    def team_of(self, person: Person | None, spec: PollSpec) -> TeamSpec | None:
        """The team a person answers a team poll for: their first team among those expected."""
        if person is None or not self.event.is_for(person, spec):
            return None
        expected = {t.id: t for t in self.teams(spec)}
        return next((expected[t] for t in person.teams if t in expected), None)

    def members(self, team: TeamSpec, spec: PollSpec) -> list[Person]:
        return [p for p in self.event.audience(spec) if team.id in p.teams]

    # ------------------------------------------------------------ answers

    def answer(self, *, poll: Poll, user_id: str, choice: int, reply_to: dict[str, Any] | None) -> TeamAnswer:
        """Record `choice` as the answer of `user_id`'s team, replacing a teammate's; queue the
        confirmation, the poll message's refresh and the team's DMs, all in one transaction."""
        spec = self.spec(poll.id)
        assert spec is not None
        person = self.directory.person(user_id, ask_slack=False)
        team = self.team_of(person, spec)
        noun = self.event.team_noun(1, self.teams(spec))
        if team is None:
            raise UserError(
                f"_{mrkdwn(poll.question)}_ is answered by each {noun}, and you are not on one of them, "
                "so nothing was recorded."
            )
        now = self.clock.now()
        with transaction(self.engine) as session:
            # One answer to this poll at a time: the second of two teammates waits, then sees the first's.
            locked = session.exec(select(Poll).where(Poll.id == poll.id).with_for_update()).first()
            if locked is None:
                raise UserError("That poll no longer exists.")
            if locked.status == "closed":
                raise UserError(
                    f"This poll is closed; your answer to _{mrkdwn(poll.question)}_ was not recorded."
                )
            if locked.status != "open":
                raise UserError("This poll is not open yet.")
            row = self._response(session, poll.id, team.id)
            previous = self._given(poll, row) if row is not None else None
            given = Given(choice, poll.options[choice], user_id, self.directory.display(user_id), now)
            repeated = previous is not None and previous.choice == choice
            if repeated:
                assert previous is not None
                receipt = TeamAnswer(poll, team, user_id, previous, previous, True, False)
            else:
                if row is None:
                    row = Response(poll_id=poll.id, voter_key=team_key(team.id))
                row.choices, row.user_id, row.role, row.updated_at = [choice], user_id, None, now
                session.add(row)
                if locked.message_ts:
                    outbox.request_refresh(session, poll_id=poll.id, now=now)
                questions = self._tell_team(session, spec, poll, team, given, previous, now)
                receipt = TeamAnswer(poll, team, user_id, given, previous, False, questions)
            if reply_to:
                outbox.enqueue_notice(session, reply_to, receipt.message(), now=now)
            return receipt

    def _tell_team(
        self,
        session: Session,
        spec: PollSpec,
        poll: Poll,
        team: TeamSpec,
        given: Given,
        previous: Given | None,
        now: datetime,
    ) -> bool:
        """DM each member the team's new answer: with its focus questions once per team and
        answer (the key holds a redelivery or a return to an earlier answer), else as a note
        to the teammates. Whether the answer has focus questions."""
        questions = spec.focus_for(given.label)
        for member in self.members(team, spec):
            user = self.directory.slack_id(member.id)
            if user is None:
                continue
            if questions and outbox.enqueue_dm(
                session,
                user=user,
                text=focus_message(poll, team, given, previous, questions),
                now=now,
                key=focus_key(poll.id, team.id, given.choice, member.id),
                describe="the team's focus questions",
            ):
                continue
            if user == given.user:
                continue
            outbox.enqueue_dm(
                session,
                user=user,
                text=change_message(poll, team, given, previous, again=bool(questions)),
                now=now,
                key=f"team-answer:{poll.id}:{team.id}:{member.id}:{now.isoformat()}:{given.choice}",
                describe="the team's answer",
            )
        return bool(questions)

    # ------------------------------------------------------------ who has answered

    def standing(self, *, poll_id: str, user_id: str) -> Standing:
        """Which teams have answered a team poll and which have not, for staff."""
        self.directory.require_staff(user_id, "see which teams have answered")
        spec = self._require(poll_id)
        with reading(self.engine) as session:
            poll = session.get(Poll, spec.id)
            assert poll is not None
            rows = {r.voter_key: r for r in session.exec(select(Response).where(Response.poll_id == spec.id))}
        expected = self.teams(spec)
        answered = [(t, self._given(poll, rows[team_key(t.id)])) for t in expected if team_key(t.id) in rows]
        missing = [t for t in expected if team_key(t.id) not in rows]
        return Standing(poll, answered, missing, expected)

    def nudge(self, *, poll_id: str, user_id: str) -> tuple[list[TeamSpec], int, list[TeamSpec]]:
        """DM the members of each team that has not answered, once per team: the teams nudged
        now, how many people that reached, and the teams nudged before."""
        self.directory.require_staff(user_id, "nudge teams")
        spec = self._require(poll_id)
        now = self.clock.now()
        nudged: list[TeamSpec] = []
        before: list[TeamSpec] = []
        reached = 0
        with transaction(self.engine) as session:
            poll = session.get(Poll, spec.id)
            assert poll is not None
            if poll.status != "open":
                state = "has closed" if poll.status == "closed" else "is not open yet"
                raise UserError(f"`{poll.id}` {state}: there is nothing to nudge teams to answer.")
            answered = set(session.exec(select(Response.voter_key).where(Response.poll_id == spec.id)).all())
            for team in self.teams(spec):
                if team_key(team.id) in answered:
                    continue
                sent = 0
                for member in self.members(team, spec):
                    user = self.directory.slack_id(member.id)
                    if user and outbox.enqueue_dm(
                        session,
                        user=user,
                        text=nudge_message(poll, team),
                        now=now,
                        key=nudge_key(poll.id, team.id, member.id),
                        describe="a nudge to answer for the team",
                    ):
                        sent += 1
                if sent:
                    nudged.append(team)
                    reached += sent
                else:
                    before.append(team)
        return nudged, reached, before

    # ------------------------------------------------------------ the Home tab

    def cards(self, person: Person | None) -> list[TeamCard]:
        """The team polls of team time for one person's Home tab: those open now, or whose
        session is on now, each with the team's answer and its focus questions."""
        if person is None:
            return []
        now = self.clock.now()
        specs = [s for s in self.event.polls.values() if s.scope == PollScope.TEAM]
        found = []
        with reading(self.engine) as session:
            for spec in specs:
                team = self.team_of(person, spec)
                poll = session.get(Poll, spec.id) if team else None
                if team is None or poll is None or not (poll.status == "open" or self._in_session(spec, now)):
                    continue
                row = self._response(session, spec.id, team.id)
                given = self._given(poll, row) if row is not None else None
                found.append(TeamCard(poll, team, given, spec.focus_for(given.label) if given else ()))
        return found

    # ------------------------------------------------------------ internals

    def _require(self, poll_id: str) -> PollSpec:
        spec = self.spec((poll_id or "").strip().lower())
        if spec is None:
            team_polls = ", ".join(f"`{p}`" for p, s in self.event.polls.items() if s.scope == PollScope.TEAM)
            hint = f" The team polls: {team_polls}." if team_polls else " The event file has none."
            raise UserError(f"`{mrkdwn(poll_id or '')}` is not a poll answered by teams.{hint}")
        return spec

    def _in_session(self, spec: PollSpec, now: datetime) -> bool:
        session = self.event.sessions.get(spec.session or "")
        return session is not None and self.event.session_start(session) <= now < self.event.session_end(
            session
        )

    @staticmethod
    def _response(session: Session, poll_id: str, team_id: str) -> Response | None:
        return session.exec(
            select(Response).where(Response.poll_id == poll_id, Response.voter_key == team_key(team_id))
        ).first()

    def _given(self, poll: Poll, row: Response) -> Given:
        choice = (row.choices or [0])[0]
        label = poll.options[choice] if 0 <= choice < len(poll.options) else "?"
        name = self.directory.display(row.user_id) if row.user_id else "a teammate"
        return Given(choice, label, row.user_id, name, row.updated_at)


def expected_teams(event: Event, poll: Poll) -> list[TeamSpec] | None:
    """The teams a team poll is for (those of its audience with someone present); None for a
    poll answered by each person."""
    spec = event.polls.get(poll.id)
    if spec is None or spec.scope != PollScope.TEAM:
        return None
    present = {t for p in event.audience(spec) for t in p.teams}
    return [t for t in event.audience_teams(spec) if t.id in present]


def team_count(event: Event, poll: Poll, respondents: int) -> str | None:
    """How many of the expected teams have answered a team poll ("12 of 47 district teams
    answered"); None for a poll answered by each person."""
    expected = expected_teams(event, poll)
    if expected is None:
        return None
    return f"{formatting.number(respondents)} of {event.count_teams(expected)} answered"


def team_noun(event: Event, poll: Poll) -> str | None:
    """What a team poll's shares are shares of ("district teams"); None for a poll answered by
    each person."""
    expected = expected_teams(event, poll)
    return None if expected is None else event.team_noun(0, expected)


# ------------------------------------------------------------------ what the team is told


def _answered_line(poll: Poll, team: TeamSpec, given: Given, previous: Given | None) -> str:
    head = f"*{mrkdwn(team.name)}* · _{mrkdwn(poll.question)}_\n"
    if previous is not None:
        return head + (
            f"{mrkdwn(given.name)} changed your team's answer from *{mrkdwn(previous.label)}* "
            f"to *{mrkdwn(given.label)}*."
        )
    return head + f"{mrkdwn(given.name)} answered for your team: *{mrkdwn(given.label)}*."


def focus_message(
    poll: Poll, team: TeamSpec, given: Given, previous: Given | None, questions: tuple[str, ...]
) -> str:
    """The DM that gives each member the focus questions for the team's answer."""
    listed = "\n".join(f"{n}. {mrkdwn(q)}" for n, q in enumerate(questions, 1))
    return (
        f"{_answered_line(poll, team, given, previous)}\n\n*Your team's focus questions*\n{listed}\n"
        "_They stay on your Home tab in Convene during team time._"
    )


def change_message(poll: Poll, team: TeamSpec, given: Given, previous: Given | None, *, again: bool) -> str:
    """The DM that tells the other members their team's answer (when it brings no new questions)."""
    text = _answered_line(poll, team, given, previous)
    if again:
        text += "\n_Its focus questions came earlier and are on your Home tab._"
    return text + "\nAny of you can change it until the poll closes."


def nudge_message(poll: Poll, team: TeamSpec) -> str:
    """The one nudge to the members of a team that has not answered."""
    where = f" in <#{poll.channel_id}>" if poll.channel_id else ""
    return (
        f"*{mrkdwn(team.name)}* has not answered _{mrkdwn(poll.question)}_ yet. Any one of you can "
        f"answer for the team with the buttons on the poll{where}."
    )
