"""The agenda: what is on now and next, a person's own day, breakout choices and what each
team's choices cover (`coverage`, against the event file's `breakouts:` goal), who each
session is for, the Home tab.

May import `bot.polls`, `bot.headlines` and the layers below them.
"""

from bot.agenda.coverage import Coverage, TeamCoverage, find_team, read_choices, team_coverage
from bot.agenda.details import details_message, not_found_message
from bot.agenda.lookup import Found, find_sessions
from bot.agenda.materials import Reloaded, announce, take_information
from bot.agenda.service import Agenda, concerned, now_and_next, rounds
from bot.agenda.views import home_view, my_day_blocks, now_next_blocks

__all__ = [
    "Agenda",
    "Coverage",
    "Found",
    "Reloaded",
    "TeamCoverage",
    "announce",
    "concerned",
    "details_message",
    "find_sessions",
    "find_team",
    "home_view",
    "my_day_blocks",
    "not_found_message",
    "now_and_next",
    "now_next_blocks",
    "read_choices",
    "rounds",
    "take_information",
    "team_coverage",
]
