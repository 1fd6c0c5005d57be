"""Polls: launching, answering and closing them, the answer rules, tallies, and their Block Kit views.

May import `bot.delivery` and the layers below it.
"""
