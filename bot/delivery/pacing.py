"""Client-side pacing: stay under Slack's rate limits instead of bouncing off them.

Limits are sliding windows, (calls, seconds), per method ("chat.update") or per
method and channel ("chat.postMessage:per_channel"). A 429 holds the method
(or the channel) for its Retry-After. Time comes from the injected clock.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from datetime import datetime, timedelta

from bot.core import Clock

# Published tiers (Tier 3 about 50 a minute, Tier 4 about 100) and the documented
# "one message per second per channel" for chat.postMessage. chat.update, which every live
# poll's refresh shares, is spread evenly (48 a minute, two at a time so that a poll's final
# results need not wait behind its last refresh): a window of 50 would let them spend it in a
# burst, then leave every poll's message a minute out of date.
SLACK_LIMITS: dict[str, tuple[int, float]] = {
    "chat.postMessage:per_channel": (1, 1.0),
    "chat.update": (2, 2.5),
    "conversations.open": (50, 60.0),
    "conversations.history": (50, 60.0),
    "chat.postEphemeral": (100, 60.0),
}


class Pacer:
    """Decides how long a call must wait; thread-safe."""

    def __init__(self, clock: Clock, limits: dict[str, tuple[int, float]] | None = None) -> None:
        self.clock = clock
        self.limits = dict(SLACK_LIMITS if limits is None else limits)
        self._calls: dict[str, deque[datetime]] = {}
        self._held: dict[str, datetime] = {}
        self._method_held: dict[str, datetime] = {}  # the end of the latest hold on a method or its channels
        self._lock = threading.Lock()

    def _keys(self, method: str, channel: str | None) -> list[tuple[str, str]]:
        """(limit key, window key) pairs that apply to one call."""
        keys = []
        if method in self.limits:
            keys.append((method, method))
        per_channel = f"{method}:per_channel"
        if channel and per_channel in self.limits:
            keys.append((per_channel, f"{per_channel}:{channel}"))
        return keys

    def delay(self, method: str, channel: str | None = None, *, planned: Counter[str] | None = None) -> float:
        """Seconds until a call to `method` in `channel` is allowed (0 if now); with `planned`,
        counting the calls `plan` put in it as made now too."""
        now = self.clock.now()
        wait = 0.0
        with self._lock:
            for held_key in (method, f"{method}@{channel}"):
                until = self._held.get(held_key)
                if until and until > now:
                    wait = max(wait, (until - now).total_seconds())
            for limit_key, window_key in self._keys(method, channel):
                count, seconds = self.limits[limit_key]
                calls = self._calls.get(window_key)
                ahead = planned[window_key] if planned else 0
                if not calls and not ahead:
                    continue
                horizon = now - timedelta(seconds=seconds)
                while calls and calls[0] <= horizon:
                    calls.popleft()
                if len(calls or ()) + ahead >= count:
                    oldest = calls[0] if calls else now
                    wait = max(wait, (oldest + timedelta(seconds=seconds) - now).total_seconds())
        return wait

    def plan(self, method: str, channel: str | None, planned: Counter[str]) -> None:
        """Count a call about to be made (claimed, not yet sent) in `planned`, for `delay`."""
        for _, window_key in self._keys(method, channel):
            planned[window_key] += 1

    def note(self, method: str, channel: str | None = None) -> None:
        """Record that a call was made now."""
        now = self.clock.now()
        with self._lock:
            for _, window_key in self._keys(method, channel):
                self._calls.setdefault(window_key, deque()).append(now)

    def hold(self, method: str, channel: str | None, seconds: float, *, whole_method: bool) -> bool:
        """After a 429: no calls to the method (or to this channel) for `seconds`. True if this
        starts a hold: none on the method, nor on any of its channels, was running."""
        now = self.clock.now()
        until = now + timedelta(seconds=seconds)
        key = method if whole_method or not channel else f"{method}@{channel}"
        with self._lock:
            running = self._method_held.get(method, now) > now
            self._held[key] = max(until, self._held.get(key, until))
            self._method_held[method] = max(until, self._method_held.get(method, until))
        return not running
