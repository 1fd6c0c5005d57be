"""Time for the whole bot: one injectable clock, always UTC.

Everything that asks "what time is it?" asks a Clock, so tests, the shell and
rehearsals can move time without touching the wall clock.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2015, 5, 8, 15, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by a timedelta or a number of seconds; return the new time."""
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to an instant (aware); it may not be earlier than now."""
        when = when.astimezone(UTC)
        with self._lock:
            if when < self._now:
                raise ValueError("time only moves forward")
            self._now = when


def utc(dt: datetime) -> datetime:
    """Normalise an aware datetime to UTC; treat a naive one as already UTC.

    Databases such as SQLite hand back naive datetimes even for UTC columns.
    """
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


class TravelClock:
    """A clock that runs at normal speed from a chosen start and can jump forward.

    The shell uses it: time flows while you type (poll refreshes come due),
    and `/clock` jumps ahead through the event.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("TravelClock needs a timezone-aware start")
        self._start = start.astimezone(UTC)
        self._origin = _monotonic()
        self._jumped = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._start + self._jumped + timedelta(seconds=_monotonic() - self._origin)

    def set(self, when: datetime) -> None:
        """Jump to `when` (forward only)."""
        when = when.astimezone(UTC)
        with self._lock:
            current = self._start + self._jumped + timedelta(seconds=_monotonic() - self._origin)
            if when < current:
                raise ValueError("time only moves forward")
            self._jumped += when - current

    def advance(self, delta: timedelta | float) -> datetime:
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        self.set(self.now() + delta)
        return self.now()


def _monotonic() -> float:
    import time

    return time.monotonic()
