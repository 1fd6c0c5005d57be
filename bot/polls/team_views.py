"""Block Kit for team polls: which teams have answered (for facilitators) and the team-time
card on a member's Home tab."""

from __future__ import annotations

from typing import Any

from bot.core import formatting, utc
from bot.event import Event, TeamSpec
from bot.polls.team import Standing, TeamCard
from bot.slack import mrkdwn, truncate
from bot.slack.blocks import context, section

SECTION_LIMIT = 3000
MISSING_SHOWN = 15


def missing_blocks(event: Event, standing: Standing) -> dict[str, Any]:
    """The /poll missing answer: each stage with the teams that named it, then the teams that
    have not answered, and how to nudge them."""
    poll = standing.poll
    noun = event.team_noun(2, standing.expected)
    head = (
        f"*`{poll.id}`*: {mrkdwn(truncate(poll.question, 200))}\n"
        f"{formatting.number(len(standing.answered))} of {event.count_teams(standing.expected)} answered"
    )
    blocks = [section(head)]
    for choice, label in enumerate(poll.options):
        teams = [t.name for t, given in standing.answered if given.choice == choice]
        names = mrkdwn(formatting.listing(teams)) if teams else "_none_"
        blocks.append(
            section(truncate(f"*{mrkdwn(label)}* ({formatting.number(len(teams))}): {names}", SECTION_LIMIT))
        )
    if standing.missing:
        shown = [mrkdwn(t.name) for t in standing.missing[:MISSING_SHOWN]]
        more = len(standing.missing) - len(shown)
        listed = formatting.listing([*shown, *([f"{more} more"] if more else [])])
        blocks.append(
            section(
                truncate(
                    f"*Not answered yet* ({formatting.number(len(standing.missing))}): {listed}",
                    SECTION_LIMIT,
                )
            )
        )
        blocks.append(context(f"`/poll nudge {poll.id}` sends each of these {noun} one reminder by DM."))
    else:
        blocks.append(section(f"Every one of the {noun} has answered."))
    return {"text": head, "blocks": blocks}


def nudged_answer(
    event: Event, poll_id: str, nudged: list[TeamSpec], reached: int, before: list[TeamSpec]
) -> str:
    """The /poll nudge answer."""
    lines = []
    if nudged:
        lines.append(
            f"Nudged {event.count_teams(nudged)} ({formatting.count(reached, 'person', 'people')}) "
            f"to answer `{poll_id}`."
        )
    if before:
        lines.append(f"{event.count_teams(before)} had their nudge already (a team is nudged once).")
    return "\n".join(lines) or f"Every team has answered `{poll_id}`: nobody to nudge."


def team_card_blocks(event: Event, cards: list[TeamCard]) -> list[dict[str, Any]]:
    """Team time on the Home tab: the team's answer, who gave it, and its focus questions."""
    blocks: list[dict[str, Any]] = []
    for card in cards:
        head = f"*Team time: {mrkdwn(card.team.name)}*\n_{mrkdwn(truncate(card.poll.question, 300))}_"
        if card.answer is None:
            where = f" in <#{card.poll.channel_id}>" if card.poll.channel_id else ""
            blocks.append(
                section(
                    f"{head}\nYour team has not answered yet. Any one of you can answer for the team{where}."
                )
            )
            continue
        when = f" at {formatting.clock(utc(card.answer.at).astimezone(event.tz))}" if card.answer.at else ""
        blocks.append(
            section(
                f"{head}\nYour team's answer: *{mrkdwn(card.answer.label)}* "
                f"(given by {mrkdwn(card.answer.name)}{when})"
            )
        )
        if card.questions:
            listed = "\n".join(f"{n}. {mrkdwn(q)}" for n, q in enumerate(card.questions, 1))
            blocks.append(section(truncate(f"*Your team's focus questions*\n{listed}", SECTION_LIMIT)))
    return blocks
