"""The outbox's kinds and the Slack method each ends in, the registry of renderers, the basic
renderers' Slack calls, and pacing under Slack's limits on a manual clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.clock import ManualClock
from bot.delivery import renderers as basic
from bot.delivery.outbox import BATCHED, METHOD, POSTS, REFRESHES, Delivery, Kind, Renderers, method_of
from bot.delivery.pacing import SLACK_LIMITS, Pacer
from bot.polls import views
from bot.qa import views as qa_views
from storage.models import Outbox

UNUSED: Any = None  # the basic renderers read only the row, never the database session


# --------------------------------------------------------------------------- kinds


def test_each_kind_is_stored_by_its_value_and_has_a_method() -> None:
    assert set(METHOD) == set(Kind)
    assert Kind("poll_refresh") is Kind.POLL_REFRESH
    assert Kind.POLL_REFRESH.method == "chat.update"
    assert Kind.EPHEMERAL.method == "chat.postEphemeral"
    assert Kind.UPLOAD.method == "files_upload_v2"


@pytest.mark.parametrize(
    ("stored", "method"),
    [("post", "chat.postMessage"), ("dm", "chat.postMessage"), ("respond", "response_url"), ("fax", "")],
)
def test_method_of_a_stored_kind(stored: str, method: str) -> None:
    assert method_of(stored) == method


def test_posts_are_the_kinds_recovery_can_find_in_history() -> None:
    assert {Kind.POST, Kind.DM, Kind.POLL_POST, Kind.QA_POST, Kind.UPLOAD} == POSTS
    assert {Kind.RESPOND} == BATCHED


def test_live_messages_are_the_refreshed_kinds() -> None:
    assert {Kind.POLL_REFRESH, Kind.QA_REFRESH} == REFRESHES
    assert {kind.method for kind in REFRESHES} == {"chat.update"}


# --------------------------------------------------------------------------- renderers


def test_a_kind_has_one_renderer() -> None:
    registry = Renderers()
    registry.register(Kind.POST, basic.post)
    with pytest.raises(ValueError, match="outbox kind post already has a renderer"):
        registry.register(Kind.POST, basic.dm)
    assert registry["post"] is basic.post


def test_unknown_or_unregistered_kinds() -> None:
    registry = Renderers()
    registry.register(Kind.POST, basic.post)
    assert registry.get("dm") is None
    assert registry.get("fax") is None
    with pytest.raises(KeyError):
        registry["fax"]
    with pytest.raises(KeyError):
        registry["dm"]
    assert "post" in registry and Kind.POST in registry
    assert "dm" not in registry and "fax" not in registry and 1 not in registry


def test_delivery_polls_and_qa_together_render_every_kind() -> None:
    registry = Renderers()
    basic.register(registry)
    views.register(registry, event=UNUSED, clock=ManualClock())
    qa_views.register(registry, event=UNUSED, clock=ManualClock(), board=UNUSED)
    assert all(kind in registry for kind in Kind)


def row(**payload: Any) -> Outbox:
    return Outbox(key="k", kind="post", payload=payload)


def test_a_post_sends_its_payload_but_not_its_description() -> None:
    delivery = basic.post(UNUSED, row(channel="C1", text="Hi", describe="an announcement"))
    assert delivery == Delivery("chat.postMessage", {"channel": "C1", "text": "Hi"})


def test_a_dm_is_posted_to_the_user_id_with_blocks_only_when_given() -> None:
    assert basic.dm(UNUSED, row(user="U1", text="Hi", describe="a DM")).args == {
        "channel": "U1",
        "text": "Hi",
    }
    blocks = [{"type": "divider"}]
    assert basic.dm(UNUSED, row(user="U1", text="Hi", blocks=blocks)).args["blocks"] == blocks


def test_a_private_note_through_a_response_url_never_replaces_the_message() -> None:
    delivery = basic.respond(
        UNUSED, row(response_url="https://hooks.example/1", text="Recorded", private=True)
    )
    assert delivery.method == "response_url"
    assert delivery.args == {
        "url": "https://hooks.example/1",
        "text": "Recorded",
        "response_type": "ephemeral",
        "replace_original": False,
    }


# --------------------------------------------------------------------------- pacing


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 4, 17, 16, 0, tzinfo=UTC))


def test_one_post_per_second_per_channel(clock: ManualClock) -> None:
    pacer = Pacer(clock)
    assert pacer.delay("chat.postMessage", "C1") == 0
    pacer.note("chat.postMessage", "C1")
    assert pacer.delay("chat.postMessage", "C1") == 1.0
    assert pacer.delay("chat.postMessage", "C2") == 0
    clock.advance(0.25)
    assert pacer.delay("chat.postMessage", "C1") == pytest.approx(0.75)
    clock.advance(0.75)
    assert pacer.delay("chat.postMessage", "C1") == 0


def test_a_method_window_fills_up(clock: ManualClock) -> None:
    pacer = Pacer(clock)
    count, seconds = SLACK_LIMITS["conversations.history"]
    for _ in range(count - 1):
        pacer.note("conversations.history", "C1")
        clock.advance(1)
    assert pacer.delay("conversations.history", "C9") == 0
    pacer.note("conversations.history", "C1")
    # The oldest call leaves the window `seconds` after it was made.
    assert pacer.delay("conversations.history", "C9") == pytest.approx(seconds - (count - 1))


def test_chat_update_is_spread_evenly_over_tier_3(clock: ManualClock) -> None:
    """Tier 3's 50 a minute as two calls every 2.5 s, never a burst of 50 then a minute's wait:
    live polls sharing it each get their turn."""
    pacer = Pacer(clock)
    pacer.note("chat.update", "C1")
    assert pacer.delay("chat.update", "C2") == 0
    pacer.note("chat.update", "C2")
    assert pacer.delay("chat.update", "C3") == pytest.approx(2.5)
    calls = 0
    for _ in range(600):  # a minute in tenths of a second, a call whenever one is allowed
        if pacer.delay("chat.update") == 0:
            pacer.note("chat.update")
            calls += 1
        clock.advance(0.1)
    assert calls <= 50


def test_an_unlimited_method_never_waits(clock: ManualClock) -> None:
    pacer = Pacer(clock)
    for _ in range(100):
        pacer.note("users.info")
    assert pacer.delay("users.info") == 0


def test_custom_limits_replace_slacks(clock: ManualClock) -> None:
    pacer = Pacer(clock, {"chat.update": (2, 10.0)})
    pacer.note("chat.update")
    pacer.note("chat.update")
    assert pacer.delay("chat.update") == 10.0
    pacer.note("chat.postMessage", "C1")
    assert pacer.delay("chat.postMessage", "C1") == 0


def test_a_429_holds_a_channel_or_the_whole_method(clock: ManualClock) -> None:
    pacer = Pacer(clock)
    pacer.hold("chat.postMessage", "C1", 30, whole_method=False)
    assert pacer.delay("chat.postMessage", "C1") == 30
    assert pacer.delay("chat.postMessage", "C2") == 0
    pacer.hold("chat.update", "C1", 5, whole_method=True)
    assert pacer.delay("chat.update", "C2") == 5
    clock.advance(timedelta(seconds=5))
    assert pacer.delay("chat.update", "C2") == 0
    assert pacer.delay("chat.postMessage", "C1") == 25


def test_a_shorter_hold_does_not_cut_a_longer_one(clock: ManualClock) -> None:
    pacer = Pacer(clock)
    pacer.hold("chat.update", None, 20, whole_method=False)
    pacer.hold("chat.update", None, 3, whole_method=False)
    assert pacer.delay("chat.update", "C1") == 20


def test_the_manual_clock_only_moves_forward(clock: ManualClock) -> None:
    start = clock.now()
    assert clock.advance(90) == start + timedelta(seconds=90)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(start)
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 4, 17, 9, 0))
