"""Vision headlines from district teams: submitting, hiding, the wall, and their views.

May import `bot.delivery` and the layers below it.
"""

from bot.headlines.service import HeadlineService
from bot.headlines.views import (
    headline_modal,
    mine_blocks,
    missing_blocks,
    staff_list_blocks,
    submit_button,
    wall_messages,
)

__all__ = [
    "HeadlineService",
    "headline_modal",
    "mine_blocks",
    "missing_blocks",
    "staff_list_blocks",
    "submit_button",
    "wall_messages",
]
