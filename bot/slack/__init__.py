"""Slack's own formats: mrkdwn escaping, Block Kit helpers, the app manifest.

May import `bot.event`, `bot.core`.
"""
