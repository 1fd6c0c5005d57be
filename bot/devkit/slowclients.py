"""Slow clients, from outside: connections that send a request a byte at a time, or nothing.

What an unauthenticated client can do to a server without any volume: hold connections
open by never finishing a request (slowloris). The tests and `bench/slowclients.py` hold
hundreds or thousands of them against `convene serve` and watch what the server does
with them, and whether Slack's requests still get their answers meanwhile.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
import time
from typing import Literal, Self

Kind = Literal["headers", "body", "idle"]

# What each kind sends on connecting; then one more byte every `every` seconds (idle: nothing).
_OPENING = {
    "headers": b"POST /slack/events HTTP/1.1\r\nHost: convene\r\nX-Slow: ",
    "body": (
        b"POST /slack/events HTTP/1.1\r\nHost: convene\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ncommand="
    ),
    "idle": b"",
}


class SlowClients:
    """`count` connections to host:port (from `source`'s address if given), each of `kinds` in
    turn, kept unfinished until closed.

    `closed_by_server` counts the connections the server closed (or refused); the rest are
    still open from the server's side too.
    """

    def __init__(
        self,
        host: str,
        port: int,
        count: int,
        *,
        kinds: tuple[Kind, ...] = ("headers", "body"),
        every: float = 1.0,
        source: str | None = None,
    ) -> None:
        self.address = (host, port)
        self.source = source
        self.count = count
        self.kinds = kinds
        self.every = every
        self._open: list[tuple[socket.socket, Kind]] = []
        self.closed_by_server = 0
        self.refused = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> Self:
        for i in range(self.count):
            kind = self.kinds[i % len(self.kinds)]
            sock = socket.socket()
            try:
                sock.settimeout(5)
                if self.source:
                    sock.bind((self.source, 0))
                sock.connect(self.address)
                if _OPENING[kind]:
                    sock.sendall(_OPENING[kind])
                sock.setblocking(False)
            except OSError:
                sock.close()
                self.refused += 1
                continue
            self._open.append((sock, kind))
        self._thread = threading.Thread(target=self._trickle, name="slow-clients", daemon=True)
        self._thread.start()
        return self

    @property
    def still_open(self) -> int:
        """Connections the server has not closed."""
        with self._lock:
            return len(self._open)

    def _trickle(self) -> None:
        while not self._stop.wait(self.every):
            self.sweep(send=True)

    def sweep(self, *, send: bool = False) -> None:
        """Drop the connections the server closed; with `send`, give each of the others one byte."""
        with self._lock:
            kept = []
            for sock, kind in self._open:
                if _closed(sock) or (send and kind != "idle" and not _send_byte(sock)):
                    sock.close()
                    self.closed_by_server += 1
                else:
                    kept.append((sock, kind))
            self._open = kept

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            for sock, _kind in self._open:
                sock.close()
            self._open = []


def _closed(sock: socket.socket) -> bool:
    try:
        data = sock.recv(65536)
    except BlockingIOError:
        return False
    except OSError:
        return True
    # An answer (a 408, say) or the end of the stream: either way the server is done with it.
    return True if not data else _drain_then_closed(sock)


def _drain_then_closed(sock: socket.socket) -> bool:
    with contextlib.suppress(OSError):
        while sock.recv(65536):
            pass
    return True


def _send_byte(sock: socket.socket) -> bool:
    try:
        sock.send(b"a")
    except BlockingIOError:
        return True
    except OSError as exc:
        return exc.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN)
    return True


def wait_closed(clients: SlowClients, timeout: float) -> bool:
    """Whether the server closed every connection within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        clients.sweep()
        if clients.still_open == 0:
            return True
        time.sleep(0.2)
    return False
