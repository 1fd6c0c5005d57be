"""What a rehearsal reads back from the database to tell an organizer: each team poll team by
team (who answered, the nudge, the focus questions) and the breakout goal (the teams that
cannot reach it, how many did), in words for the person who runs the event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from sqlmodel import Session, col, select

from bot.agenda.coverage import RoundCoverage, TeamCoverage, read_choices, teams_with_breakouts
from bot.agenda.service import rounds
from bot.core import formatting, utc
from bot.delivery import plain_error
from bot.event import Event, Person, PollScope, PollSpec, TeamSpec
from bot.insights import coverage_summary
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

    def why_silent(self, spec: PollSpec, tz: tzinfo) -> str:
        """Why the team may not have answered, as far as its nudge tells."""
        if self.nudged:
            first = min(utc(r.sent_at) for r in sent(self.nudges) if r.sent_at)
            reached = formatting.count(len(sent(self.nudges)), "member", "members")
            return (
                f"the nudge reached {reached} at {formatting.clock(first.astimezone(tz))}, "
                "and nobody answered after it"
            )
        if self.nudges:
            return f"its nudge did not reach any of them ({why_undelivered(self.nudges)})"
        return (
            "no nudge reached it: none of its members were found in Slack, "
            f"or nobody ran `/poll nudge {spec.id}` while the poll was open"
        )


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


def why_undelivered(rows: list[Outbox]) -> str:
    """Why DMs reached nobody: the errors they failed with, or that they were still waiting to
    be sent when the rehearsal ended."""
    errors = sorted({plain_error(r.last_error) for r in rows if r.status == "failed"})
    waiting = [r for r in rows if r.status not in ("failed", "sent")]
    parts = [f"not delivered: {'; '.join(errors)}"] if errors else []
    if waiting:
        parts.append(f"{formatting.count(len(waiting), 'DM', 'DMs')} still waiting to be sent at the end")
    return ", ".join(parts)


def team_poll_findings(event: Event, outcome: TeamPollOutcome) -> list[Finding]:
    """Each team that never answered a team poll, and each that answered but none of whose
    members got the focus questions for the answer, with why."""
    spec, poll = outcome.spec, outcome.poll
    found = []
    for t in outcome.teams:
        if t.choice is None:
            ended = (
                f"before it closed at {formatting.clock(utc(poll.closed_at).astimezone(event.tz))}"
                if poll.closed_at
                else "while it was open"
            )
            detail = f"{t.team.name} never answered {spec.id} {ended}: {t.why_silent(spec, event.tz)}"
            found.append(Finding("team never answered", detail))
            continue
        label = poll.options[t.choice] if 0 <= t.choice < len(poll.options) else ""
        if not spec.focus_for(label) or sent(t.focus):
            continue
        why = why_undelivered(t.focus) if t.focus else "none of its members were found in Slack"
        members = formatting.count(len(t.members), "member", "members")
        found.append(
            Finding(
                "team without its focus questions",
                f"{t.team.name} answered {spec.id} with “{label}”, but none of its {members} "
                f"got the focus questions for it: {why}",
            )
        )
    return found


# ------------------------------------------------------------------ breakout goals


def coverage_findings(event: Event, session: Session) -> list[Finding]:
    """Each team that could not reach the event's breakout goal whatever its members chose (too
    few people for the breakouts asked of them): a thing to fix in the event file or the roster
    before the day. Teams whose simulated choices merely fell short are not findings: people
    leave gaps, and the report's Breakout coverage section shows them (see `coverage_activity`)."""
    if event.breakouts is None:
        return []
    found = []
    for coverage in teams_with_breakouts(event, read_choices(session)):
        why = out_of_reach_why(event, coverage) if coverage.short() else None
        if why is not None:
            found.append(Finding("breakout goal out of reach", f"{coverage.team.name}: {why}"))
    return found


def coverage_activity(event: Event, session: Session) -> str | None:
    """The breakout goal in the rehearsal's account of what people did: how many teams met it,
    who was on their own."""
    if event.breakouts is None:
        return None
    teams = teams_with_breakouts(event, read_choices(session))
    named = "The report's Breakout coverage section names the teams."
    return f"Breakout coverage. {coverage_summary(event, teams)} {named}"


def round_time(event: Event, r: RoundCoverage) -> str:
    """A round by its start: "10:00 AM", with its day when the rounds span several days."""
    local = r.round.start.astimezone(event.tz)
    days = {x.start.astimezone(event.tz).date() for x in rounds(event)}
    return formatting.clock(local) if len(days) == 1 else formatting.day_and_clock(local)


def _breakouts(n: int) -> str:
    return formatting.count(n, "different breakout", "different breakouts")


def out_of_reach_why(event: Event, coverage: TeamCoverage) -> str | None:
    """Why a team cannot meet the breakout goal whatever its members choose; None if it can.
    In a round a team has as many groups as people there (with pairs, half as many, and one
    for a lone member), each covers one breakout, and no more than the round offers them."""
    most = []
    for r in coverage.rounds:
        people = [*r.undecided, *(p for _, group in r.chosen for p in group)]
        groups = len(people) // 2 if r.goal.pairs and len(people) >= 2 else len(people)
        offered = sum(1 for s in r.round.sessions if any(event.is_for(p, s) for p in people))
        most.append(min(groups, offered))
        if r.goal.team_covers is not None and most[-1] < r.goal.team_covers:
            members = formatting.count(len(people), "member", "members")
            return (
                f"the {round_time(event, r)} round asks for {_breakouts(r.goal.team_covers)}, and its "
                f"{members} there{' going in pairs' if r.goal.pairs and len(people) > 1 else ''} can cover "
                f"at most {formatting.number(most[-1])}, whatever they choose"
            )
    total = min(len(coverage.offered), sum(most))
    if coverage.goal is not None and total < coverage.goal:
        members = formatting.count(len(coverage.members), "member", "members")
        pairs = (
            " going in pairs"
            if len(coverage.members) > 1 and any(r.goal.pairs for r in coverage.rounds)
            else ""
        )
        rounds_ = formatting.count(len(coverage.rounds), "round", "rounds")
        return (
            f"with {members}{pairs}, it can cover at most {_breakouts(total)} over {rounds_} whatever "
            f"its members choose; the goal is {formatting.number(coverage.goal)}"
        )
    return None
