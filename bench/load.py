"""The benchmarks' load generator: replay pre-signed requests over keep-alive HTTP/1.1 connections.

    .venv/bin/python bench/load.py --url http://127.0.0.1:3000/slack/events \\
        --requests requests.tsv --connections 32 --out results.json

Run as its own process (so it does not share the server's or the sandbox's
interpreter lock), it opens every connection first, then sends the requests of
the file in its order, each exactly once: a connection takes the next unsent
request as soon as its previous answer is in (a closed loop). It records each
request's send and answer times on the monotonic clock, which on Linux every
process shares, and the wall clock's offset from it, so that the caller can
set the times beside what the sandbox recorded. A request unanswered after
`--timeout` seconds is counted as a timeout, never re-sent and never dropped
silently; it reports only once every request is answered or timed out.

The requests file has one request per line: tag<TAB>timestamp<TAB>signature<TAB>body,
where tag names the request (the voter) and the next two are Slack's
X-Slack-Request-Timestamp and X-Slack-Signature for the form-encoded body.
Adjacent lines with the same tag are one person clicking twice at once: they go
out together, each on a connection of its own (the others opened for them just
before), and only then are their answers read.

The results file is JSON: {"anchor": wall minus monotonic, "cpu_s": this
process's CPU time during the burst, "wall_s", "timeouts", "errors", "unsent",
"requests": [[tag, sent, answered or null, status or "timeout"/"error"], ...]}
in file order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def read_requests(path: Path, host: str, target: str) -> tuple[list[str], list[bytes]]:
    """The tags and the raw HTTP/1.1 requests of a requests file, built once before the burst."""
    tags, raw = [], []
    for line in path.read_text().splitlines():
        tag, stamp, signature, body = line.split("\t", 3)
        data = body.encode()
        head = (
            f"POST {target} HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(data)}\r\n"
            f"X-Slack-Request-Timestamp: {stamp}\r\nX-Slack-Signature: {signature}\r\n\r\n"
        )
        tags.append(tag)
        raw.append(head.encode() + data)
    return tags, raw


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """One response's status and whether the connection stays open; the body is read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked, keep = 0, False, not lines[0].startswith(b"HTTP/1.0")
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            keep = value != b"close"
    if chunked:
        while size := int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    elif length:
        await reader.readexactly(length)
    return status, keep


def groups(tags: list[str]) -> list[list[int]]:
    """The requests' indices, adjacent requests with the same tag together: sent at once."""
    found: list[list[int]] = []
    for index, tag in enumerate(tags):
        if found and tags[found[-1][0]] == tag:
            found[-1].append(index)
        else:
            found.append([index])
    return found


class Connection:
    """One kept-alive connection, reopened before a request if the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        for attempt in range(50):
            try:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                return
            except OSError:
                await asyncio.sleep(0.02 * (attempt + 1))
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def send(self, raw: bytes) -> float:
        # Closed by this side after an answer, or by the server while idle (uvicorn closes a
        # kept-alive connection after 5 s; a spare one waits for the next double click):
        # reopened before the request, so nothing is lost.
        if self.writer is None or self.writer.is_closing() or (self.reader and self.reader.at_eof()):
            await self.open()
        assert self.writer is not None
        sent = time.monotonic()
        self.writer.write(raw)
        return sent

    async def answer(self, sent: float, timeout: float) -> tuple[float, float | None, int | str]:
        assert self.reader is not None and self.writer is not None
        try:
            status, keep = await asyncio.wait_for(read_response(self.reader), timeout)
            result: tuple[float, float | None, int | str] = (sent, time.monotonic(), status)
        except TimeoutError:
            result, keep = (sent, None, "timeout"), False
        except (OSError, asyncio.IncompleteReadError, ValueError):
            result, keep = (sent, None, "error"), False
        if not keep:
            self.writer.close()
        return result

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def burst(
    host: str, port: int, raw: list[bytes], tags: list[str], connections: int, timeout: float
) -> list[tuple[float, float | None, int | str]]:
    """Send every request once over `connections` connections; each one's (sent, answered, status).

    A group of requests with the same tag (a double click) goes out at once, each on a
    connection of its own (the worker's, and ones opened for the others), before any
    answer is read."""
    results: list[tuple[float, float | None, int | str]] = [(0.0, None, "unsent")] * len(raw)
    following = iter(groups(tags))
    connected = asyncio.Barrier(connections + 1)  # every connection open before the first request

    async def worker() -> None:
        own = Connection(host, port)
        try:
            await own.open()
        except OSError:
            await connected.abort()  # the burst cannot start as planned: fail, do not hang
            raise
        await connected.wait()
        for group in following:
            # A double click's other requests each get a connection opened for them now: a
            # spare kept open would sit idle between double clicks, and the server closes
            # idle connections (uvicorn after 5 s), possibly just as a request goes out.
            extra = [Connection(host, port) for _ in group[1:]]
            await asyncio.gather(*(c.open() for c in extra))
            conns = [own, *extra]
            sent = [await c.send(raw[i]) for c, i in zip(conns, group, strict=True)]
            answers = await asyncio.gather(*(c.answer(t, timeout) for c, t in zip(conns, sent, strict=True)))
            for index, result in zip(group, answers, strict=True):
                results[index] = result
            for c in extra:
                c.close()
        own.close()

    tasks = [asyncio.create_task(worker()) for _ in range(connections)]
    await connected.wait()
    await asyncio.gather(*tasks)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True, help="where to POST, e.g. http://127.0.0.1:3000/slack/events")
    parser.add_argument("--requests", type=Path, required=True, help="the requests file (see above)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds before a request counts as a timeout (default 60)",
    )
    parser.add_argument("--out", type=Path, required=True, help="where to write the results (JSON)")
    args = parser.parse_args()
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    tags, raw = read_requests(args.requests, f"{host}:{port}", url.path or "/")
    before = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.monotonic()
    results = asyncio.run(burst(host, port, raw, tags, args.connections, args.timeout))
    wall = time.monotonic() - wall
    after = resource.getrusage(resource.RUSAGE_SELF)
    report: dict[str, Any] = {
        "anchor": time.time() - time.monotonic(),
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "wall_s": wall,
        "timeouts": sum(1 for r in results if r[2] == "timeout"),
        "errors": sum(1 for r in results if r[2] == "error"),
        "unsent": sum(1 for r in results if r[2] == "unsent"),
        "requests": [[tag, *result] for tag, result in zip(tags, results, strict=True)],
    }
    args.out.write_text(json.dumps(report))


if __name__ == "__main__":
    main()
