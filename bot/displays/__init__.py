"""The room's screen: read-only display links, the data their pages show, and the pages
themselves (`templates/`).

May import `bot.closing`, `bot.agenda`, `bot.polls`, `bot.headlines` and the layers below them.
"""

from bot.displays.service import Displays, not_found_html, page_html

__all__ = [
    "Displays",
    "not_found_html",
    "page_html",
]
