"""Replies to clicks (POSTs to a click's response_url), side by side over kept-alive connections.

A burst of votes is one reply per vote, and each is a round trip to Slack. They go out
from one event loop on a thread of its own, through one pooled HTTP client: many in
flight at once, over connections kept open, instead of a thread and a new connection
for each, which in a busy process would also take the interpreter from the votes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine, Mapping
from concurrent.futures import Future
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

# At INFO httpx logs each request's URL, and a response_url is one person's: never logged.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

Unanswered = httpx.TransportError  # refused, reset, timed out: Slack may or may not have it


class Webhooks:
    """One event loop and one HTTP client, started on first use; thread-safe."""

    def __init__(self, *, connections: int, timeout: float) -> None:
        self.connections = connections
        self.timeout = timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None

    def run(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        """Run `coroutine` on the loop; its outcome arrives in the returned future."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._started())

    async def post(self, url: str, body: Mapping[str, Any]) -> tuple[int, str, Mapping[str, str]]:
        """POST `body` as JSON (on the loop): the status, the text and the headers of the answer."""
        assert self._client is not None
        response = await self._client.post(url, json=dict(body))
        return response.status_code, response.text, response.headers

    def close(self) -> None:
        """Close the connections and stop the loop; a later call to run() starts them again."""
        with self._lock:
            loop, thread, client = self._loop, self._thread, self._client
            self._loop = self._thread = self._client = None
        if loop is None:
            return
        if client is not None:
            asyncio.run_coroutine_threadsafe(client.aclose(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=10)
        loop.close()

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="convene-webhooks", daemon=True)
                thread.start()
                n = self.connections
                limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)

                async def client() -> httpx.AsyncClient:
                    return httpx.AsyncClient(limits=limits, timeout=self.timeout)

                self._client = asyncio.run_coroutine_threadsafe(client(), loop).result(timeout=10)
                self._loop, self._thread = loop, thread
            return self._loop
