"""Breakout coverage in words: a team's choices and what is missing, for the Home tab, /coverage
and the DM before each round. Every name and title is escaped; counts go through Babel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.agenda.coverage import RoundCoverage, TeamCoverage, rounds_line
from bot.agenda.service import Round, rounds
from bot.core import formatting
from bot.event import Event, Person
from bot.slack import mrkdwn, truncate
from bot.slack.blocks import SECTION_LIMIT, context, section

MOST_BLOCKS = 45  # of a message's 50, for /coverage's team lines


def _name(person: Person, you: Person | None) -> str:
    return "you" if person == you else mrkdwn(person.name)


def _names(people: list[Person], you: Person | None) -> str:
    # "you" first: "you and Ana Ruiz", as people say it.
    ordered = sorted(people, key=lambda p: p != you)
    return formatting.listing(_name(p, you) for p in ordered)


def _at(event: Event, r: Round, now: datetime | None) -> str:
    local = r.start.astimezone(event.tz)
    return formatting.deadline(local, now or local)


def goal_words(event: Event) -> str:
    """The event's goal in words: "a teammate in every breakout and 4 different breakouts per
    team"; empty when the event file sets none."""
    settings = event.breakouts
    if settings is None:
        return ""
    parts = []
    if settings.pairs:
        parts.append("a teammate in every breakout")
    if settings.team_covers is not None:
        parts.append(
            f"{formatting.count(settings.team_covers, 'different breakout', 'different breakouts')} per team"
        )
    return formatting.listing(parts) if parts else ""


def missing(
    event: Event, coverage: TeamCoverage, *, now: datetime | None, you: Person | None = None
) -> list[str]:
    """What the team still lacks in the rounds ahead of `now` (all rounds, for None), one
    clause each: "no one is going to *A* or *B* yet", "Dana Lee is on their own in *C*"."""
    clauses = []
    ahead = coverage.ahead(now)
    if not ahead:
        return []
    if not any(r.chosen for r in coverage.rounds):
        return ["no one has chosen a breakout yet"]
    short = coverage.goal is None or len(coverage.covered) < coverage.goal
    if short and coverage.uncovered:
        titles = formatting.listing((f"*{mrkdwn(t)}*" for t in coverage.uncovered), style="or")
        clauses.append(f"no one is going to {titles} yet")
    several = len(ahead) > 1 or len(coverage.rounds) > 1
    for r in ahead:
        at = f" ({_at(event, r.round, now)})" if several else ""
        for person, session in r.alone:
            if person == you:
                clauses.append(f"you are on your own in *{mrkdwn(session.title)}*{at}")
            else:
                clauses.append(f"{mrkdwn(person.name)} is on their own in *{mrkdwn(session.title)}*{at}")
        if r.undecided and (r.goal.stated or coverage.goal is not None):
            verb = "have" if you in r.undecided or len(r.undecided) > 1 else "has"
            clauses.append(
                f"{_names(r.undecided, you)} {verb} not chosen a breakout for {_at(event, r.round, now)} yet"
            )
        if r.goal.team_covers is not None and len(r.covered) < r.goal.team_covers:
            clauses.append(
                f"the {_at(event, r.round, now)} round has "
                f"{formatting.count(len(r.covered), 'different breakout', 'different breakouts')} "
                f"of the {formatting.number(r.goal.team_covers)} it aims for"
            )
    return clauses


def sentence(event: Event, coverage: TeamCoverage, *, now: datetime | None, you: Person | None = None) -> str:
    """ "Your team covers 3 of 6 breakouts (the goal is 4); no one is going to *A* yet; Dana Lee
    is on their own in *B*." (with `you`: the team as its member reads it)."""
    subject = "Your team" if you is not None else f"*{mrkdwn(coverage.team.name)}*"
    offered = formatting.count(len(coverage.offered), "breakout", "breakouts")
    head = f"{subject} covers {formatting.number(len(coverage.covered))} of {offered}"
    if coverage.goal is not None:
        head += f" (the goal is {formatting.number(coverage.goal)})"
    clauses = missing(event, coverage, now=now, you=you)
    if clauses:
        return "; ".join([head, *clauses]) + "."
    if coverage.goal is not None or any(r.goal.stated for r in coverage.rounds):
        return f"{head}: on goal."
    return f"{head}."


def round_line(
    event: Event, r: RoundCoverage, *, now: datetime | None, you: Person | None = None, with_time: bool = True
) -> str:
    """One round as the team chose it: "*10:00 AM* · *A*: you and Ana Ruiz · not chosen yet: Carl"."""
    parts = [f"*{_at(event, r.round, now)}*"] if with_time else []
    parts += [f"*{mrkdwn(s.title)}*: {_names(people, you)}" for s, people in r.chosen]
    if r.undecided:
        parts.append(f"not chosen yet: {_names(r.undecided, you)}")
    return " · ".join(parts)


