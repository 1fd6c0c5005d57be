"""Which process runs the event's clock and the outbox when several serve one database.

APScheduler 3 must not run twice on one job store, and one dispatcher per
database keeps sends in order. Every process answers Slack; only the leader
schedules and sends. A follower keeps trying for the lead, so when the leader
dies (its lock dies with it) another process takes over within `retry` seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from storage.locks import Lease

log = logging.getLogger(__name__)


class Leadership:
    """Holds or waits for the lead; runs `on_lead` on taking it and `on_lose` on losing it."""

    def __init__(
        self,
        lease: Lease,
        *,
        on_lead: Callable[[], None],
        on_lose: Callable[[], None],
        retry: float = 2.0,
    ) -> None:
        self.lease = lease
        self.on_lead = on_lead
        self.on_lose = on_lose
        self.retry = retry
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._leading = False

    @property
    def leading(self) -> bool:
        return self._leading

    def start(self) -> bool:
        """Try for the lead now (so a lone process leads before it answers anything), then keep
        watching in the background; True if this process leads."""
        self._step()
        self._thread = threading.Thread(target=self._watch, name="convene-lead", daemon=True)
        self._thread.start()
        return self._leading

    def stop(self) -> None:
        """Stop watching and give up the lead (running `on_lose` first if leading)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._leading:
            self._leading = False
            self.on_lose()
        self.lease.release()

    def _watch(self) -> None:
        while not self._stop.wait(self.retry):
            try:
                self._step()
            except Exception:  # keep watching: a database hiccup must not end the process's part
                log.exception("checking the lead failed")

    def _step(self) -> None:
        if self._leading:
            if not self.lease.still_held():
                log.error("lost the lead (the database connection holding it dropped); following")
                self._leading = False
                self.on_lose()
            return
        if self.lease.try_acquire():
            log.info("this process leads: it runs the schedule and sends the outbox")
            self._leading = True
            try:
                self.on_lead()
            except BaseException:
                self._leading = False
                self.lease.release()
                raise
