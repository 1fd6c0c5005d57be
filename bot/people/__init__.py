"""Who is who: roster people matched to Slack users and channels, and the staff checks.

May import `bot.event`, `bot.core`, `storage`.
"""

from bot.people.directory import Directory

__all__ = [
    "Directory",
]
