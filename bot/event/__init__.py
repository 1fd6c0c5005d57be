"""The event file: its spec, loading and checks with file/line/field
problems, the roster, and the plan of sends derived from it.

May import `bot.core`.
"""

from bot.event.load import load_event
from bot.event.plan import PlannedJob, channel_offsets, dm_times, plan
from bot.event.spec import (
    DEFAULT_RATING_LABELS,
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    Event,
    EventFileError,
    Person,
    PollKind,
    PollSpec,
    Problem,
    ResultsMode,
    SessionKind,
    SessionSpec,
    TeamSpec,
)

__all__ = [
    "DEFAULT_RATING_LABELS",
    "MAX_OPTIONS",
    "MAX_OPTION_CHARS",
    "Event",
    "EventFileError",
    "Person",
    "PlannedJob",
    "PollKind",
    "PollSpec",
    "Problem",
    "ResultsMode",
    "SessionKind",
    "SessionSpec",
    "TeamSpec",
    "channel_offsets",
    "dm_times",
    "load_event",
    "plan",
]
