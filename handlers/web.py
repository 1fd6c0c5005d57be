"""HTTP mode: a Starlette app serving /slack/events, /healthz and /readyz, run by uvicorn.

Bolt's own adapters call the synchronous App on the event loop; here each
request runs in the thread pool so one slow database write never stalls the
others.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.core import UserError
from bot.displays import Displays, not_found_html, page_html
from handlers.envelope import problem
from storage.db import POOL_SIZE
from storage.models import DisplayLink

REQUEST_THREADS = POOL_SIZE
# Slack's largest payloads (a modal's view with its state) stay far below this.
MAX_BODY = 1 << 20
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
JSON = {"content-type": "application/json"}
log = logging.getLogger("convene.web")

Answer = tuple[int, dict[str, str], str]


class Refused(Exception):
    """A request Slack could not have sent: the status to answer and why, never its content."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def answer(self) -> Answer:
        return self.status, JSON, json.dumps({"error": self.reason})


class SlackEndpoint:
    """/slack/events: admit, then dispatch; never a 500 for a request Slack could not have sent.

    Bolt parses a body before it checks the signature and raises on shapes it does
    not expect, so everything it would trip on is checked here first: the size
    (413), the signing headers and the signature (401), the encoding, the syntax
    and the shape of the envelope (400).
    """

    def __init__(self, app: App, signing_secret: str) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)

    def handle(self, body: bytes, headers: dict[str, str], query: str = "") -> Answer:
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            text, parsed = self.admit(body, lowered)
            # BoltRequest wants a dict whose values may also be lists; give it its own copy.
            bolt_headers: dict[str, str | Sequence[str]] = dict(lowered)
            request = BoltRequest(body=text, query=query, headers=bolt_headers)
        except Refused as exc:
            # Never the body, nor what it holds: it names the person and may carry their answer.
            log.info("refused a request of %d bytes: %s", len(body), exc.reason)
            return exc.answer()
        except Exception as exc:  # noqa: BLE001 - any shape Bolt cannot read is a bad request
            log.warning("could not read a signed request of %d bytes (%s)", len(body), type(exc).__name__)
            return Refused(400, "malformed request").answer()
        if request.body != parsed:
            # Bolt takes any form body with "payload" in it for an interaction, a command
            # whose text says "payload" too: give it the body as it really is.
            request.body = parsed
            request.context = build_context(BoltContext(), parsed)
        try:
            response = self.app.dispatch(request)
        except Exception:
            # Bolt answers a listener's failure itself; one escaping it is a gap in `admit`.
            log.exception("could not dispatch a signed request of %d bytes", len(body))
            return 500, JSON, '{"error":"internal error"}'
        return response.status, response.first_headers_without_set_cookie(), response.body

    def admit(self, body: bytes, headers: dict[str, str]) -> tuple[str, dict[str, Any]]:
        """The body as text and parsed, once it is one Slack could have sent; else Refused."""
        if len(body) > MAX_BODY:
            raise Refused(413, "request too large")
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not TIMESTAMP.fullmatch(timestamp) or not SIGNATURE.fullmatch(signature):
            raise Refused(401, "invalid request signature")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "request is not UTF-8") from None
        if not self.verifier.is_valid(text, timestamp, signature):
            raise Refused(401, "invalid request signature")
        parsed = parse(text, (headers.get("content-type") or "").split(";")[0] or None)
        reason = problem(parsed)
        if reason:
            raise Refused(400, f"malformed request ({reason})")
        return text, parsed


def parse(text: str, content_type: str | None) -> Any:
    """A body as Bolt reads it (JSON, a form, or a form's JSON `payload`), strictly; else Refused."""
    try:
        if content_type == "application/json" or text.startswith("{"):
            return json.loads(text)
        form = dict(parse_qsl(text, keep_blank_values=True, errors="strict"))
        return json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, RecursionError):
        # RecursionError: JSON nested deeper than the parser goes; ValueError: JSON or
        # percent-escapes that do not decode.
        raise Refused(400, "malformed request") from None


def once_per_event(first_sight: Callable[[str], bool]) -> Callable[..., BoltResponse | None]:
    """Bolt middleware: an Events API event whose `event_id` was seen before is acknowledged,
    not handled again (Slack redelivers on a slow answer, and Bolt does not de-duplicate)."""

    def middleware(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and not first_sight(event_id):
            return BoltResponse(status=200, body="")
        next()
        return None

    return middleware


def build_asgi(
    app: App,
    signing_secret: str,
    *,
    on_shutdown: Any = None,
    displays: Displays | None = None,
    ready: Callable[[], dict[str, str]] | None = None,
) -> Starlette:
    """Wrap a Bolt app for an ASGI server, with the room's-screen pages when `displays` is given.

    /healthz answers while the process is alive; /readyz answers 503 with what is not ready
    (`ready()`: the database, Slack, the lead, by part) until nothing is missing.
    """
    endpoint = SlackEndpoint(app, signing_secret)

    async def slack_events(request: Request) -> Response:
        try:
            body = await read_body(request)
        except ClientDisconnect:
            # Nobody is left to answer, and nothing was read that could be recorded.
            log.info("a client went away before its request was read whole")
            return Response(status_code=400)
        except Refused as exc:
            log.info("refused a request: %s", exc.reason)
            status, headers, content = exc.answer()
        else:
            status, headers, content = await run_in_threadpool(
                endpoint.handle, body, dict(request.headers.items()), request.url.query
            )
        return Response(status_code=status, content=content, headers=headers)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def readyz(request: Request) -> Response:
        problems = await run_in_threadpool(ready) if ready is not None else {}
        if problems:
            return JSONResponse({"ready": False, "not": problems}, status_code=503)
        return JSONResponse({"ready": True})

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

    routes = [
        Route("/slack/events", slack_events, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if displays is not None:
        routes += display_routes(displays)
    return Starlette(routes=routes, lifespan=lifespan)


def display_asgi(displays: Displays) -> Starlette:
    """Only the room's-screen pages (and /healthz), for Socket Mode, where Slack's requests
    come over a socket and nothing else listens: the same routes `build_asgi` serves."""

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/healthz", healthz), *display_routes(displays)])


async def read_body(request: Request) -> bytes:
    """The request's body, refused (413) as soon as it says or shows it is over MAX_BODY."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isascii() or not declared.isdigit():
            raise Refused(400, "bad content-length")
        if int(declared) > MAX_BODY:
            raise Refused(413, "request too large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, "request too large")
        chunks.append(chunk)
    return b"".join(chunks)


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
