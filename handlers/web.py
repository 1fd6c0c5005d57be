"""HTTP mode: a Starlette app serving /slack/events and /healthz, run by uvicorn.

Bolt's own adapters call the synchronous App on the event loop; here each
request runs in the thread pool so one slow database write never stalls the
others.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Sequence
from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

EVENT_ENV = "CONVENE_EVENT_FILE"
log = logging.getLogger("convene.web")


class SlackEndpoint:
    """/slack/events: verify, parse, dispatch; never a 500 for a request Slack could not have sent.

    Bolt parses a body before it checks the signature and raises on shapes it
    does not expect, so the signature is checked here first (401), and a signed
    body that still cannot be handled gets a 400.
    """

    def __init__(self, app: App, signing_secret: str) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)

    def handle(
        self, body: bytes, headers: dict[str, str], query: str = ""
    ) -> tuple[int, dict[str, str], str]:
        lowered = {k.lower(): v for k, v in headers.items()}
        if not self.verifier.is_valid_request(body, lowered):
            return 401, {"content-type": "application/json"}, '{"error":"invalid request signature"}'
        try:
            # BoltRequest wants a dict whose values may also be lists; give it its own copy.
            bolt_headers: dict[str, str | Sequence[str]] = dict(lowered)
            response = self.app.dispatch(
                BoltRequest(body=body.decode("utf-8"), query=query, headers=bolt_headers)
            )
        except Exception:
            log.warning("could not handle a signed request: %.200r", body, exc_info=True)
            return 400, {"content-type": "application/json"}, '{"error":"malformed request"}'
        return response.status, response.first_headers_without_set_cookie(), response.body


def build_asgi(app: App, signing_secret: str, *, on_shutdown: Any = None) -> Starlette:
    """Wrap a Bolt app for an ASGI server."""
    endpoint = SlackEndpoint(app, signing_secret)

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        status, headers, content = await run_in_threadpool(
            endpoint.handle, body, dict(request.headers.items()), request.url.query
        )
        return Response(status_code=status, content=content, headers=headers)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if on_shutdown:
            on_shutdown()

    return Starlette(
        routes=[Route("/slack/events", slack_events, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )


def asgi_from_env() -> Starlette:
    """uvicorn factory for worker processes: rebuilds the app from the environment."""
    from bot.settings import Settings
    from handlers import create_app

    settings = Settings()
    app = create_app(settings, event=os.environ[EVENT_ENV])
    services = app.services  # type: ignore[attr-defined]
    services.start()
    return build_asgi(app, settings.slack_signing_secret.get_secret_value(), on_shutdown=services.stop)
