"""What reminders and pre-event DMs say."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.core import formatting
from bot.event import Event, SessionSpec
from bot.people import Directory
from bot.slack import mrkdwn


def when(event: Event, at: datetime) -> str:
    """An instant as the event's local clock time, e.g. '4:30 PM'."""
    return formatting.clock(at.astimezone(event.tz))


def _starts(event: Event, session: SessionSpec, minutes: int) -> str:
    """When a session starts, as read by someone reminded `minutes` before: its time, with its
    day when the reminder goes out on another day."""
    start = event.session_start(session).astimezone(event.tz)
    return formatting.deadline(start, start - timedelta(minutes=minutes))


def _where(event: Event, directory: Directory, session: SessionSpec) -> list[str]:
    parts = []
    if session.room:
        parts.append(mrkdwn(session.room))
    if session.channel:
        channel = directory.channel(session.channel)
        parts.append(f"<#{channel}>" if not channel.startswith("#") else channel)
    names = [event.person(f).name for f in session.facilitators if event.person(f)]  # type: ignore[union-attr]
    if names:
        parts.append("Facilitators: " + ", ".join(mrkdwn(n) for n in names))
    return parts


def _lead(minutes: int, delayed: bool) -> str:
    soon = "now" if minutes == 0 else f"in {formatting.count(minutes, 'minute', 'minutes')}"
    return ("(delayed) " if delayed else "") + soon


def session_reminder(
    event: Event, directory: Directory, session: SessionSpec, minutes: int, *, delayed: bool
) -> dict[str, Any]:
    """The reminder posted in a session's own channel."""
    start = _starts(event, session, minutes)
    text = f":alarm_clock: *{mrkdwn(session.title)}* starts at {start} ({_lead(minutes, delayed)})"
    details = " · ".join(_where(event, directory, session))
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if details:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": details}]})
    return {"text": text + (f"\n{details}" if details else ""), "blocks": blocks}


def announcement(
    event: Event, directory: Directory, sessions: list[SessionSpec], minutes: int, *, delayed: bool
) -> dict[str, Any]:
    """One announcements-channel post for every session starting at the same time."""
    start = _starts(event, sessions[0], minutes)
    lines = [f":alarm_clock: Starting at {start} ({_lead(minutes, delayed)}):"]
    for session in sessions:
        details = " · ".join(_where(event, directory, session)[:2])
        lines.append(f"• *{mrkdwn(session.title)}*" + (f" · {details}" if details else ""))
    text = "\n".join(lines)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]}


def personal_reminder(
    event: Event, directory: Directory, session: SessionSpec, minutes: int, *, delayed: bool
) -> str:
    """The DM to one person a session concerns."""
    start = _starts(event, session, minutes)
    details = " · ".join(_where(event, directory, session)[:2])
    return (
        f":alarm_clock: Your session *{mrkdwn(session.title)}* starts at {start} ({_lead(minutes, delayed)})"
        + (f"\n{details}" if details else "")
    )
