"""The HTTP side: a threaded server on 127.0.0.1 and the routing of each request.

Web API calls go through injected failures, authentication and rate limits
before the method's family answers; upload and response URLs go to their
endpoints. Every request is recorded before its reply is sent. Connections are
kept alive between requests (HTTP/1.1), as Slack's are.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

from .limits import RateLimits
from .params import _parse_params
from .records import _Reply, _SlackError

log = logging.getLogger(__package__)


@dataclass(frozen=True)
class Answer:
    """The sandbox's HTTP answer to one request: status, headers and body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes


class Serving(RateLimits):
    """Start and stop the server; turn each HTTP request into a recorded call and its reply."""

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve on a daemon thread; idempotent."""
        with self._lock:
            if self._server is not None:
                return self
            server = _Server(("127.0.0.1", 0), _Handler)
            server.sandbox = self
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-sandbox", daemon=True
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, path: str, raw: bytes, headers: Message) -> Answer | None:
        """One HTTP request to the sandbox (`path` with its query, the body, the headers), as the
        server answers it: the status, the headers and the bytes of the reply, or None when the
        connection is to be closed with no answer. The HTTP server and the in-process opener
        (`local`) both come here, so a call is limited, validated and recorded the same way."""
        if self.latency > 0:
            time.sleep(self.latency)
        try:
            reply = self._route(path, raw, headers)
        except Exception:
            log.exception("sandbox failed on %s", path)
            reply = _Reply(500, {"ok": False, "error": "fatal_error"})
        if reply.drop:
            return None
        if isinstance(reply.body, str):
            payload, content_type = reply.body.encode("utf-8"), "text/plain; charset=utf-8"
        else:
            payload, content_type = json.dumps(reply.body).encode("utf-8"), "application/json; charset=utf-8"
        return Answer(reply.status, {"Content-Type": content_type, **reply.headers}, payload)

    def _handle_http(self, handler: BaseHTTPRequestHandler) -> Answer | None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        return self.answer(handler.path, raw, handler.headers)

    def _route(self, path: str, raw: bytes, headers: Message) -> _Reply:
        url = urlsplit(path)
        content_type = headers.get("Content-Type", "")
        if url.path.startswith("/api/"):
            params = _parse_params(url.query, raw, content_type)
            return self._handle_api(url.path[len("/api/") :], params, headers.get("Authorization"))
        for prefix, endpoint in self._endpoints.items():
            if url.path.startswith(prefix):
                return endpoint(url.path, raw, content_type)
        return _Reply(404, {"ok": False, "error": "unknown_method"})

    def _handle_api(self, method: str, params: dict[str, Any], authorization: str | None) -> _Reply:
        self._be_slow(method)
        with self._lock:
            now = self.clock.now()
            token = params.pop("token", None)
            if authorization and authorization.startswith("Bearer "):
                token = authorization[len("Bearer ") :].strip()
            reply = self._answer_api(method, params, token, now)
            call = self._record(method, params, reply, now)
        self._notify(call)
        return reply

    def _answer_api(self, method: str, params: dict[str, Any], token: str | None, now: datetime) -> _Reply:
        fault = self._take_fault(method)
        if fault is not None and not fault.after_work:
            return fault.reply()
        reply = self._do_api(method, params, token, now)
        # The work is done, but its answer never reaches the client.
        return fault.reply() if fault is not None else reply

    def _do_api(self, method: str, params: dict[str, Any], token: str | None, now: datetime) -> _Reply:
        handler = self._methods.get(method)
        if handler is None:
            return _Reply(404, {"ok": False, "error": "unknown_method"})
        # api.test is the one method Slack answers without a token.
        if method != "api.test":
            if not token:
                return _Reply(200, {"ok": False, "error": "not_authed"})
            if token != self.bot_token:
                return _Reply(200, {"ok": False, "error": "invalid_auth"})
            if self._users[self.bot_user_id]["deleted"]:
                return _Reply(200, {"ok": False, "error": "account_inactive"})
        limited = self._rate_limited(method, params, now)
        if limited is not None:
            return limited
        try:
            return _Reply(200, {"ok": True, **handler(params, now)})
        except _SlackError as err:
            return _Reply(200, err.body())
        except Exception:
            # A sandbox bug is recorded like any answer so the failing call stays visible.
            log.exception("sandbox failed on %s", method)
            return _Reply(500, {"ok": False, "error": "fatal_error"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: Serving


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, as Slack answers: a client sends many calls over one connection. Every answer
    # carries its Content-Length; a dropped one closes the connection under the client.
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        self._serve()

    def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        self._serve()

    def _serve(self) -> None:
        try:
            answer = self.server.sandbox._handle_http(self)
        except Exception:  # reading the request failed: its body may be left unread on the socket
            log.exception("sandbox failed on %s", self.path)
            body = json.dumps({"ok": False, "error": "fatal_error"}).encode("utf-8")
            answer = Answer(500, {"Content-Type": "application/json; charset=utf-8"}, body)
            self.close_connection = True
        if answer is None:
            # No status line, no body: the client sees the connection closed under it.
            self.close_connection = True
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        # Calls are already recorded; stderr noise would drown test and shell output.
        pass
