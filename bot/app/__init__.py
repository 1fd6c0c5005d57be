"""Wiring: builds every service once, starts and stops them, holds the lead among processes,
and builds the Bolt app and the ASGI app for uvicorn's workers; reaching Slack at start
(`reach`: a refused token, retries with backoff) and the edge uvicorn serves through (`edge`:
the read deadline and the connection caps).

May import `handlers`, every feature and the layers below them.
"""

from bot.app.leader import Leadership
from bot.app.serve import EVENT_ENV, DisplayServer, create_app, display_url
from bot.app.services import Services

__all__ = [
    "EVENT_ENV",
    "DisplayServer",
    "Leadership",
    "Services",
    "create_app",
    "display_url",
]
