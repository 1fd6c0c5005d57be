"""Wiring: builds every service once, starts and stops them, holds the lead among processes.

May import `handlers`, every feature and the layers below them.
"""
