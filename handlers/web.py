"""HTTP mode: a Starlette app serving /slack/events and /healthz, run by uvicorn.

Bolt's own adapters call the synchronous App on the event loop; here each
request runs in the thread pool so one slow database write never stalls the
others.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import anyio.to_thread
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.core import UserError
from bot.displays import Displays, not_found_html, page_html
from storage.db import POOL_SIZE
from storage.models import DisplayLink

REQUEST_THREADS = POOL_SIZE
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
            # Never the body: it names the person and may carry their answer.
            log.warning("could not handle a signed request of %d bytes", len(body), exc_info=True)
            return 400, {"content-type": "application/json"}, '{"error":"malformed request"}'
        return response.status, response.first_headers_without_set_cookie(), response.body


def build_asgi(
    app: App, signing_secret: str, *, on_shutdown: Any = None, displays: Displays | None = None
) -> Starlette:
    """Wrap a Bolt app for an ASGI server, with the room's-screen pages when `displays` is given."""
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
        # Requests run in anyio's thread pool (40 threads by default). Past a few
        # threads per core they only queue on the database, and on PostgreSQL more
        # threads than pooled connections means opening and closing connections
        # in the middle of a burst; so requests share as many threads as the pool
        # keeps connections.
        anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        yield
        if on_shutdown:
            on_shutdown()

    routes = [Route("/slack/events", slack_events, methods=["POST"]), Route("/healthz", healthz)]
    if displays is not None:
        routes += display_routes(displays)
    return Starlette(routes=routes, lifespan=lifespan)


# Display pages are read-only and reached by an unguessable link: keep them out of
# search engines, referrers and framing by other sites.
PRIVATE = {
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline' "
    "'self'; img-src 'self'",
}


def display_routes(displays: Displays) -> list[Route]:
    """GET /display/<token>, its data.json and, for word clouds, cloud.png."""

    async def lookup(request: Request) -> DisplayLink | None:
        return await run_in_threadpool(displays.link, request.path_params["token"])

    async def page(request: Request) -> Response:
        if await lookup(request) is None:
            return HTMLResponse(not_found_html(), status_code=404, headers=PRIVATE)
        return HTMLResponse(page_html(), headers=PRIVATE)

    async def data(request: Request) -> Response:
        link = await lookup(request)
        if link is None:
            return JSONResponse({"error": "unknown display"}, status_code=404, headers=PRIVATE)
        try:
            payload = await run_in_threadpool(displays.data, link)
        except UserError as exc:
            return JSONResponse({"error": str(exc)}, status_code=410, headers=PRIVATE)
        return JSONResponse(payload, headers=PRIVATE)

    async def cloud(request: Request) -> Response:
        link = await lookup(request)
        if link is None or link.kind != "cloud":
            return Response(status_code=404, headers=PRIVATE)
        _signature, png, _alt = await run_in_threadpool(displays.cloud, link)
        if not png:
            return Response(status_code=204, headers=PRIVATE)
        return Response(png, media_type="image/png", headers=PRIVATE)

    return [
        Route("/display/{token}", page),
        Route("/display/{token}/data.json", data),
        Route("/display/{token}/cloud.png", cloud),
    ]
