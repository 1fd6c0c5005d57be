"""Storage: the SQLModel tables (`models`), the engine and transactions (`db`), the
locks that order writers and elect the leader (`locks`), the Slack events already
taken in (`seen`), and the Alembic migrations (`migrate`, `migrations/`).

The bottom layer: imports nothing of the project.
"""

__all__ = ["db", "locks", "migrate", "models", "seen"]
