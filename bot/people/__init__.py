"""Who is who: roster people matched to Slack users and channels, and the staff checks.

May import `bot.event`, `bot.core`, `storage`.
"""
