"""Breakout coverage for the report: what each team's choices covered against the event's
goal, a row per team, and a chart of how many teams covered how many breakouts."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.engine import Engine

from bot.agenda import TeamCoverage, read_choices
from bot.agenda.coverage import teams_with_breakouts
from bot.agenda.coverage_views import goal_words
from bot.core import formatting
from bot.event import Event
from bot.insights.charts import BLUE, GREY, _png, _pyplot
from storage.db import reading


def every_team(event: Event, engine: Engine) -> list[TeamCoverage]:
    """Every team some breakout was open to, with what its choices covered."""
    with reading(engine) as session:
        return teams_with_breakouts(event, read_choices(session))


def summary(event: Event, teams: list[TeamCoverage]) -> str:
    """ "Goal: a teammate in every breakout and 4 different breakouts per team. 12 of 47
    district teams met it; 9 people were on their own in a breakout." """
    goal = goal_words(event)
    noun = event.team_noun(len(teams), [t.team for t in teams])
    alone = sum(t.alone_count() for t in teams)
    parts = []
    if goal:
        met = sum(1 for t in teams if not t.short(None))
        parts.append(
            f"Goal: {goal}. {formatting.number(met)} of {formatting.number(len(teams))} {noun} met it."
        )
    else:
        parts.append(f"{formatting.number(len(teams))} {noun} chose breakouts.")
    if event.breakouts is not None and any(r.goal.pairs for t in teams for r in t.rounds):
        people = formatting.count(alone, "person was", "people were")
        parts.append(f"{people} on their own in a breakout.")
    return " ".join(parts)


def rows(teams: list[TeamCoverage]) -> list[list[str]]:
    """One row per team: the breakouts it covered, who was alone, who never chose."""
    header = ["Team", "Breakouts covered", "On their own", "Not chosen", "Goal met"]
    body = [
        [
            t.team.name,
            f"{formatting.number(len(t.covered))} of {formatting.number(len(t.offered))}",
            formatting.number(t.alone_count()),
            formatting.number(t.undecided_count()),
            "yes" if not t.short(None) else "no",
        ]
        for t in teams
    ]
    return [header, *body]


def chart(teams: list[TeamCoverage]) -> bytes | None:
    """Bars: how many teams covered 0, 1, 2, ... different breakouts; those at or above the
    goal in blue."""
    if not teams:
        return None
    goal = teams[0].goal
    most = max(len(t.offered) for t in teams)
    counts = Counter(len(t.covered) for t in teams)
    ks = list(range(most + 1))
    fig, ax = _pyplot().subplots(figsize=(8, 3.6))
    colours = [BLUE if goal is None or k >= goal else GREY for k in ks]
    bars = ax.bar(ks, [counts[k] for k in ks], color=colours)
    for bar, k in zip(bars, ks, strict=True):
        if counts[k]:
            ax.text(
                bar.get_x() + bar.get_width() / 2, bar.get_height(), str(counts[k]), ha="center", va="bottom"
            )
    ax.set_xticks(ks)
    ax.set_xlabel("Different breakouts the team covered")
    ax.set_ylabel("Teams")
    ax.spines[["top", "right"]].set_visible(False)
    title = "Teams by different breakouts covered" + (f" (the goal, {goal} or more, in blue)" if goal else "")
    ax.set_title(title, loc="left", fontsize=11)
    return _png(fig)
