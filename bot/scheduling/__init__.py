"""The event's clock: the scheduler, its jobs and the reminder messages.

May import every feature and the layers below them.
"""
