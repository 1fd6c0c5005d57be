"""Properties of /slack/events under anything at all: slash commands, button presses, form
submissions and events with hostile field values, and raw garbage.

Whatever arrives: never a 5xx, no traceback and nothing at ERROR in the log, no user
id quoted in it, an answer within Slack's three seconds, nothing recorded changes
when the request is refused, and a signed request is answered with something a
person can read (a reply, an ephemeral note, an opened form, or a 4xx body).

The real ASGI app runs in-process over one workspace for the whole module, so each
example costs a request, not a bot. HYPOTHESIS_PROFILE=long tries many more examples.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.devkit.databases import empty
from bot.event import Event
from bot.slack import COMMANDS
from handlers.common import SORRY
from storage.models import Outbox
from tests.kit.boundary import Http, Records, digest, recording, sign_bytes

# Slack's ack deadline: an answer later than this is, to Slack, no answer.
PROMPT = 3.0
PLENARY = "#lmi-plenary"
TEAM_TIME = "#lmi-team-time"
# Staff more often than not: most commands do nothing for anyone else.
PEOPLE = ("facilitator-lead", "facilitator-lead", "cdef-events-lead", "abc-usd-supt", "abc-usd-board")
POLLS = ("capacity-project", "looking-forward", "next-activities", "evaluation", "first-step")
VERBS = {
    "/poll": ("launch", "close", "results", "list", "display", "help", "new", "nope", ""),
    "/headline": ("mine", "list", "missing", "hide", "show", "help", "nope", "edit"),
    "/wordcloud": ("headlines", "looking-forward", "capacity-project", "nope", ""),
    "/closing": ("display", "nope"),
    "/summary": ("now", "later", ""),
    "/agenda": ("me", "", "nope"),
}
ACTIONS = (
    "poll_vote_1",
    "poll_vote_0",
    "poll_vote_99",
    "poll_answer",
    "poll_choose",
    "headline_open",
    "headline_edit",
    "headline_withdraw",
    "headline_nudge",
    "breakout_choose_20150509T1700Z",
    "nope",
)
VIEWS = ("poll_answer", "poll_choose", "poll_survey", "poll_new", "headline_submit", "nope")
SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"), pytest.mark.database]


# ---------------------------------------------------------------- the bot under test


class Bot:
    """One workspace and its ASGI app, shared by every example of the module."""

    def __init__(self, ws: Workspace, http: Http) -> None:
        self.ws, self.http = ws, http
        self.users = [ws.user(p) for p in PEOPLE]
        self.channels = [ws.sandbox.channel_id(c) for c in (PLENARY, TEAM_TIME)]

    def send(self, body: bytes, headers: dict[str, str | bytes], *, signed: bool = True) -> Exchange:
        """Send one request and check what must hold for every request whatever it was."""
        if signed:
            headers = {**headers, **sign_bytes(self.ws.signing_secret, body)}
        before, outbox, calls = digest(self.ws.engine), self.outbox(), len(self.ws.sandbox.calls)
        with recording() as logs:
            started = time.monotonic()
            status, text = self.http.post(body, headers)
            took = time.monotonic() - started
        exchange = Exchange(status, text, logs)
        assert status < 500, (status, text)
        assert logs.troubles() == []
        assert logs.quoting(*self.users) == []
        assert took < PROMPT, f"answered in {took:.1f} s"
        if status >= 400:
            assert digest(self.ws.engine) == before, "a refused request changed what is recorded"
            assert json.loads(text).get("error"), text
        exchange.answered = bool(text) or self.outbox() > outbox or len(self.ws.sandbox.calls) > calls
        if SORRY in text:
            raise AssertionError("answered with the apology for an unexpected failure")
        return exchange

    def outbox(self) -> int:
        with Session(self.ws.engine) as session:
            return session.exec(select(func.count()).select_from(Outbox)).one()


class Exchange:
    def __init__(self, status: int, text: str, logs: Records) -> None:
        self.status, self.text, self.logs = status, text, logs
        self.answered = False


@pytest.fixture(scope="module")
def bot(example_event: Event, migrated_engine: Engine) -> Iterator[Bot]:
    # The last team time: headlines are being collected and polls can be launched.
    clock = ManualClock(datetime(2015, 5, 9, 22, 0, tzinfo=UTC))
    with Workspace(example_event, clock=clock, engine=empty(migrated_engine)) as ws, Http(ws) as http:
        lead = ws.user("facilitator-lead")
        for poll in ("capacity-project", "looking-forward", "next-activities"):
            assert ws.driver.command(lead, f"/poll launch {poll}", channel=PLENARY).status == 200
        ws.deliver()
        yield Bot(ws, http)
    empty(migrated_engine)


# ---------------------------------------------------------------- what hostile values look like

huge = st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30, -(2**63) - 1])
deep = st.sampled_from([50, 1000, 100_000]).map(lambda n: "[" * n + "]" * n)
odd_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.sampled_from(["", " ", "#", "payload", "payload=x", "\x00", "‮", "<!channel>", "🎉" * 3, "x" * 5000]),
    huge.map(str),
    deep,
)
scalars = st.one_of(st.none(), st.booleans(), huge, st.integers(), st.floats(), odd_text)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=8,
)


def maybe(strategy: st.SearchStrategy[Any], otherwise: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly what Slack would send; sometimes anything."""
    return st.one_of(strategy, strategy, strategy, otherwise)


