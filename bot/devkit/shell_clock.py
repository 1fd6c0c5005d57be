"""The shell's clock: where it starts, and the times a person types to move it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.event import Event, plan


def parse_clock(
    arg: str, *, now: datetime, tz: Any, pending: list[tuple[datetime, str]], example: str = ""
) -> datetime:
    """A /clock argument as an instant: +15m, +2h, +1d, HH:MM (next time it is that), a full
    "YYYY-MM-DD HH:MM" (event time), or "next" (the next scheduled send). `example` is a full
    time to suggest in the error (see `clock_example`)."""
    arg = arg.strip().lower()
    if arg == "next":
        if not pending:
            raise ValueError("Nothing else is scheduled.")
        return max(pending[0][0], now + timedelta(seconds=1))
    match = re.fullmatch(r"\+(\d+)\s*([mhd])", arg)
    if match:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
        return now + timedelta(**{unit: int(match.group(1))})
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", arg):
            local_now = now.astimezone(tz)
            hour, minute = map(int, arg.split(":"))
            target = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
            if target <= local_now:
                target += timedelta(days=1)
            return target.astimezone(UTC)
        return datetime.strptime(arg, "%Y-%m-%d %H:%M").replace(tzinfo=tz).astimezone(UTC)
    except ValueError:
        hint = "Try /clock +15m, /clock 16:30" + (f" or /clock {example}." if example else ".")
        raise ValueError(f"Not a time: {arg!r}. {hint}") from None


def shell_start(event: Event) -> datetime:
    """Where the shell's clock starts: an hour before the first thing on the schedule."""
    firsts = [j.at for j in plan(event)] + [event.session_start(s) for s in event.sessions.values()]
    if not firsts:
        return datetime.combine(event.info.days[0], datetime.min.time(), tzinfo=event.tz).astimezone(UTC)
    return min(firsts) - timedelta(hours=1)


def clock_example(event: Event) -> str:
    """A full /clock time worth typing for this event: its last day, when that day's first
    session starts (9:00 if it has none)."""
    day = event.info.days[-1]
    starts = sorted(s.start for s in event.sessions.values() if s.day == day)
    start = starts[0] if starts else time(9, 0)
    return f"{day:%Y-%m-%d} {start:%H:%M}"
