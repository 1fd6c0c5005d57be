"""The functions APScheduler calls, referenced by text ("bot.scheduling.jobs:run_job").

Jobs are pickled into the job store with only ids as arguments; the live
scheduler they act through is registered here when the bot starts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Runner(Protocol):
    """What runs a planned job: the live scheduler."""

    def execute(self, job_id: str, scheduled_for: datetime) -> object: ...


_current: Runner | None = None


def register(scheduler: Runner | None) -> None:
    """Make `scheduler` the one jobs run through (None on shutdown)."""
    global _current
    _current = scheduler


def run_job(job_id: str, scheduled_for: str) -> None:
    """Run one planned job (APScheduler's entry point)."""
    if _current is None:
        raise RuntimeError("no scheduler registered; the bot is not running")
    _current.execute(job_id, datetime.fromisoformat(scheduled_for))
