"""The agenda: what is on now and next, a person's own day, breakout choices, the Home tab.

May import `bot.polls`, `bot.headlines` and the layers below them.
"""
