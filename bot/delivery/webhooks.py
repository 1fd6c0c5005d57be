"""Replies to clicks (POSTs to a click's response_url), side by side over kept-alive connections.

A burst of votes is one reply per vote, and each is a round trip to Slack. They go out
from one event loop on a thread of its own, through one pooled HTTP client: many in
flight at once, over connections kept open, instead of a thread and a new connection
for each, which in a busy process would also take the interpreter from the votes. The
client is aiohttp: its parser is compiled, and in a process that also answers votes the
interpreter time each reply costs is what sets how fast confirmations go out.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine, Mapping
from concurrent.futures import Future
from typing import Any, TypeVar

import aiohttp

T = TypeVar("T")

# A response_url is one person's: the client's own loggers never log one.
for _name in ("aiohttp.client", "aiohttp.internal"):
    logging.getLogger(_name).setLevel(logging.WARNING)

# Refused, reset, timed out: Slack may or may not have it.
Unanswered = (aiohttp.ClientConnectionError, asyncio.TimeoutError)


class Webhooks:
    """One event loop and one HTTP client, started on first use; thread-safe."""

    def __init__(self, *, connections: int, timeout: float) -> None:
        self.connections = connections
        self.timeout = timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: aiohttp.ClientSession | None = None

    def run(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        """Run `coroutine` on the loop; its outcome arrives in the returned future."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._started())

    async def post(self, url: str, body: Mapping[str, Any]) -> tuple[int, str, Mapping[str, str]]:
        """POST `body` as JSON (on the loop): the status, the text and the headers of the answer."""
        assert self._client is not None
        async with self._client.post(url, json=dict(body)) as response:
            return response.status, await response.text(), response.headers

    def close(self) -> None:
        """Close the connections and stop the loop; a later call to run() starts them again."""
        with self._lock:
            loop, thread, client = self._loop, self._thread, self._client
            self._loop = self._thread = self._client = None
        if loop is None:
            return
        if client is not None:
            asyncio.run_coroutine_threadsafe(client.close(), loop).result(timeout=10)
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

                async def client() -> aiohttp.ClientSession:
                    return aiohttp.ClientSession(
                        connector=aiohttp.TCPConnector(limit=self.connections),
                        timeout=aiohttp.ClientTimeout(total=self.timeout),
                    )

                self._client = asyncio.run_coroutine_threadsafe(client(), loop).result(timeout=10)
                self._loop, self._thread = loop, thread
            return self._loop
