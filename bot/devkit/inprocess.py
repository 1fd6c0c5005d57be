"""The bot's calls to the sandbox without sockets: for rehearsals and the shell.

Only the lowest step changes. slack_sdk's WebClient builds its urllib request as
always (arguments, headers, token) and reads the answer as always (SlackResponse,
SlackApiError, 429 headers); a urllib opener whose handler gives the request to
the sandbox's own request handling (`SlackSandbox.answer`, where the server's
threads give it too) stands where `urlopen` would open a connection. The sandbox
records, limits and validates the call the same way; urllib turns an error status
into HTTPError and a dropped answer into a closed connection, as over a socket.
Replies to a response_url and the bytes of a files upload v2 go the same way.

Tests that need the wire keep using the sandbox's HTTP server: this is chosen
explicitly (`Workspace(in_process=True)`).
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import urllib.request
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import Future
from http import HTTPStatus
from ssl import SSLContext
from typing import Any, TypeVar
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.response import addinfourl

import aiohttp
from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.web.file_upload_v2_result import FileUploadV2Result

from bot.delivery import Webhooks
from bot.devkit.sandbox import SlackSandbox

T = TypeVar("T")


class SandboxHandler(urllib.request.BaseHandler):
    """urllib's handler for the sandbox's URLs: the request goes to `SlackSandbox.answer` in
    this process; any other URL is left to the handlers after it."""

    handler_order = 100  # before HTTPHandler, which would open a connection

    def __init__(self, sandbox: SlackSandbox) -> None:
        self.sandbox = sandbox

    def http_open(self, request: urllib.request.Request) -> addinfourl | None:
        if not request.full_url.startswith(self.sandbox.base_url + "/"):
            return None
        url = urlsplit(request.full_url)
        headers = http.client.HTTPMessage()
        for name, value in request.header_items():
            headers[name] = value
        data = request.data
        raw = data if isinstance(data, bytes) else b"" if data is None else bytes(data)  # type: ignore[arg-type]
        answer = self.sandbox.answer(url.path + (f"?{url.query}" if url.query else ""), raw, headers)
        if answer is None:
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        received = http.client.HTTPMessage()
        for name, value in answer.headers.items():
            received[name] = value
        received["Content-Length"] = str(len(answer.body))
        response = addinfourl(io.BytesIO(answer.body), received, request.full_url, answer.status)
        response.msg = _reason(answer.status)  # type: ignore[attr-defined] # read by HTTPErrorProcessor
        return response


def sandbox_opener(sandbox: SlackSandbox) -> urllib.request.OpenerDirector:
    """A urllib opener that serves the sandbox's URLs in process and answers errors as urlopen
    does (HTTPError for a status >= 400); other URLs go over HTTP, with no proxy."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        SandboxHandler(sandbox),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


class InProcessWebClient(WebClient):
    """slack_sdk's WebClient, whose requests are opened by `opener` instead of `urlopen`."""

    def __init__(self, *, opener: urllib.request.OpenerDirector, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.opener = opener

    def _perform_urllib_http_request_internal(self, url: str, req: urllib.request.Request) -> dict[str, Any]:
        if not url.lower().startswith("http"):
            raise SlackRequestError(f"Invalid URL detected: {url}")
        response = self.opener.open(req, timeout=self.timeout)
        charset = response.headers.get_content_charset() or "utf-8"
        return {"status": response.code, "headers": response.headers, "body": response.read().decode(charset)}

    def _upload_file(
        self,
        *,
        url: str,
        data: bytes,
        logger: logging.Logger,
        timeout: int,
        proxy: str | None,
        ssl: SSLContext | None,
    ) -> FileUploadV2Result:
        request = urllib.request.Request(method="POST", url=url, data=data, headers={})
        response = self.opener.open(request, timeout=timeout)
        charset = response.headers.get_content_charset() or "utf-8"
        return FileUploadV2Result(status=response.status, body=response.read().decode(charset))


def in_process_listeners(app: App, opener: urllib.request.OpenerDirector) -> None:
    """Give Bolt's listeners a client that reaches the sandbox through `opener`: Bolt makes a
    plain WebClient for each request, with the app client's settings, and this middleware (the
    last before the listeners) puts one of the same settings but this class in its place."""

    def in_process_client(context: BoltContext, next_: Callable[[], None]) -> None:
        client = context.client
        context["client"] = InProcessWebClient(
            opener=opener,
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            headers=client.headers,
            team_id=client.default_params.get("team_id"),
            logger=client.logger,
            retry_handlers=client.retry_handlers,
        )
        next_()

    app.use(in_process_client)


class InProcessWebhooks(Webhooks):
    """Replies to a response_url, posted through `opener` (the sandbox's, in process)."""

    def __init__(self, *, opener: urllib.request.OpenerDirector, timeout: float = 10) -> None:
        super().__init__(connections=1, timeout=timeout)  # the pooled client is never used
        self.opener = opener

    def run(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        """Run `coroutine` to its end on the calling thread: nothing on this path waits for I/O (the
        sandbox answers in the call), so there is no loop to hand it to."""
        future: Future[T] = Future()
        try:
            coroutine.send(None)
        except StopIteration as done:
            future.set_result(done.value)
        except BaseException as exc:  # noqa: BLE001 - the caller reads it from the future, as from a loop's
            future.set_exception(exc)
        else:  # it waited on something after all: a bug here, never a lost reply
            coroutine.close()
            future.set_exception(RuntimeError("an in-process reply waited for I/O"))
        return future

    async def post(self, url: str, body: Mapping[str, Any]) -> tuple[int, str, Mapping[str, str]]:
        data, headers = json.dumps(dict(body)).encode(), {"Content-Type": "application/json"}
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read().decode(), dict(response.headers.items())
        except HTTPError as exc:
            return exc.code, exc.read().decode(), dict(exc.headers.items())
        except OSError as exc:  # the answer was dropped: what aiohttp raises for a closed connection
            raise aiohttp.ServerDisconnectedError() from exc


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
