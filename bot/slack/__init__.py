"""Slack's own formats: mrkdwn escaping of what people type, and the app manifest.

May import `bot.event`, `bot.core`.
"""

from bot.slack.manifest import COMMANDS, build_manifest
from bot.slack.mrkdwn import escape, truncate

__all__ = [
    "COMMANDS",
    "build_manifest",
    "escape",
    "truncate",
]
