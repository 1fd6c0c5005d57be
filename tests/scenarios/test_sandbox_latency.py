"""The sandbox can answer a round trip away, as Slack does, instead of at once on loopback."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

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
