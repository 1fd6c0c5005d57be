"""The server's edge: how long a client may take to send a request, and how many may be connected.

uvicorn closes a keep-alive connection left idle (`--timeout-keep-alive`) and bounds a
request's headers (h11's incomplete-event size), but it never times out a request that is
still arriving: a client that sends its headers or its body a byte at a time holds a
connection, and a file, for as long as it likes, and a thousand such clients fill the
process's file table. So `convene serve` runs uvicorn with its own HTTP protocol classes
(`--http bot.app.edge:HTTP`), the same protocols with two additions:

- a read deadline: a request whose headers and body have not all arrived `read_timeout`
  seconds after the connection opened (or after the previous answer on a kept-alive
  connection) is closed. Once a request has arrived whole, the time is the app's, not the
  client's, and it is never cut;
- caps: past `max_connections` open connections in this process, or past
  `max_connections_per_address` from one client address (the proxy in front, on loopback,
  is held only to the first), a new one is closed the moment it is accepted, so the server
  refuses quickly instead of running out of files.

Both work with uvicorn's h11 protocol and, when httptools is installed, its httptools one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
from collections import Counter
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.core import Settings

log = logging.getLogger("convene.edge")

# Files kept back from the connection cap for the database pool, the log, the sandbox's or
# Slack's connections and the listening socket.
RESERVED_FILES = 256


def raise_open_file_limit() -> int:
    """Raise this process's soft open-file limit to its hard limit; return the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def connection_cap(settings: Settings, open_files: int) -> int:
    """The connections one process accepts: the setting, within the files it may open."""
    return max(16, min(settings.max_connections, open_files - RESERVED_FILES))


_SETTINGS = Settings()
READ_TIMEOUT = _SETTINGS.read_timeout
MAX_CONNECTIONS = connection_cap(_SETTINGS, raise_open_file_limit())
PER_ADDRESS = _SETTINGS.max_connections_per_address
# The proxy in front (uvicorn trusts its forwarded headers from here too) speaks for every
# client behind it, so it is held only to the cap in all.
PROXIES = frozenset({"127.0.0.1", "::1"})
# Open connections by client address, in this process (one event loop: no lock needed).
_open_from: Counter[str] = Counter()


class _Edge:
    """The read deadline and the connection cap, over one of uvicorn's HTTP protocols."""

    if TYPE_CHECKING:
        transport: asyncio.Transport
        loop: asyncio.AbstractEventLoop
        connections: set[Any]
        cycle: Any

    _deadline: asyncio.TimerHandle | None = None
    _armed_for: Any = None
    _address: str | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        if len(self.connections) > MAX_CONNECTIONS:
            log.warning("refused a connection: %d are open, the most this process takes", MAX_CONNECTIONS)
            transport.abort()
            return
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else None
        if address is not None and address not in PROXIES:
            if _open_from[address] >= PER_ADDRESS:
                # Never the address itself: it may be a person's.
                log.warning(
                    "refused a connection: %d are open from its address, the most one takes", PER_ADDRESS
                )
                transport.abort()
                return
            _open_from[address] += 1
            self._address = address
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._address is not None:
            _open_from[self._address] -= 1
            if _open_from[self._address] <= 0:
                del _open_from[self._address]
            self._address = None
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._armed_for = self.cycle
        self._deadline = self.loop.call_later(READ_TIMEOUT, self._read_deadline)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _read_deadline(self) -> None:
        self._deadline = None
        cycle = self.cycle
        if cycle is not None and cycle is not self._armed_for and not cycle.more_body:
            return  # the request arrived whole: the app is answering it
        if not self.transport.is_closing():
            log.info("closed a connection whose request had not arrived whole in %.0f s", READ_TIMEOUT)
            self.transport.close()


class H11WithDeadline(_Edge, H11Protocol):
    """uvicorn's h11 protocol with the read deadline and the connection cap."""


HTTP: type[asyncio.Protocol] = H11WithDeadline

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is optional: h11 serves without it
    pass
else:

    class HttpToolsWithDeadline(_Edge, HttpToolsProtocol):
        """uvicorn's httptools protocol with the read deadline and the connection cap."""

    HTTP = HttpToolsWithDeadline

if os.environ.get("CONVENE_HTTP") == "h11":  # to compare the two, or to rule httptools out
    HTTP = H11WithDeadline
