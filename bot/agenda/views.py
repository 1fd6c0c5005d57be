"""Block Kit for the agenda: /agenda, /agenda me and the App Home tab."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.agenda.details import session_blocks
from bot.agenda.service import Round
from bot.core import formatting
from bot.event import Event, SessionSpec
from bot.headlines import submit_button
from bot.people import Directory
from bot.slack import mrkdwn, truncate
from bot.slack.blocks import context, section
from storage.models import Poll


def _line(event: Event, directory: Directory, session: SessionSpec) -> str:
    start = event.local(session.day, session.start)
    end = event.local(session.day, session.end)
    parts = [formatting.time_range(start, end), f"*{mrkdwn(session.title)}*"]
    if session.room:
        parts.append(mrkdwn(session.room))
    if session.channel:
        channel = directory.channel(session.channel)
        parts.append(f"<#{channel}>" if not channel.startswith("#") else channel)
    return " · ".join(parts)


def now_next_blocks(
    event: Event,
    directory: Directory,
    now: datetime,
    current: list[SessionSpec],
    upcoming: list[SessionSpec],
) -> dict[str, Any]:
    """The /agenda answer: `current` and `upcoming` are this person's (see `now_and_next`)."""
    lines = []
    if current:
        lines.append("*Now*")
        lines += [f"• {_line(event, directory, s)}" for s in current]
    if upcoming:
        start = event.session_start(upcoming[0]).astimezone(event.tz)
        when = formatting.deadline(start, now)
        lines.append(f"*Next, at {when}*")
        lines += [f"• {_line(event, directory, s)}" for s in upcoming]
    if not lines and any(now < event.session_end(s) for s in event.agenda()):
        lines.append("_Nothing more on your agenda; the rest of the event is for others._")
    if not lines:
        lines.append(f"{mrkdwn(event.title)} has ended. Thank you for coming!")
    elif not current and not upcoming:
        pass
    elif not current:
        lines.insert(0, "_Nothing is running right now._")
    lines.append("_`/agenda me` shows your own day._")
    text = "\n".join(lines)
    return {"text": text, "blocks": [section(text)]}


def my_day_blocks(
    event: Event, directory: Directory, day: date, sessions: list[SessionSpec], missing_rounds: list[Round]
) -> dict[str, Any]:
    """The /agenda me answer: a person's own day."""
    lines = [f"*Your {formatting.day(day)}*"]
    lines += [f"• {_line(event, directory, s)}" for s in sessions] or ["_Nothing on your agenda that day._"]
    for r in missing_rounds:
        lines.append(
            f"• {formatting.clock(r.start.astimezone(event.tz))} breakouts: _not chosen yet_ "
            "(choose in Convene's Home tab)"
        )
    text = "\n".join(lines)
    return {"text": text, "blocks": [section(text)]}


