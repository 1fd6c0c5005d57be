"""Foundations every layer may use: the clock, user-facing errors, settings, and how dates,
times, counts and shares read (`formatting`, through Babel).

Imports nothing of the project but `storage` (for the default database URL).
"""

from bot.core import formatting
from bot.core.clock import Clock, ManualClock, SystemClock, TravelClock, utc
from bot.core.errors import FieldErrors, NotAllowed, UserError
from bot.core.settings import PACED, Settings, configure_logging, slack_client_logger

__all__ = [
    "PACED",
    "Clock",
    "FieldErrors",
    "ManualClock",
    "NotAllowed",
    "Settings",
    "SystemClock",
    "TravelClock",
    "UserError",
    "configure_logging",
    "formatting",
    "slack_client_logger",
    "utc",
]
