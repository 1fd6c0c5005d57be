"""The narrow face of the core that the listeners see: the features, who is who, and replies."""

from __future__ import annotations

from dataclasses import dataclass

from bot.agenda import Agenda
from bot.closing import Closing
from bot.core import Clock
from bot.delivery import Replies
from bot.displays import Displays
from bot.event import Event
from bot.headlines import HeadlineService
from bot.insights import Summaries
from bot.people import Directory
from bot.polls import PollService
from bot.qa import QaService


@dataclass(frozen=True, kw_only=True)
class Core:
    """Everything a listener may call. Built once by `bot.app`; each module takes what it uses."""

    event: Event
    clock: Clock
    directory: Directory
    replies: Replies
    polls: PollService
    qa: QaService
    headlines: HeadlineService
    agenda: Agenda
    closing: Closing
    displays: Displays
    summaries: Summaries
