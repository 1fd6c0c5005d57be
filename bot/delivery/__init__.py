"""The one place that sends to Slack: the outbox, its dispatcher and pacing, and the registry of outbox kinds.

May import `bot.people`, `bot.slack`, `bot.event`, `bot.core`, `storage`.
"""
