"""The event file: its spec, loading and checks with file/line/field
problems (and warnings, for wall times the clocks repeat), the roster, and
the plan of sends derived from it. Reading is bounded: any malformed, huge,
deep or hostile file gets a line and a message, never a traceback or a hang.

May import `bot.core`.
"""

from bot.event.load import load_event
from bot.event.plan import PlannedJob, channel_offsets, dm_times, plan, poll_is_for, qa_times
from bot.event.spec import (
    DEFAULT_RATING_LABELS,
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    Event,
    EventFileError,
    Person,
    PollKind,
    PollScope,
    PollSpec,
    Problem,
    QaSpec,
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
    "PollScope",
    "PollSpec",
    "Problem",
    "QaSpec",
    "ResultsMode",
    "SessionKind",
    "SessionSpec",
    "TeamSpec",
    "channel_offsets",
    "dm_times",
    "load_event",
    "plan",
    "poll_is_for",
    "qa_times",
]
