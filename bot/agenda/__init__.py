"""The agenda: what is on now and next, a person's own day, breakout choices, who each session
is for, the Home tab.

May import `bot.polls`, `bot.headlines` and the layers below them.
"""

from bot.agenda.details import details_message, not_found_message
from bot.agenda.lookup import Found, find_sessions
from bot.agenda.materials import Reloaded, announce, take_information
from bot.agenda.service import Agenda, concerned, now_and_next, rounds
from bot.agenda.views import home_view, my_day_blocks, now_next_blocks

__all__ = [
    "Agenda",
    "Found",
    "Reloaded",
    "announce",
    "concerned",
    "details_message",
    "find_sessions",
    "home_view",
    "my_day_blocks",
    "not_found_message",
    "now_and_next",
    "now_next_blocks",
    "rounds",
    "take_information",
]
