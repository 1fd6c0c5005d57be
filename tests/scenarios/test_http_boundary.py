"""/slack/events as a boundary: what Slack could not have sent gets a 4xx and no traceback,
a signed request with a bad field gets the person a clear answer, and an event Slack
redelivers is handled once. Each test drives the real ASGI app in-process."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from sqlmodel import Session, select

from bot.app import create_app
from bot.devkit import Workspace, sign
from bot.devkit.simulate import endpoint_transport
from handlers.web import MAX_BODY, SlackEndpoint, build_asgi
from storage.models import Headline, Response
from tests.kit.boundary import Http, Records, digest, payload_body, recording, sign_bytes

PLENARY = "#lmi-plenary"
FACILITATOR = "facilitator-lead"
VOTER = "abc-usd-supt"


@pytest.fixture
def http(ws: Workspace) -> Iterator[Http]:
    with Http(ws) as served:
        yield served


@pytest.fixture
def logs() -> Iterator[Records]:
    with recording() as records:
        yield records


def launch(ws: Workspace, poll_id: str) -> Any:
    reply = ws.driver.command(ws.user(FACILITATOR), f"/poll launch {poll_id}", channel=PLENARY)
    assert reply.status == 200, reply.body
    ws.deliver()
    with Session(ws.engine) as session:
        return session.exec(select(Response)).all(), ws.sandbox.messages(PLENARY)[-1]


def command_body(ws: Workspace, person: str, line: str) -> bytes:
    command, _, text = line.partition(" ")
    user = ws.user(person)
    channel = ws.sandbox.channel_id(PLENARY)
    return urlencode(
        {
            "command": command,
            "text": text,
            "user_id": user,
            "channel_id": channel,
            "team_id": ws.sandbox.team_id,
            "response_url": ws.sandbox.new_response_url(channel_id=channel, user_id=user),
            "trigger_id": ws.sandbox.new_trigger_id(user),
        }
    ).encode()


# ---------------------------------------------------------------- requests Slack could not have sent


@pytest.mark.parametrize(
    "timestamp",
    # The id of the one made from the clock is fixed, so every process collects the same tests.
    ["abc", pytest.param(f"{time.time():.1f}", id="now-with-a-fraction"), "", "1e9", " 1700000000", "١٢٣"]
    + ["9" * 400],
)
def test_a_malformed_timestamp_is_refused_with_401(
    ws: Workspace, http: Http, logs: Records, timestamp: str
) -> None:
    """Signed over the malformed timestamp, so only the timestamp is wrong."""
    body = command_body(ws, FACILITATOR, "/poll list")
    headers = sign_bytes(ws.signing_secret, body, timestamp)
    status, _ = http.post(
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp.encode(),  # as sent: UTF-8, read as Latin-1
            "X-Slack-Signature": headers["X-Slack-Signature"],
        },
    )
    assert status == 401
    assert logs.troubles() == []


def test_a_signature_that_is_not_ascii_is_refused_with_401(ws: Workspace, http: Http, logs: Records) -> None:
    body = command_body(ws, FACILITATOR, "/poll list")
    headers = {**sign(ws.signing_secret, body), "X-Slack-Signature": "v0=café".encode()}
    status, _ = http.post(body, headers)
    assert status == 401
    assert logs.troubles() == []


def test_a_body_that_is_not_utf8_is_refused_with_400_signed_or_not(
    ws: Workspace, http: Http, logs: Records
) -> None:
    body = b"command=%2Fpoll&text=\xff\xfe&user_id=" + ws.user(FACILITATOR).encode()
    unsigned, _ = http.post(body, {"Content-Type": "application/x-www-form-urlencoded"})
    signed, _ = http.signed(body)
    assert unsigned in (400, 401) and signed == 400
    # A percent-encoded byte that is not UTF-8 is just as impossible from Slack.
    escaped, _ = http.signed(b"command=%2Fpoll&text=%FF&user_id=" + ws.user(FACILITATOR).encode())
    assert escaped == 400
    assert logs.troubles() == []


def test_a_body_over_a_megabyte_is_refused_with_413(ws: Workspace, http: Http, logs: Records) -> None:
    before = digest(ws.engine)
    text = "x" * (10 * 1024 * 1024)
    status, _ = http.signed(command_body(ws, FACILITATOR, f"/poll launch {text}"))
    assert status == 413
    assert digest(ws.engine) == before
    assert logs.troubles() == []


def test_a_big_body_is_refused_before_it_is_read_whole(ws: Workspace) -> None:
    """Neither a Content-Length over the limit nor a body that streams past it is read to the end."""
    app = build_asgi(ws.app, ws.signing_secret)
    chunk = b"x" * 65536
    chunks = 10 * 1024 * 1024 // len(chunk)

    async def send_through(headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
        read, status = 0, 0

        async def receive() -> dict[str, Any]:
            nonlocal read
            read += 1
            return {"type": "http.request", "body": chunk, "more_body": read < chunks}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/slack/events",
            "raw_path": b"/slack/events",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"content-type", b"application/x-www-form-urlencoded"), *headers],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        await app(scope, receive, send)
        return status, read

    declared = asyncio.run(send_through([(b"content-length", str(chunks * len(chunk)).encode())]))
    assert declared == (413, 0)
    status, read = asyncio.run(send_through([]))  # chunked: no length given
    assert status == 413 and read * len(chunk) <= MAX_BODY + len(chunk)
    lying = asyncio.run(send_through([(b"content-length", b"100")]))  # says small, sends more
    assert lying[0] == 413 and lying[1] * len(chunk) <= MAX_BODY + len(chunk)
    garbled = asyncio.run(send_through([(b"content-length", b"lots")]))
    assert garbled == (400, 0)


@pytest.mark.parametrize(
    "payload",
    [
        [{"type": "block_actions"}],
        "block_actions",
        17,
        None,
        {"type": ["view_submission"]},
        {"type": "block_actions", "user": "U1", "actions": [{"action_id": "poll_vote_1"}]},
        {"type": "block_actions", "user": {"id": 5}, "actions": [{"action_id": "poll_vote_1"}]},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": {"action_id": "poll_vote_1"}},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": ["poll_vote_1"]},
        {"type": "view_submission", "user": {"id": "U1"}, "view": "poll_answer"},
        {"type": "view_submission", "user": {"id": "U1"}, "view": {"callback_id": 3}},
        {"type": "event_callback", "event_id": "Ev1", "event": ["app_home_opened"]},
    ],
)
def test_a_signed_payload_of_the_wrong_shape_is_refused_with_400(
    ws: Workspace, http: Http, logs: Records, payload: Any
) -> None:
    before = digest(ws.engine)
    status, _ = http.signed(payload_body(payload))
    assert status == 400
    assert digest(ws.engine) == before
    assert logs.troubles() == []


def test_an_event_named_as_a_command_and_a_command_named_as_an_event_are_refused_with_400(
    ws: Workspace, http: Http, logs: Records
) -> None:
    """The manifest subscribes to events and to commands, each its own list: a name from one
    list is no member of the other, and its request changes nothing (its event id neither)."""
    before = digest(ws.engine)
    event = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "/agenda", "user": "U1"}}
    as_event, _ = http.signed(json.dumps(event).encode(), {"Content-Type": "application/json"})
    fields = {"command": "app_home_opened", "user_id": "U1", "channel_id": "C1", "text": ""}
    as_command, _ = http.signed(urlencode(fields).encode())
    assert (as_event, as_command) == (400, 400)
    assert digest(ws.engine) == before
    assert logs.troubles() == []


def test_a_payload_nested_deeper_than_json_can_parse_is_refused_with_400(
    ws: Workspace, http: Http, logs: Records
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    form, _ = http.signed(urlencode({"payload": deep}).encode())
    event, _ = http.signed(
        json.dumps({"type": "event_callback", "event_id": "Ev1"})
        .replace("}", ', "x": ' + deep + "}")
        .encode(),
        {"Content-Type": "application/json"},
    )
    assert (form, event) == (400, 400)
    assert logs.troubles() == []


def test_a_json_body_that_is_not_an_object_is_refused_with_400(
    ws: Workspace, http: Http, logs: Records
) -> None:
    for body in (b"[]", b"[1, 2]", b'"x"', b"{", b"null"):
        status, _ = http.signed(body, {"Content-Type": "application/json"})
        assert status == 400, body
    assert logs.troubles() == []


# ---------------------------------------------------------------- signed requests with a bad field


@pytest.mark.parametrize("answer", [5, ["a", "b"], {"text": "x"}, True])
def test_an_answer_that_is_not_text_gets_an_inline_error(
    ws: Workspace, http: Http, logs: Records, answer: Any
) -> None:
    launch(ws, "looking-forward")
    message = ws.sandbox.messages(PLENARY)[-1]
    voter = ws.user(VOTER)
    ws.driver.click(voter, channel=PLENARY, message_ts=message.ts, action_id="poll_answer")
    (view,) = ws.sandbox.open_views(voter)
    before = digest(ws.engine)
    reply = ws.driver.submit(
        voter, view.id, {"answer": {"text": {"type": "plain_text_input", "value": answer}}}
    )
    assert reply.status == 200
    assert reply.json["response_action"] == "errors"
    assert "answer" in reply.json["errors"] and "wrong" not in reply.json["errors"]["answer"]
    assert digest(ws.engine) == before
    assert logs.troubles() == []


@pytest.mark.parametrize(
    "value",
    [
        '{"poll": "capacity-project", "choices": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"poll": "capacity-project", "choices": [99999999999999999999999999]}',
        '{"poll": "capacity-project", "choices": [1.5]}',
        '{"poll": "capacity-project", "choices": ["1"]}',
        '{"poll": "capacity-project", "choices": [true]}',
        '{"poll": "capacity-project", "choices": [1e400]}',
        '{"poll": "capacity-project", "choices": [NaN]}',
        '{"poll": ["capacity-project"], "choices": [1]}',
        '{"poll": "' + "p" * 5000 + '", "choices": [1]}',
        "[1]",
    ],
)
def test_a_vote_value_slack_could_not_have_sent_gets_a_clear_note(
    ws: Workspace, http: Http, logs: Records, value: str
) -> None:
    _, message = launch(ws, "capacity-project")
    voter = ws.user(VOTER)
    before = digest(ws.engine)
    reply = ws.driver.click(
        voter, channel=PLENARY, message_ts=message.ts, action_id="poll_vote_1", value=value
    )
    assert reply.status == 200
    ws.deliver()
    (note,) = [e.text for e in ws.sandbox.ephemerals if e.user == voter]
    assert note in ("That option is not part of this poll.", "That poll no longer exists."), note
    with Session(ws.engine) as session:
        assert session.exec(select(Response)).all() == []
    assert logs.troubles() == []
    assert before  # the note is the only thing written


@pytest.mark.parametrize(
    "number", ["99999999999999999999999", "9223372036854775808", "2147483648", "-5", "0"]
)
def test_a_headline_number_out_of_range_gets_a_clear_answer(
    ws: Workspace, http: Http, logs: Records, number: str
) -> None:
    before = digest(ws.engine)
    for verb in ("hide", "show"):
        reply = ws.driver.command(ws.user(FACILITATOR), f"/headline {verb} {number}", channel=PLENARY)
        assert reply.status == 200
        assert f"no headline #{number}" in reply.text or "Which headline?" in reply.text, reply.text
    assert digest(ws.engine) == before
    assert logs.troubles() == []


def test_a_headline_form_whose_metadata_was_tampered_with_gets_an_inline_error(
    ws: Workspace, http: Http, logs: Records, clock: Any
) -> None:
    from datetime import UTC, datetime

    clock.set(datetime(2015, 5, 9, 22, 0, tzinfo=UTC))  # during the last team time, when headlines open
    user = ws.user(VOTER)
    assert ws.driver.command(user, "/headline", channel="#lmi-team-time").status == 200
    (view,) = ws.sandbox.open_views(user)
    values = {"headline": {"value": {"type": "plain_text_input", "value": "Partners lift graduation to 95%"}}}
    for tampered in ([1], "7", 2**70, {"id": 1}):
        ws.sandbox.views[view.id].view["private_metadata"] = json.dumps({"headline": tampered})
        reply = ws.driver.submit(user, view.id, values)
        assert reply.status == 200 and reply.json.get("response_action") == "errors", (tampered, reply.body)
    with Session(ws.engine) as session:
        assert session.exec(select(Headline)).all() == []
    assert logs.troubles() == []


@pytest.mark.parametrize("option", [-1, "r1-par", ["r1-par"], {"value": 7}, None])
def test_a_breakout_choice_slack_could_not_have_sent_is_noted_on_the_home_tab(
    ws: Workspace, http: Http, logs: Records, option: Any
) -> None:
    user = ws.user(VOTER)
    ws.driver.event({"type": "app_home_opened", "user": user, "tab": "home"})
    (home,) = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user]
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "container": {"type": "view", "view_id": home.id},
        "view": {"id": home.id, "type": "home", "callback_id": ""},
        "actions": [{"action_id": "breakout_choose_20150509T1700Z", "selected_option": option}],
    }
    status, _ = http.signed(payload_body(payload))
    assert status == 200
    assert "That is not one of the breakouts." in json.dumps(ws.sandbox.views[home.id].view)
    assert logs.troubles() == []


@pytest.mark.parametrize("trigger", ["1.2.expired", None])
def test_a_form_slack_will_not_open_gets_a_clear_answer(
    ws: Workspace, http: Http, logs: Records, trigger: str | None
) -> None:
    fields = dict(parse_qsl(command_body(ws, FACILITATOR, "/poll new").decode()))
    if trigger:
        fields["trigger_id"] = trigger
    else:
        del fields["trigger_id"]
    status, text = http.signed(urlencode(fields).encode())
    assert status == 200 and "Slack did not let me open the form" in text, text
    assert logs.troubles() == []


# ---------------------------------------------------------------- logs and redeliveries


def test_logs_never_quote_a_bad_body_or_a_user_id(ws: Workspace, http: Http, logs: Records) -> None:
    user = ws.user(VOTER)
    bodies = [
        urlencode({"payload": "{not json " + user}).encode(),
        payload_body({"type": "block_actions", "user": {"id": user}, "actions": "x"}),
        payload_body({"type": "view_submission", "user": {"id": user}, "view": {"callback_id": "nope"}}),
        payload_body({"type": "block_actions", "user": {"id": user}, "actions": [{"action_id": "nope"}]}),
        urlencode({"command": "/nope", "user_id": user, "text": "x"}).encode(),
    ]
    for body in bodies:
        status, _ = http.signed(body)
        assert 400 <= status < 500
    assert logs.quoting(user, "not json") == []
    assert logs.troubles() == []


@pytest.mark.database
def test_a_redelivered_event_publishes_the_home_tab_once(ws: Workspace, http: Http) -> None:
    user = ws.user(VOTER)
    home = {"type": "app_home_opened", "user": user, "tab": "home"}
    replies = [
        ws.driver.event(home, event_id="Ev0REPEAT"),
        ws.driver.event(home, event_id="Ev0REPEAT", retry_num=1),
        ws.driver.event(home, event_id="Ev0REPEAT", retry_num=2),
    ]
    assert [r.status for r in replies] == [200, 200, 200]
    assert len(ws.sandbox.calls_to("views.publish")) == 1
    ws.driver.event(home, event_id="Ev0ANOTHER")
    assert len(ws.sandbox.calls_to("views.publish")) == 2


@pytest.mark.database
def test_an_event_is_handled_once_across_worker_processes(ws: Workspace) -> None:
    """Two workers share one database: a retry that reaches the other one is still a repeat."""
    other = create_app(ws.settings, ws.services)
    first = ws.driver.transport
    second = endpoint_transport(SlackEndpoint(other, ws.signing_secret).handle)
    user = ws.user(VOTER)
    home = {"type": "app_home_opened", "user": user, "tab": "home"}
    assert ws.driver.event(home, event_id="Ev0WORKERS").status == 200
    ws.driver.transport = second
    assert ws.driver.event(home, event_id="Ev0WORKERS", retry_num=1).status == 200
    ws.driver.transport = first
    assert len(ws.sandbox.calls_to("views.publish")) == 1
