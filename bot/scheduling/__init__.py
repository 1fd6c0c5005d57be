"""The event's clock: the scheduler, its jobs and the reminder messages.

May import every feature and the layers below them.
"""

from bot.scheduling.scheduler import Scheduler

__all__ = [
    "Scheduler",
]