@st.composite
def slash_commands(draw: st.DrawFn, bot: Bot) -> bytes:
    command = draw(maybe(st.sampled_from([c["command"] for c in COMMANDS]), odd_text))
    verb = draw(st.sampled_from(VERBS.get(command, ("",))))
    args = draw(st.lists(st.one_of(st.sampled_from(POLLS), odd_text), max_size=2))
    fields: dict[str, str] = {
        "command": command,
        "text": " ".join([verb, *args]),
        "user_id": draw(maybe(st.sampled_from(bot.users), odd_text)),
        "channel_id": draw(maybe(st.sampled_from(bot.channels), odd_text)),
        "team_id": bot.ws.sandbox.team_id,
        "trigger_id": draw(st.sampled_from(["", "1.2.bogus"])),
        "response_url": draw(st.sampled_from(["", "https://hooks.slack.invalid/x"])),
    }
    dropped = draw(st.sets(st.sampled_from(sorted(fields))))
    return urlencode({k: v for k, v in fields.items() if k not in dropped}).encode()


@st.composite
def block_actions(draw: st.DrawFn, bot: Bot) -> dict[str, Any]:
    action: dict[str, Any] = {
        "action_id": draw(maybe(st.sampled_from(ACTIONS), values)),
        "block_id": "b0",
        "type": "button",
        "value": draw(
            st.one_of(
                st.builds(
                    lambda poll, choices: json.dumps({"poll": poll, "choices": choices}),
                    st.one_of(st.sampled_from(POLLS), values),
                    st.one_of(st.lists(st.one_of(st.integers(0, 6), huge), max_size=3), values),
                ),
                st.builds(lambda d: '{"poll": "capacity-project", "choices": ' + d + "}", deep),
                values,
            )
        ),
    }
    if draw(st.booleans()):
        action["selected_option"] = draw(maybe(st.fixed_dictionaries({"value": odd_text}), values))
    channel = draw(st.sampled_from(bot.channels))
    return {
        "type": "block_actions",
        "user": draw(maybe(st.fixed_dictionaries({"id": st.sampled_from(bot.users)}), values)),
        "api_app_id": "A0CONVENE",
        "team": {"id": bot.ws.sandbox.team_id},
        "container": draw(
            maybe(st.just({"type": "message", "channel_id": channel, "message_ts": "1.2"}), values)
        ),
        "channel": draw(maybe(st.just({"id": channel}), values)),
        "trigger_id": "1.2.bogus",
        "response_url": draw(st.sampled_from(["https://hooks.slack.invalid/x", None])),
        "actions": draw(maybe(st.just([action]), values)),
    }


