"""`convene serve`'s edge, from outside: slow clients, too many clients, clients that go away.

Each test runs the real server (uvicorn and its workers) against the sandbox and attacks it
the way an unauthenticated client on the network could.
"""

from __future__ import annotations

import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.devkit import Workspace
from bot.devkit.simulate import Transport
from bot.devkit.slowclients import SlowClients, wait_closed
from bot.event import Event
from tests.kit import wait_until
from tests.kit.serve import serving

pytestmark = pytest.mark.slow

READ_TIMEOUT = 3  # seconds the server gives a request to arrive whole, in these tests
SLACK_DEADLINE = 3.0  # seconds Slack waits for an answer


@pytest.fixture
def edge(example_event: Event, engine: Engine, tmp_path: Path) -> Iterator[tuple[Workspace, str, Path]]:
    settings = {"CONVENE_READ_TIMEOUT": str(READ_TIMEOUT), "CONVENE_MAX_CONNECTIONS": "600"}
    with serving(example_event, engine, tmp_path, env=settings) as (ws, url, log):
        ws.driver.transport = within_slacks_deadline(f"{url}/slack/events")
        yield ws, url, log


def within_slacks_deadline(url: str) -> Transport:
    """Deliver requests as Slack does: an answer later than its 3 s deadline is a failure."""

    def send(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=SLACK_DEADLINE) as response:
            return response.status, response.read().decode()

    return send


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=SLACK_DEADLINE) as r:
            return r.status == 200
    except OSError:
        return False


def test_slow_clients_are_cut_off_while_votes_are_answered(edge: tuple[Workspace, str, Path]) -> None:
    ws, url, _log = edge
    reply = ws.driver.command(
        ws.user("facilitator-lead"), "/poll launch capacity-project", channel="#lmi-plenary"
    )
    assert reply.status == 200
    wait_until(lambda: ws.sandbox.messages("#lmi-plenary"))
    (message,) = ws.sandbox.messages("#lmi-plenary")
    voters = [p.id for p in ws.event.people.values() if ws.services.directory.slack_id(p.id)][:20]
    with SlowClients("127.0.0.1", port_of(url), 300, kinds=("headers", "body")) as slow:
        assert slow.refused == 0
        for n, voter in enumerate(voters):
            vote = ws.driver.click(
                ws.user(voter),
                channel="#lmi-plenary",
                message_ts=message.ts,
                action_id=f"poll_vote_{n % 3 + 1}",
            )
            assert vote.status == 200
            assert healthy(url)
        # None of them ever finishes its request: the server closes every one.
        assert wait_closed(slow, timeout=READ_TIMEOUT * 2 + 10), f"{slow.still_open} still open"
    assert healthy(url)
    vote = ws.driver.click(
        ws.user(voters[0]), channel="#lmi-plenary", message_ts=message.ts, action_id="poll_vote_2"
    )
    assert vote.status == 200


def test_past_the_cap_new_connections_are_refused_at_once_and_then_served_again(
    example_event: Event, engine: Engine, tmp_path: Path
) -> None:
    cap = {"CONVENE_MAX_CONNECTIONS": "40", "CONVENE_READ_TIMEOUT": "60"}
    with serving(example_event, engine, tmp_path, env=cap) as (_ws, url, log):
        with SlowClients("127.0.0.1", port_of(url), 60, kinds=("idle",)) as idle:
            time.sleep(1)
            idle.sweep()
            assert idle.refused + idle.closed_by_server >= 20 - 1  # /healthz's own may be one of them
            assert idle.still_open <= 41
        wait_until(lambda: healthy(url), timeout=10)
        text = log.read_text()
    assert "Traceback" not in text and "Too many open files" not in text
    assert text.count("refused a connection") <= 2


def test_one_address_is_held_to_its_own_cap_and_the_proxy_on_loopback_is_not(
    example_event: Event, engine: Engine, tmp_path: Path
) -> None:
    cap = {"CONVENE_MAX_CONNECTIONS_PER_ADDRESS": "20", "CONVENE_READ_TIMEOUT": "60"}
    with serving(example_event, engine, tmp_path, env=cap) as (ws, url, _log):
        with (
            SlowClients("127.0.0.1", port_of(url), 30, kinds=("idle",), source="127.0.0.2") as one,
            SlowClients("127.0.0.1", port_of(url), 30, kinds=("idle",), source="127.0.0.1") as proxy,
        ):
            time.sleep(1)
            one.sweep()
            proxy.sweep()
            assert one.refused + one.closed_by_server == 10 and one.still_open == 20
            assert proxy.still_open == 30
            assert healthy(url)  # from loopback, as through the proxy
        reply = ws.driver.command(ws.user("facilitator-lead"), "/poll list", channel="#lmi-plenary")
        assert reply.status == 200


def test_clients_that_go_away_mid_body_are_a_quiet_line_each_interval(
    edge: tuple[Workspace, str, Path],
) -> None:
    ws, url, log = edge
    before = log.read_text().count("\n")
    for _ in range(50):
        with socket.create_connection(("127.0.0.1", port_of(url))) as sock:
            sock.sendall(
                b"POST /slack/events HTTP/1.1\r\nHost: convene\r\nContent-Type: application/json\r\n"
                b'Content-Length: 1000\r\n\r\n{"type": '
            )
            time.sleep(0.01)
    time.sleep(1)
    assert ws.driver.command(ws.user("facilitator-lead"), "/poll list", channel="#lmi-plenary").status == 200
    added = log.read_text().splitlines()[before:]
    assert not [line for line in added if "Traceback" in line or "ClientDisconnect" in line], added
    assert len(added) <= 5, added
