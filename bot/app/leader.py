"""Which process runs the event's clock and the outbox when several serve one database.

APScheduler 3 must not run twice on one job store, and one dispatcher per
database keeps sends in order. Every process answers Slack; only the leader
schedules and sends. A follower keeps trying for the lead, so when the leader
dies (its lock dies with it) another process takes over within `retry` seconds.

The leader renews its lease every `retry` seconds. Cut off from the database, it
cannot: its lease runs out (the dispatcher asks `Lease.valid()` before each send),
the renewal fails and it follows, and the server lets another host lead once it
has given up on the silent one (`storage.locks`). A leader that cannot do the
leader's work (`able()` false: Slack has stopped answering it) hands the lead on
and tries for it again only once `recovered()` says it could do the work.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from storage.locks import RENEW_EVERY, Lease

log = logging.getLogger(__name__)


class Leadership:
    """Holds or waits for the lead; runs `on_lead` on taking it and `on_lose` on losing it."""

    def __init__(
        self,
        lease: Lease,
        *,
        on_lead: Callable[[], None],
        on_lose: Callable[[], None],
        retry: float = RENEW_EVERY,
        able: Callable[[], bool] | None = None,
        recovered: Callable[[], bool] | None = None,
    ) -> None:
        self.lease = lease
        self.on_lead = on_lead
        self.on_lose = on_lose
        self.retry = retry
        self.able = able
        self.recovered = recovered
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._leading = False
        self._stood_down = False
        self._held_elsewhere = False

    @property
    def leading(self) -> bool:
        return self._leading

    @property
    def held(self) -> bool:
        """Whether some process held the lead when this one last looked: this one, or another
        that kept this one from taking it (a follower looks every `retry` seconds)."""
        return self._leading or self._held_elsewhere

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
                log.error("lost the lead (its database session ended or stopped answering); following")
                self._leading = False
                self.on_lose()
            elif self.able is not None and not self.able():
                log.error("Slack does not answer this process; handing the lead on and following")
                # Released first: the lease stops this process's sends at once, and another
                # host need not wait for the dispatcher's call in flight to time out.
                self.lease.release()
                self._leading, self._stood_down, self._held_elsewhere = False, True, False
                self.on_lose()
            return
        if self._stood_down:
            if self.recovered is not None and not self.recovered():
                return
            self._stood_down = False
        self._held_elsewhere = not self.lease.try_acquire()
        if not self._held_elsewhere:
            log.info("this process leads: it runs the schedule and sends the outbox")
            self._leading = True
            try:
                self.on_lead()
            except BaseException:
                self._leading = False
                self.lease.release()
                raise
