"""The sandbox can answer a round trip away, as Slack does, instead of at once on loopback."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.core import ManualClock
from bot.devkit import SlackSandbox

LATENCY = 0.2


def test_a_web_api_call_waits_the_latency_before_its_answer() -> None:
    with SlackSandbox(latency=LATENCY) as sandbox:
        sandbox.add_channel(name="plenary")
        client = WebClient(base_url=sandbox.api_url, token=sandbox.bot_token)
        started = time.monotonic()
        client.chat_postMessage(channel="#plenary", text="hello")
        assert time.monotonic() - started >= LATENCY
        assert [m.text for m in sandbox.messages("#plenary")] == ["hello"]


def test_a_response_url_post_waits_the_latency_too() -> None:
    with SlackSandbox(latency=LATENCY) as sandbox:
        sandbox.add_user(id="U1", name="ana")
        channel = sandbox.add_channel(name="plenary")["id"]
        url = sandbox.new_response_url(channel_id=channel, user_id="U1")
        started = time.monotonic()
        assert WebhookClient(url).send_dict({"text": "Recorded your answer"}).status_code == 200
        assert time.monotonic() - started >= LATENCY
        assert [e.text for e in sandbox.ephemerals] == ["Recorded your answer"]


def test_calls_side_by_side_each_wait_and_all_arrive() -> None:
    with SlackSandbox(latency=LATENCY) as sandbox:
        client = WebClient(base_url=sandbox.api_url, token=sandbox.bot_token)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda _: client.auth_test()["ok"], range(4)))
        assert answers == [True] * 4
        assert time.monotonic() - started >= LATENCY
        assert len(sandbox.calls_to("auth.test")) == 4


def test_no_latency_by_default_and_none_below_zero() -> None:
    assert SlackSandbox().latency == 0
    with pytest.raises(ValueError, match="latency"):
        SlackSandbox(latency=-0.1)


def test_slow_next_moves_a_manual_clock_before_the_call_is_handled() -> None:
    clock = ManualClock(datetime(2030, 1, 1, 9, 0, tzinfo=UTC))
    with SlackSandbox(clock=clock) as sandbox:
        sandbox.add_channel(name="plenary")
        client = WebClient(base_url=sandbox.api_url, token=sandbox.bot_token)
        sandbox.slow_next("chat.postMessage", 1.5)
        sandbox.slow_next("chat.postMessage", 0)
        started = clock.now()
        for text in ("late", "on time", "on time too"):
            client.chat_postMessage(channel="#plenary", text=text)
        assert [(c.at - started).total_seconds() for c in sandbox.calls_to("chat.postMessage")] == [1.5] * 3
        assert clock.now() - started == timedelta(seconds=1.5)
        with pytest.raises(ValueError, match="seconds"):
            sandbox.slow_next("chat.update", -1)
        with pytest.raises(ValueError, match="not a Web API method"):
            sandbox.slow_next("chat.nothing", 1)
