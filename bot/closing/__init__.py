"""The closing session: the headlines wall and the word clouds.

May import `bot.polls`, `bot.headlines` and the layers below them.
"""
