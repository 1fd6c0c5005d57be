"""Convene's core: one package per concern, layered (see the README's "How it is built").

`bot.cli` is the entry point and sits on top of everything.
"""
