"""The Bolt app over the core, and the ASGI app that `convene serve`'s workers build."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import threading

import uvicorn
from slack_bolt import App
from starlette.applications import Starlette

from bot.app.reach import TokenRefused
from bot.app.services import Services
from bot.core import Settings, UserError, configure_logging
from bot.displays import Displays
from bot.event import load_event
from handlers import register_all
from handlers.web import build_asgi, display_asgi, once_per_event
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
    try:
        services.start()
    except TokenRefused as exc:
        # `convene serve` asked Slack the same before starting uvicorn: the token was revoked since.
        logging.getLogger("convene.start").error("%s", exc)
        raise SystemExit(3) from None
    return build_asgi(
        app,
        settings.slack_signing_secret.get_secret_value(),
        on_shutdown=services.stop,
        displays=services.displays,
        ready=services.readiness,
    )


class DisplayServer:
    """The room's-screen pages on a port of their own, in a thread: Socket Mode's web side.

    The port is taken when this is made, so a port in use is a UserError before anything starts.
    """

    def __init__(self, *, host: str, port: int) -> None:
        self.host = host
        self._socket = _listen(host, port)
        self.port = int(self._socket.getsockname()[1])  # the one given, or the one chosen for 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, displays: Displays) -> None:
        """Serve `displays` until stop()."""
        config = uvicorn.Config(
            display_asgi(displays),
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="bot.app.edge:HTTP",  # the same read deadline and connection cap as `convene serve`
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="convene-displays", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and free the port (safe to call twice)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        with contextlib.suppress(OSError):
            self._socket.close()


def _listen(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise UserError(f"cannot serve the display pages on {host}: no such address") from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UserError(f"port {port} on {host} is in use: choose another with --port") from None
        raise UserError(f"cannot serve the display pages on {host}:{port}: {exc.strerror}") from None
    return sock


def display_url(settings: Settings, host: str, port: int) -> Settings:
    """Settings whose display links reach this process's pages: CONVENE_PUBLIC_URL when it is set,
    else this host and port."""
    if "public_url" in settings.model_fields_set:
        return settings
    reach = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in reach:
        reach = f"[{reach}]"
    return settings.model_copy(update={"public_url": f"http://{reach}:{port}"})
