"""What a rehearsal reads back from the database to tell an organizer: each team poll team by
team (who answered, the nudge, the focus questions), and its findings, worded for the person
who runs the event."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.event import Event, Person, PollScope, PollSpec, TeamSpec
from bot.polls import TeamPolls, focus_key, nudge_key, team_key
from storage.models import Outbox, Poll, Response


@dataclass
class Finding:
    """Something to look at before the day."""

    kind: str
    detail: str


def sent(rows: list[Outbox]) -> list[Outbox]:
    return [r for r in rows if r.status == "sent"]


@dataclass
class TeamOutcome:
    """One team and one team poll, after the rehearsal: its members, its answer, and the DMs
    that were for it (the focus questions for its answer, its nudge), whatever became of them."""

    team: TeamSpec
    members: list[Person]
    answer: Response | None
    focus: list[Outbox]
    nudges: list[Outbox]

    @property
    def choice(self) -> int | None:
        return self.answer.choices[0] if self.answer is not None and self.answer.choices else None

    @property
    def nudged(self) -> bool:
        return bool(sent(self.nudges))


@dataclass
class TeamPollOutcome:
    """A team poll that was launched, team by team."""

    spec: PollSpec
    poll: Poll
    teams: list[TeamOutcome]


def team_poll_outcomes(event: Event, teams: TeamPolls, session: Session) -> list[TeamPollOutcome]:
    """What became of each team poll that was launched, team by team."""
    found = []
    for spec in event.polls.values():
        poll = session.get(Poll, spec.id) if spec.scope == PollScope.TEAM else None
        if poll is None or poll.status == "draft":  # never launched: a finding of its own
            continue
        answers = {r.voter_key: r for r in session.exec(select(Response).where(Response.poll_id == spec.id))}
        outcomes = []
        for team in teams.teams(spec):
            members = teams.members(team, spec)
            answer = answers.get(team_key(team.id))
            nudges = [nudge_key(spec.id, team.id, m.id) for m in members]
            focus = []
            if answer is not None and answer.choices:
                focus = [focus_key(spec.id, team.id, answer.choices[0], m.id) for m in members]
            rows = {
                r.key: r
                for r in session.exec(select(Outbox).where(col(Outbox.key).in_(nudges + focus))).all()
            }
            outcomes.append(
                TeamOutcome(
                    team,
                    members,
                    answer,
                    focus=[rows[k] for k in focus if k in rows],
                    nudges=[rows[k] for k in nudges if k in rows],
                )
            )
        found.append(TeamPollOutcome(spec, poll, outcomes))
    return found