def home_blocks(
    event: Event, teams: list[TeamCoverage], *, you: Person, now: datetime
) -> list[dict[str, Any]]:
    """The Home tab's part for a person's team(s): teammates' choices in each round still to
    come, and what the team covers so far."""
    blocks = []
    for coverage in teams:
        ahead = coverage.ahead(now)
        if not ahead:
            continue
        lines = [f"*Your team's breakouts* ({mrkdwn(coverage.team.name)})"]
        lines += [round_line(event, r, now=now, you=you) for r in ahead]
        lines.append(sentence(event, coverage, now=now, you=you))
        blocks.append(section(truncate("\n".join(lines), SECTION_LIMIT)))
    return blocks


def staff_home_blocks(event: Event, teams: list[TeamCoverage], *, now: datetime) -> list[dict[str, Any]]:
    """The Home tab's line for facilitators and organizers while rounds are still to come:
    how many teams are on goal, and where to see each."""
    if not any(t.ahead(now) for t in teams):
        return []
    noun = event.team_noun(len(teams), [t.team for t in teams])
    short = [t for t in teams if t.short(now)]
    alone = [t for t in teams if any(r.alone for r in t.ahead(now))]
    parts = [
        f"{formatting.number(len(teams) - len(short))} of {formatting.number(len(teams))} {noun} on goal"
    ]
    if alone:
        parts.append(f"{formatting.number(len(alone))} with someone on their own")
    return [section(f"*Breakout coverage*: {'; '.join(parts)}. `/coverage` shows each team.")]


def partner_note(teams: list[TeamCoverage], you: Person, session_id: str) -> str:
    """After a choice: who from the person's team is in that breakout too."""
    for coverage in teams:
        for r in coverage.rounds:
            for s, people in r.chosen:
                if s.id == session_id and you in people:
                    others = [p for p in people if p != you]
                    if others:
                        verb = formatting.plural(len(others), "is", "are")
                        return f"From your team, {_names(others, you)} {verb} going too."
                    return "No one else from your team is going to it yet."
    return ""


def nudge_text(event: Event, coverage: TeamCoverage, r: Round, *, now: datetime, you: Person) -> str:
    """The DM before a round to a member of a team short of its goal."""
    return (
        f":busts_in_silhouette: *Breakouts start at {_at(event, r, now)}.* "
        f"{sentence(event, coverage, now=now, you=you)}\n"
        "Choose or change your breakouts in Convene's Home tab."
    )


def team_blocks(event: Event, coverage: TeamCoverage, *, now: datetime) -> dict[str, Any]:
    """/coverage <team>: the team's choices in every round, and what is missing."""
    lines = [f"*Breakout coverage: {mrkdwn(coverage.team.name)}*"]
    lines += [round_line(event, r, now=now) for r in coverage.rounds]
    lines.append(sentence(event, coverage, now=now))
    text = truncate("\n".join(lines), SECTION_LIMIT)
    return {"text": text, "blocks": [section(text)]}


def _summary_line(coverage: TeamCoverage, now: datetime) -> str:
    covered = f"{formatting.number(len(coverage.covered))} of {formatting.number(len(coverage.offered))}"
    parts = [f"*{mrkdwn(coverage.team.name)}*: {covered}"]
    if coverage.alone_count():
        parts.append(f"{formatting.number(coverage.alone_count())} on their own")
    if coverage.undecided_count():
        parts.append(f"{formatting.number(coverage.undecided_count())} not chosen")
    mark = ":warning:" if coverage.short(None) else ":white_check_mark:"
    return f"{mark} " + " · ".join(parts)


def overview_blocks(
    event: Event, teams: list[TeamCoverage], *, now: datetime, round_: Round | None = None
) -> dict[str, Any]:
    """/coverage: every team at a glance (or, for one round, each team's choices in it)."""
    goal = goal_words(event)
    noun = event.team_noun(len(teams), [t.team for t in teams])
    on_goal = [t for t in teams if not t.short(None)]
    head = "*Breakout coverage*" + (f" (goal: {goal})" if goal else "")
    if round_ is not None:
        head = f"*Breakouts at {_at(event, round_, now)}*" + (f" (goal: {goal})" if goal else "")
    summary = (
        f"{formatting.number(len(on_goal))} of {formatting.number(len(teams))} {noun} on goal."
        if goal or any(r.goal.stated for t in teams for r in t.rounds)
        else f"{formatting.number(len(teams))} {noun}."
    )
    if round_ is None:
        lines = [_summary_line(t, now) for t in teams]
    else:
        lines = [
            f"• *{mrkdwn(t.team.name)}*: " + round_line(event, r, now=now, with_time=False)
            for t in teams
            for r in t.rounds
            if r.round.key == round_.key
        ]
    blocks = [section(f"{head}\n{summary}")]
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > SECTION_LIMIT - 100:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(truncate(line, 500))
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if len(blocks) > MOST_BLOCKS:
        blocks = [
            *blocks[: MOST_BLOCKS - 1],
            context("_…more teams than fit: `/coverage <team>` shows one._"),
        ]
    blocks.append(
        context(
            "`/coverage <team>` shows one team's choices; `/coverage <time>` one round's. "
            + rounds_line(event, rounds(event))
        )
    )
    return {"text": f"{head}\n{summary}", "blocks": blocks}