def home_view(
    event: Event,
    directory: Directory,
    *,
    name: str | None,
    day: date,
    sessions: list[SessionSpec],
    rounds: list[Round],
    choices: dict[str, str],
    open_polls: list[Poll],
    now: datetime,
    note: str | None = None,
    headline_button: bool = False,
    survey: Poll | None = None,
    team_time: list[dict[str, Any]] | None = None,
    coverage: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The App Home tab, the event's mobile site: during team time the team's focus questions
    (`team_time`) first, then today's agenda with each session's details and materials,
    breakout choices (with the team's `coverage` below them), the polls open now and the
    feedback form (`survey`)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(event.title, 150)}},
    ]
    if note:
        blocks.append(section(note))
    greeting = f"Hello {mrkdwn(name)}! " if name else ""
    blocks.append(section(f"{greeting}*Your {formatting.day(day)}*"))
    if team_time:
        # During team time, the team's answer and focus questions are what the table needs.
        blocks += [*team_time, DIVIDER]
    # Each session in full, as the event's mobile site showed it; cut to fit below.
    agenda_at = len(blocks)
    day_blocks = [
        b for s in sessions for b in [*session_blocks(event, directory, s, with_day=False), DIVIDER]
    ]
    blocks += day_blocks[:-1] or [section("_Nothing on your agenda._")]
    upcoming_rounds = [r for r in rounds if r.start > now]
    if upcoming_rounds:
        blocks.append({"type": "divider"})
        blocks.append(section("*Your breakouts*: choose one for each round; you can change until it starts."))
        for r in upcoming_rounds[:20]:
            options = [
                {"text": {"type": "plain_text", "text": truncate(s.title, 75)}, "value": s.id}
                for s in r.sessions[:100]
            ]
            select: dict[str, Any] = {
                "type": "static_select",
                "action_id": f"breakout_choose_{r.key}",
                "placeholder": {"type": "plain_text", "text": "Choose a breakout"},
                "options": options,
            }
            chosen = next((o for o in options if o["value"] == choices.get(r.key)), None)
            if chosen:
                select["initial_option"] = chosen
            local = r.start.astimezone(event.tz)
            blocks.append(
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": formatting.day_and_clock(local)},
                    "accessory": select,
                }
            )
        blocks += coverage or []
    if headline_button:
        blocks.append({"type": "divider"})
        blocks.append(section("*Vision headline*: how will the news describe your team's success?"))
        blocks.append(submit_button())
    blocks.append({"type": "divider"})
    if open_polls:
        blocks.append(section("*Polls open now*"))
        for poll in open_polls[:15]:
            where = f" in <#{poll.channel_id}>" if poll.channel_id else " (in your messages from Convene)"
            blocks.append(section(f"• {mrkdwn(truncate(poll.question, 200))}{where}"))
    else:
        blocks.append(section("_No polls are open right now._"))
    if survey is not None:
        blocks.append(DIVIDER)
        blocks.append(section(_feedback(event, survey)))
    return {"type": "home", "blocks": _fit(blocks, agenda_at, len(day_blocks[:-1]), len(sessions))}


DIVIDER: dict[str, Any] = {"type": "divider"}
HOME_BLOCKS = 100  # Slack's limit for the Home tab


def _feedback(event: Event, survey: Poll) -> str:
    """The feedback form's place on the Home tab: where the evaluation survey is, or when."""
    title = f"*Feedback form*: {mrkdwn(truncate(survey.question, 200))}"
    if survey.status == "open":
        return f"{title}\nAnswer it with the *Take the survey* button in your messages from Convene."
    if survey.status == "closed":
        return f"{title}\n_The survey has closed. Thank you!_"
    spec = event.polls.get(survey.id)
    opens = spec.dm.opens if spec and spec.dm else None
    if opens in event.sessions:
        at = event.session_start(event.sessions[opens]).astimezone(event.tz)
        return f"{title}\n_It opens at {formatting.day_and_clock(at)}, in your messages from Convene._"
    return f"{title}\n_It opens later, in your messages from Convene._"


def _fit(blocks: list[dict[str, Any]], at: int, length: int, sessions: int) -> list[dict[str, Any]]:
    """The Home tab within Slack's block limit: the day's sessions cut (whole sessions, with a
    note of how many more), so that the breakouts, polls and feedback form below always show."""
    over = len(blocks) - HOME_BLOCKS
    if over <= 0:
        return blocks
    agenda = blocks[at : at + length]
    keep = max(0, length - over - 1)
    while keep and agenda[keep - 1] is not DIVIDER:
        keep -= 1  # never a session without its materials
    shown = sum(1 for b in agenda[:keep] if b is DIVIDER)
    more = sessions - shown
    note = context(
        f"_…and {formatting.count(more, 'more session', 'more sessions')}: `/agenda me` lists your day._"
    )
    return (blocks[:at] + agenda[: max(keep - 1, 0)] + [note] + blocks[at + length :])[:HOME_BLOCKS]
