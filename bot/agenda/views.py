"""Block Kit for the agenda: /agenda, /agenda me and the App Home tab."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.agenda.service import Round
from bot.event import Event, SessionSpec
from bot.headlines import submit_button
from bot.people import Directory
from bot.slack import mrkdwn, truncate
from bot.slack.blocks import section
from storage.models import Poll


def _line(event: Event, directory: Directory, session: SessionSpec) -> str:
    start = event.local(session.day, session.start)
    end = event.local(session.day, session.end)
    parts = [f"{start:%-I:%M}–{end:%-I:%M %p}", f"*{mrkdwn(session.title)}*"]
    if session.room:
        parts.append(mrkdwn(session.room))
    if session.channel:
        channel = directory.channel(session.channel)
        parts.append(f"<#{channel}>" if not channel.startswith("#") else channel)
    return " · ".join(parts)


def _day(d: date) -> str:
    return f"{d:%A, %B} {d.day}"


def now_next_blocks(
    event: Event, directory: Directory, now: datetime, current: list[SessionSpec], upcoming: list[SessionSpec]
) -> dict[str, Any]:
    """The /agenda answer."""
    lines = []
    if current:
        lines.append("*Now*")
        lines += [f"• {_line(event, directory, s)}" for s in current]
    if upcoming:
        start = event.session_start(upcoming[0]).astimezone(event.tz)
        when = (
            f"{start:%-I:%M %p}"
            if start.date() == now.astimezone(event.tz).date()
            else (f"{_day(start.date())}, {start:%-I:%M %p}")
        )
        lines.append(f"*Next, at {when}*")
        lines += [f"• {_line(event, directory, s)}" for s in upcoming]
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
    lines = [f"*Your {_day(day)}*"]
    lines += [f"• {_line(event, directory, s)}" for s in sessions] or ["_Nothing on your agenda that day._"]
    for r in missing_rounds:
        lines.append(
            f"• {r.start.astimezone(event.tz):%-I:%M %p} breakouts: _not chosen yet_ "
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
) -> dict[str, Any]:
    """The App Home tab: today's agenda, breakout choices, polls open to answer."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(event.title, 150)}},
    ]
    if note:
        blocks.append(section(note))
    greeting = f"Hello {mrkdwn(name)}! " if name else ""
    blocks.append(section(f"{greeting}*Your {_day(day)}*"))
    blocks += [section(_line(event, directory, s)) for s in sessions] or [
        section("_Nothing on your agenda._")
    ]
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
                    "text": {"type": "mrkdwn", "text": f"{_day(local.date())}, {local:%-I:%M %p}"},
                    "accessory": select,
                }
            )
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
    return {"type": "home", "blocks": blocks[:100]}
