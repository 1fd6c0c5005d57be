"""The closing session: the headlines wall and the word clouds.

May import `bot.polls`, `bot.headlines` and the layers below them.
"""

from bot.closing.clouds import (
    ALT_TEXT_LIMIT,
    Cloud,
    CloudStyle,
    NoWords,
    alt_text,
    make_cloud,
    word_frequencies,
)
from bot.closing.service import Closing

__all__ = [
    "ALT_TEXT_LIMIT",
    "Closing",
    "Cloud",
    "CloudStyle",
    "NoWords",
    "alt_text",
    "make_cloud",
    "word_frequencies",
]
