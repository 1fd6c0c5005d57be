"""Vision headlines from district teams: submitting, hiding, the wall, and their views.

May import `bot.delivery` and the layers below it.
"""
