"""Slack listeners. Each module registers its own; `create_app` wires them all.

Listeners stay thin: parse the payload, call the core in `bot/`, answer.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.app.services import Services
from bot.core.settings import Settings
from handlers import agenda, closing, headlines, poll_answers, poll_commands, summary

log = logging.getLogger("convene.handlers")

MODULES = (poll_commands, poll_answers, agenda, headlines, closing, summary)


def register_all(app: App, services: Services) -> None:
    """Register every listener module."""
    for module in MODULES:
        module.register(app, services)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error for %s: %s", body.get("type") or body.get("command"), error)


def create_app(settings: Settings, services: Services | None = None, *, event: Any = None) -> App:
    """Build the Bolt app over the core services (built from `settings` and `event` if not given)."""
    if services is None:
        if event is None:
            raise ValueError("create_app needs services or an event file")
        services = Services.build(settings, event)
    app = App(
        client=services.client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        # Run each listener to completion before answering, so the ack goes
        # out after the commit without a thread hop.
        process_before_response=True,
        token_verification_enabled=False,
    )
    app.services = services  # type: ignore[attr-defined]
    register_all(app, services)
    return app
