"""Private notes to one person, queued through the outbox, and the nudge that sends them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from bot.core import Clock
from bot.delivery import outbox

log = logging.getLogger(__name__)


class Replies:
    """How the listeners answer one person, and wake the dispatcher once work is committed."""

    def __init__(
        self,
        *,
        engine: Engine,
        clock: Clock,
        wake: Callable[[], None],
        wake_replies: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.wake = wake
        # After a click: only the sender of replies needs waking (see Dispatcher.wake_replies).
        self.wake_replies = wake_replies or wake

    def tell(self, target: dict[str, Any], text: str) -> None:
        """An ephemeral note, in a transaction of its own (see `outbox.enqueue_notice` for `target`)."""
        if not target.get("response_url") and not (target.get("channel") and target.get("user")):
            log.warning("an ephemeral note had nowhere to go")
            return
        outbox.notify(self.engine, self.clock, target, text)
        self.wake()
