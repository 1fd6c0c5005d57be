"""Rate limits, injected failures and the 429s they answer with, and `limit_floor`."""

from __future__ import annotations

import math
import time
from collections import deque
from datetime import datetime, timedelta
from typing import Any, ClassVar

from bot.core import ManualClock

from .records import _Fault, _Reply
from .state import WorkspaceState


class RateLimits(WorkspaceState):
    """Sliding-window rate limits per method (and per channel), failures queued by `fail_next` and
    slow calls by `slow_next`."""

    #: Slack-like limits (count, seconds); pass as `rate_limits` to rehearse throttling.
    SLACK_LIKE_LIMITS: ClassVar[dict[str, tuple[int, float]]] = {
        "chat.postMessage:per_channel": (3, 3.0),
        "chat.update": (50, 60.0),
        "conversations.open": (50, 60.0),
        "chat.postEphemeral": (100, 60.0),
        "conversations.history": (50, 60.0),
        "views.open": (100, 60.0),
        "views.push": (100, 60.0),
        "views.update": (100, 60.0),
        "views.publish": (100, 60.0),
        "users.info": (100, 60.0),
        "files.getUploadURLExternal": (100, 60.0),
        "files.completeUploadExternal": (100, 60.0),
    }

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        times: int = 1,
        retry_after: int | None = None,
        drop_connection: bool = False,
        answer_lost: bool = False,
    ) -> None:
        """Answer the next `times` calls to Web API `method` with a failure instead of doing the work.

        - `error="channel_not_found"`: HTTP 200 {"ok": false, "error": "channel_not_found"};
        - `status=500` (or any non-200): that status with {"ok": false, "error": ...}, the
          error defaulting to "ratelimited" for 429, "service_unavailable" for 503 and
          "internal_error" otherwise;
        - `status=429, retry_after=2`: also a Retry-After header (429 without it sends 1);
        - `drop_connection=True`: the server reads the request and closes the socket
          without a word, so the client sees a connection error;
        - `answer_lost=True`: the server does the work (the message is posted), then
          closes the socket without a word: the client cannot tell this from the last.

        Injected failures come before authentication and rate limiting and use no
        rate-limit slot; they are recorded like any call. Several `fail_next` calls
        for one method queue up in order.
        """
        if method not in self._methods:
            raise ValueError(f"{method!r} is not a Web API method the sandbox serves")
        if times < 1:
            raise ValueError("times must be at least 1")
        if answer_lost:
            drop_connection = True
        if drop_connection:
            if error is not None or status != 200 or retry_after is not None:
                raise ValueError("drop_connection answers nothing; leave error, status and retry_after unset")
        elif status == 200 and error is None:
            raise ValueError("give an error, a non-200 status or drop_connection=True")
        elif status == 200 and retry_after is not None:
            raise ValueError("retry_after needs a non-200 status, such as 429")
        if not drop_connection and not 200 <= status <= 599:
            raise ValueError(f"status {status} is not an HTTP status the sandbox can answer")
        fault = _Fault(
            error=error,
            status=status,
            retry_after=retry_after,
            drop_connection=drop_connection,
            remaining=times,
            after_work=answer_lost,
        )
        with self._lock:
            self._faults.setdefault(method, deque()).append(fault)

    def clear_faults(self) -> None:
        """Drop every failure queued by `fail_next` that has not fired yet."""
        with self._lock:
            self._faults.clear()

    def slow_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Make the next `times` calls to Web API `method` reach the workspace `seconds` late, as
        they do when Slack is slow under load, on top of `latency`.

        On a ManualClock the sandbox moves the clock forward by `seconds` before it handles the
        call (which is recorded at the later time): the caller, waiting for its answer, sees that
        much time pass, and nothing waits on the wall. On any other clock the call sleeps. Several
        `slow_next` calls for one method queue up in order.
        """
        if method not in self._methods:
            raise ValueError(f"{method!r} is not a Web API method the sandbox serves")
        if times < 1:
            raise ValueError("times must be at least 1")
        if seconds < 0:
            raise ValueError("seconds cannot be negative")
        with self._lock:
            self._slow.setdefault(method, deque()).extend([seconds] * times)

    def _be_slow(self, method: str) -> None:
        """Spend the delay `slow_next` queued for this call to `method`, if any (outside the lock)."""
        with self._lock:
            queued = self._slow.get(method)
            seconds = queued.popleft() if queued else 0.0
        if seconds <= 0:
            return
        if isinstance(self.clock, ManualClock):
            self.clock.advance(seconds)
        else:
            time.sleep(seconds)

    def limit_floor(self, method: str, calls: int, channels: int = 1) -> float:
        """Fewest seconds `calls` calls to `method`, spread evenly over `channels`, need under `rate_limits`.

        A sliding window of (n, w) lets the first n calls through at once and n
        more every w seconds, so c calls need (ceil(c / n) - 1) * w. The
        workspace-wide window counts all calls, the per-channel one the busiest
        channel's share (ceil(calls / channels)); the floor is the larger.
        Network and handling time come on top.
        """
        if calls < 0:
            raise ValueError("calls cannot be negative")
        if channels < 1:
            raise ValueError("channels must be at least 1")
        with self._lock:
            wide = self.rate_limits.get(method)
            per_channel = self.rate_limits.get(f"{method}:per_channel")
        floor = 0.0
        if wide is not None:
            floor = max(floor, _window_floor(calls, *wide))
        if per_channel is not None:
            floor = max(floor, _window_floor(-(-calls // channels), *per_channel))
        return floor

    def _take_fault(self, method: str) -> _Fault | None:
        """The next failure `fail_next` queued for `method`, else None."""
        faults = self._faults.get(method)
        if not faults:
            return None
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.popleft()
        return fault

    def _rate_limited(self, method: str, params: dict[str, Any], now: datetime) -> _Reply | None:
        """Slack's 429 when `method` is over a configured limit, else None (and count the call)."""
        retry_after = self._take_rate_slot(method, params, now)
        if retry_after is None:
            return None
        return _Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})

    def _take_rate_slot(self, method: str, params: dict[str, Any], now: datetime) -> int | None:
        """Seconds to wait when `method` is over a configured limit, else None (and count the call)."""
        windows: list[tuple[str, tuple[int, float]]] = []
        if method in self.rate_limits:
            windows.append((method, self.rate_limits[method]))
        per_channel = self.rate_limits.get(f"{method}:per_channel")
        if per_channel is not None:
            windows.append((f"{method}:per_channel:{self._rate_key(params)}", per_channel))
        wait = 0.0
        for key, (count, seconds) in windows:
            window = self._windows.setdefault(key, deque())
            cutoff = now - timedelta(seconds=seconds)
            while window and window[0] <= cutoff:
                window.popleft()
            if len(window) >= count:
                wait = max(wait, (window[0] + timedelta(seconds=seconds) - now).total_seconds())
        if wait > 0:
            return max(1, math.ceil(wait))
        for key, _ in windows:
            self._windows[key].append(now)
        return None

    def _rate_key(self, params: dict[str, Any]) -> str:
        # "#general", "general" and "C0001" share one window; so do "U1" and U1's DM id.
        raw = str(params.get("channel") or params.get("channel_id") or "").strip()
        if raw in self._users:
            return f"im:{raw}"
        found = self._find_channel(raw) if raw else None
        if found is None:
            return raw
        return f"im:{found.user}" if found.is_im else found.id


def _window_floor(calls: int, count: int, seconds: float) -> float:
    """Seconds `calls` calls need through a sliding window of `count` per `seconds`."""
    if calls <= 0:
        return 0.0
    return max(0, -(-calls // count) - 1) * float(seconds)