@st.composite
def view_submissions(draw: st.DrawFn, bot: Bot) -> dict[str, Any]:
    element = draw(
        st.one_of(
            st.fixed_dictionaries({"type": st.just("plain_text_input"), "value": values}),
            st.fixed_dictionaries(
                {"selected_option": st.one_of(values, st.fixed_dictionaries({"value": values}))}
            ),
            st.fixed_dictionaries(
                {
                    "selected_options": st.one_of(
                        values, st.lists(st.fixed_dictionaries({"value": values}), max_size=3)
                    )
                }
            ),
        )
    )
    blocks = draw(
        st.lists(
            st.sampled_from(
                [
                    "answer",
                    "choices",
                    "s0",
                    "s1",
                    "interests",
                    "comments",
                    "question",
                    "kind",
                    "options",
                    "results",
                    "anonymous",
                    "headline",
                    "team",
                    "explanation",
                ]
            ),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    actions = ("text", "choices", "value")
    state = {b: {a: element for a in actions} for b in blocks}
    metadata = draw(
        st.one_of(
            st.builds(json.dumps, st.fixed_dictionaries({"poll": st.one_of(st.sampled_from(POLLS), values)})),
            st.builds(
                json.dumps,
                st.fixed_dictionaries({"headline": values, "channel": st.sampled_from(bot.channels)}),
            ),
            st.builds(json.dumps, values),
            odd_text,
        )
    )
    return {
        "type": "view_submission",
        "team": {"id": bot.ws.sandbox.team_id},
        "user": draw(maybe(st.fixed_dictionaries({"id": st.sampled_from(bot.users)}), values)),
        "api_app_id": "A0CONVENE",
        "trigger_id": "1.2.bogus",
        "view": draw(
            maybe(
                st.fixed_dictionaries(
                    {
                        "id": st.just("V0NOPE"),
                        "type": st.just("modal"),
                        "callback_id": st.sampled_from(VIEWS),
                        "private_metadata": st.just(metadata),
                        "state": maybe(st.just({"values": state}), values),
                    }
                ),
                values,
            )
        ),
    }


@st.composite
def events(draw: st.DrawFn, bot: Bot) -> dict[str, Any]:
    event = {
        "type": draw(maybe(st.just("app_home_opened"), odd_text)),
        "user": draw(maybe(st.sampled_from(bot.users), values)),
        "tab": draw(maybe(st.sampled_from(["home", "messages"]), values)),
        "event_ts": "1.2",
    }
    return {
        "type": "event_callback",
        "team_id": bot.ws.sandbox.team_id,
        "api_app_id": "A0CONVENE",
        "event": draw(maybe(st.just(event), values)),
        "event_id": draw(
            maybe(
                st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=12).map(
                    lambda s: "Ev" + s
                ),
                values,
            )
        ),
        "event_time": draw(maybe(st.just(1431207000), values)),
    }


def interactive(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


# ---------------------------------------------------------------- the properties


@SETTINGS
@given(data=st.data())
def test_any_slash_command_is_answered_and_never_fails(bot: Bot, data: st.DataObject) -> None:
    exchange = bot.send(data.draw(slash_commands(bot)), dict(FORM))
    assert exchange.answered


def test_any_button_press_is_answered_and_never_fails(bot: Bot) -> None:
    accepted = []  # presses taken with a reply link: each must be answered

    def press(payload: dict[str, Any]) -> None:
        exchange = bot.send(interactive(payload), dict(FORM))
        if exchange.status == 200 and payload["response_url"]:
            accepted.append(payload)
            assert exchange.answered, payload

    @SETTINGS
    @given(data=st.data())
    def any_press(data: st.DataObject) -> None:
        press(data.draw(block_actions(bot)))

    # Few random presses are well formed enough to be taken; this one always is.
    channel = bot.channels[0]
    vote = {"action_id": "poll_vote_0", "block_id": "b0", "type": "button"}
    press(
        {
            "type": "block_actions",
            "user": {"id": bot.users[3]},
            "api_app_id": "A0CONVENE",
            "team": {"id": bot.ws.sandbox.team_id},
            "container": {"type": "message", "channel_id": channel, "message_ts": "1.2"},
            "channel": {"id": channel},
            "trigger_id": "1.2.bogus",
            "response_url": "https://hooks.slack.invalid/x",
            "actions": [vote | {"value": json.dumps({"poll": "capacity-project", "choices": [0]})}],
        }
    )
    assert accepted, "the well-formed press was not taken"
    any_press()


def test_any_form_submission_is_answered_and_never_fails(bot: Bot) -> None:
    refused = []  # forms answered with errors: each error must say something

    def submit(payload: dict[str, Any]) -> None:
        exchange = bot.send(interactive(payload), dict(FORM))
        if exchange.status == 200 and exchange.text:
            answer = json.loads(exchange.text)
            if answer.get("response_action") == "errors":
                refused.append(answer)
                assert all(isinstance(m, str) and m for m in answer["errors"].values()), answer

    @SETTINGS
    @given(data=st.data())
    def any_form(data: st.DataObject) -> None:
        submit(data.draw(view_submissions(bot)))

    # An empty answer to an open question is always refused with an error to read.
    blank = {"answer": {"text": {"type": "plain_text_input", "value": ""}}}
    submit(
        {
            "type": "view_submission",
            "team": {"id": bot.ws.sandbox.team_id},
            "user": {"id": bot.users[3]},
            "api_app_id": "A0CONVENE",
            "trigger_id": "1.2.bogus",
            "view": {
                "id": "V0NOPE",
                "type": "modal",
                "callback_id": "poll_answer",
                "private_metadata": json.dumps({"poll": "looking-forward"}),
                "state": {"values": blank},
            },
        }
    )
    assert refused, "the empty answer was not refused with an error"
    any_form()


@SETTINGS
@given(data=st.data(), retry=st.sampled_from([None, "1", "2", "x"]))
def test_any_event_is_acknowledged_and_never_fails(bot: Bot, data: st.DataObject, retry: str | None) -> None:
    headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
    if retry:
        headers |= {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"}
    exchange = bot.send(json.dumps(data.draw(events(bot))).encode(), headers)
    assert exchange.status in (200, 400, 404)


GARBAGE = dict(
    body=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        values.map(lambda v: json.dumps(v).encode()),
        values.map(lambda v: urlencode({"payload": json.dumps(v)}).encode()),
        st.dictionaries(odd_text, odd_text, max_size=4).map(lambda d: urlencode(d).encode()),
    ),
    content_type=st.sampled_from(["application/x-www-form-urlencoded", "application/json", "text/plain", ""]),
    signed=st.booleans(),
    timestamp=st.one_of(st.none(), odd_text, st.integers().map(str)),
)


def test_garbage_is_refused_with_a_4xx_and_changes_nothing(bot: Bot) -> None:
    unsigned = []  # requests sent without a valid signature: each must be refused

    @SETTINGS
    @given(**GARBAGE)
    def send(body: bytes, content_type: str, signed: bool, timestamp: str | None) -> None:
        headers: dict[str, str | bytes] = {"Content-Type": content_type} if content_type else {}
        if not signed and timestamp is not None:
            headers |= {"X-Slack-Request-Timestamp": timestamp.encode(), "X-Slack-Signature": b"v0=00"}
        exchange = bot.send(body, headers, signed=signed)
        if not signed:
            unsigned.append(body)
            assert exchange.status in (401, 413)

    send()
    assert unsigned, "no request went unsigned: the check that it is refused never ran"
