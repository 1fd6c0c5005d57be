"""The Bolt app over the core, and the ASGI app that `convene serve`'s workers build."""

from __future__ import annotations

import os

from slack_bolt import App
from starlette.applications import Starlette

from bot.app.services import Services
from bot.core import Settings, configure_logging
from bot.event import load_event
from handlers import register_all
from handlers.web import build_asgi, once_per_event
from storage.seen import first_sight

# `convene serve` passes the event file to its uvicorn workers in this variable.
EVENT_ENV = "CONVENE_EVENT_FILE"


def create_app(settings: Settings, services: Services) -> App:
    """Build the Bolt app over the core services."""
    app = App(
        client=services.client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        # Run each listener to completion before answering, so the ack goes
        # out after the commit without a thread hop.
        process_before_response=True,
        token_verification_enabled=False,
    )
    # Before any listener: a redelivered event stops here, in whichever worker it reaches.
    app.use(once_per_event(lambda event_id: first_sight(services.engine, event_id, now=services.clock.now())))
    register_all(app, services.core)
    return app


def asgi_from_env() -> Starlette:
    """uvicorn factory for worker processes: rebuilds the app from the environment.

    `convene serve` has checked the event file before starting uvicorn, so the
    workers skip the one check that would load matplotlib into each of them.
    """
    configure_logging()
    settings = Settings()
    services = Services.build(settings, load_event(os.environ[EVENT_ENV], check_colormap=False))
    app = create_app(settings, services)
    services.start()
    return build_asgi(
        app,
        settings.slack_signing_secret.get_secret_value(),
        on_shutdown=services.stop,
        displays=services.displays,
    )
