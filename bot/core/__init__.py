"""Foundations every layer may use: the clock, user-facing errors, settings.

Imports nothing of the project but `storage` (for the default database URL).
"""
