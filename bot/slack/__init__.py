"""Text as the bot writes it, and Slack's app manifest: one escaping function per output
kind (Slack mrkdwn, plain text, Markdown, HTML, spreadsheet cells) for everything people
typed, and the manifest built from the commands and events the bot handles.

May import `bot.event`, `bot.core`.
"""

from bot.slack.manifest import COMMANDS, build_manifest
from bot.slack.text import html, link, markdown, mrkdwn, one_line, plain, quote, spreadsheet, truncate

__all__ = [
    "COMMANDS",
    "build_manifest",
    "html",
    "link",
    "markdown",
    "mrkdwn",
    "one_line",
    "plain",
    "quote",
    "spreadsheet",
    "truncate",
]
