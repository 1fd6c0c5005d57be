"""The event file: its spec, loading and checks with file/line/field
problems, the roster, and the plan of sends derived from it.

May import `bot.core`.
"""
