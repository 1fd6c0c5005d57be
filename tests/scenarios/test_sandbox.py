"""The local Slack sandbox answers a real slack_sdk client the way Slack does."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from http.client import RemoteDisconnected
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.models.metadata import Metadata
from slack_sdk.webhook import WebhookClient

from bench.limits import BENCH_LIMITS
from bot.core import ManualClock
from bot.devkit import Call, SlackSandbox
from bot.devkit.inprocess import InProcessWebClient, InProcessWebhooks, sandbox_opener

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "Poll: *what are you looking forward to?*"}}
MODAL = {
    "type": "modal",
    "callback_id": "headline",
    "title": {"type": "plain_text", "text": "Vision headline"},
    "submit": {"type": "plain_text", "text": "Submit"},
    "blocks": [
        {
            "type": "input",
            "block_id": "headline",
            "label": {"type": "plain_text", "text": "Your headline"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[SlackSandbox]:
    with SlackSandbox(clock=clock) as box:
        box.add_user(id="U1", name="ana", real_name="Ana Ruiz", email="ana@district.example")
        box.add_user(id="U2", name="ben", real_name="Ben Ito")
        box.add_user(id="U9", name="gone", deleted=True)
        box.add_channel(name="general", members=["U1", "U2"])
        box.add_channel(name="breakout-a", members=["U1"], bot_is_member=False)
        box.add_channel(name="old-news", is_archived=True)
        yield box


@pytest.fixture(params=["http", "in process"])
def client(request: pytest.FixtureRequest, sandbox: SlackSandbox) -> WebClient:
    """A real slack_sdk client, over loopback HTTP, and again handed to the sandbox in process (as
    rehearsals and the shell reach it): every test with it holds for both."""
    if request.param == "http":
        return WebClient(base_url=sandbox.api_url, token=sandbox.bot_token)
    return InProcessWebClient(
        opener=sandbox_opener(sandbox), base_url=sandbox.api_url, token=sandbox.bot_token
    )


def error_of(call: Callable[[], object]) -> SlackApiError:
    """The SlackApiError a client call raises (failing the test when it succeeds)."""
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


def test_post_update_and_read_back(sandbox: SlackSandbox, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="#general", text="Welcome", blocks=[SECTION])
    channel_id = sandbox.channel_id("general")
    assert posted["channel"] == channel_id
    assert posted["ts"] == "1431097200.000000"
    assert posted["message"]["blocks"] == [SECTION]
    reply = client.chat_postMessage(channel=channel_id, text="in thread", thread_ts=posted["ts"])
    assert float(reply["ts"]) > float(posted["ts"])

    updated = client.chat_update(channel=channel_id, ts=posted["ts"], text="Welcome, everyone")
    assert updated["message"]["edited"]["user"] == "UBOT"

    first = sandbox.message("#general", posted["ts"])
    assert (first.text, first.blocks, first.edited) == ("Welcome, everyone", [SECTION], True)
    assert first.user == "UBOT"
    assert [m.thread_ts for m in sandbox.messages("general")] == [None, posted["ts"]]

    client.chat_delete(channel=channel_id, ts=reply["ts"])
    assert sandbox.message(channel_id, reply["ts"]).deleted
    missing = error_of(lambda: client.chat_update(channel=channel_id, ts="1.000000", text="x"))
    assert missing.response["error"] == "message_not_found"
    link = client.chat_getPermalink(channel=channel_id, message_ts=posted["ts"])
    assert link["permalink"].endswith(f"/archives/{channel_id}/p1431097200000000")


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_channel_errors_follow_slack(client: WebClient) -> None:
    assert error_of(lambda: client.chat_postMessage(channel="#nowhere", text="hi")).response["error"] == (
        "channel_not_found"
    )
    assert error_of(lambda: client.chat_postMessage(channel="#breakout-a", text="hi")).response["error"] == (
        "not_in_channel"
    )
    assert error_of(lambda: client.chat_postMessage(channel="#old-news", text="hi")).response["error"] == (
        "is_archived"
    )
    assert error_of(lambda: client.chat_postMessage(channel="#general")).response["error"] == "no_text"
    too_long = "x" * 40_001
    assert error_of(lambda: client.chat_postMessage(channel="#general", text=too_long)).response["error"] == (
        "msg_too_long"
    )
    client.conversations_join(channel="breakout-a")
    assert client.chat_postMessage(channel="#breakout-a", text="now joined")["ok"]


def test_invalid_blocks(sandbox: SlackSandbox, client: WebClient) -> None:
    too_many = [SECTION] * 51
    err = error_of(lambda: client.chat_postMessage(channel="#general", text="x", blocks=too_many))
    assert err.response.status_code == 200
    assert err.response["error"] == "invalid_blocks"
    assert "no more than 50 items" in err.response["response_metadata"]["messages"][0]

    long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}
    long_header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    for blocks in ([long_section], [long_header], [{"text": "no type"}]):
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel="#general", text="x", blocks=blocks)
        assert info.value.response["error"] == "invalid_blocks"
    assert sandbox.messages("#general") == []


def test_dm_via_conversations_open(sandbox: SlackSandbox, client: WebClient) -> None:
    opened = client.conversations_open(users="U1")
    dm = opened["channel"]["id"]
    assert dm.startswith("D")
    again = client.conversations_open(users=["U1"])
    assert again["channel"]["id"] == dm and again["already_open"]

    posted = client.chat_postMessage(channel="U1", text="Your session starts in 10 minutes")
    assert posted["channel"] == dm
    assert [m.text for m in sandbox.messages("U1")] == ["Your session starts in 10 minutes"]
    assert sandbox.messages("U2") == []
    assert sandbox.dms == {"U1": dm} and dm not in sandbox.channels
    assert sandbox.users["U1"]["name"] == "ana"
    assert error_of(lambda: client.conversations_open(users="U404")).response["error"] == "user_not_found"
    assert error_of(lambda: client.conversations_open(users="U9")).response["error"] == "user_disabled"


def test_ephemeral(sandbox: SlackSandbox, client: WebClient) -> None:
    client.chat_postEphemeral(channel="#general", user="U2", text="Only you voted twice")
    [shown] = sandbox.ephemerals
    assert (shown.channel, shown.user, shown.text, shown.source) == (
        sandbox.channel_id("general"),
        "U2",
        "Only you voted twice",
        "chat.postEphemeral",
    )
    err = error_of(lambda: client.chat_postEphemeral(channel="#general", user="U404", text="x"))
    assert err.response["error"] == "user_not_found"


def test_users_lookup_and_pagination(sandbox: SlackSandbox, client: WebClient) -> None:
    assert client.users_info(user="U1")["user"]["profile"]["email"] == "ana@district.example"
    assert client.users_lookupByEmail(email="ANA@district.example")["user"]["id"] == "U1"
    assert error_of(lambda: client.users_lookupByEmail(email="x@y.z")).response["error"] == "users_not_found"
    assert error_of(lambda: client.users_info(user="U404")).response["error"] == "user_not_found"

    for n in range(5):
        sandbox.add_channel(name=f"team-{n}")
    names, cursor = [], None
    while True:
        page = client.conversations_list(limit=3, cursor=cursor, exclude_archived=True)
        names += [c["name"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert names == ["general", "breakout-a"] + [f"team-{n}" for n in range(5)]
    users = client.users_list(limit=2)
    assert len(users["members"]) == 2 and users["response_metadata"]["next_cursor"]
    members = client.conversations_members(channel=sandbox.channel_id("general"))
    assert members["members"] == ["U1", "U2", "UBOT"]


def test_views_open_with_valid_expired_and_unknown_trigger(
    sandbox: SlackSandbox, client: WebClient, clock: ManualClock
) -> None:
    trigger = sandbox.new_trigger_id("U1")
    opened = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert opened["id"] == opened["root_view_id"]
    assert opened["state"] == {"values": {}} and opened["callback_id"] == "headline"
    assert [v.id for v in sandbox.open_views("U1")] == [opened["id"]]
    assert sandbox.views[opened["id"]].view == MODAL

    assert error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL)).response["error"] == (
        "exchanged_trigger_id"
    )
    late = sandbox.new_trigger_id("U1")
    clock.advance(3.5)
    assert error_of(lambda: client.views_open(trigger_id=late, view=MODAL)).response["error"] == (
        "expired_trigger_id"
    )
    assert error_of(lambda: client.views_open(trigger_id="1.2.nope", view=MODAL)).response["error"] == (
        "invalid_trigger_id"
    )
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "t" * 25}}
    err = error_of(lambda: client.views_open(trigger_id=sandbox.new_trigger_id("U1"), view=long_title))
    assert err.response["error"] == "invalid_arguments"
    assert "/view/title/text" in err.response["response_metadata"]["messages"][0]

    sandbox.close_view(opened["id"])
    assert sandbox.open_views("U1") == []


def test_views_update_hash_conflict_and_push(sandbox: SlackSandbox, client: WebClient) -> None:
    opened = client.views_open(trigger_id=sandbox.new_trigger_id("U2"), view=MODAL)["view"]
    changed = {**MODAL, "private_metadata": "team-7"}
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=changed)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert updated["private_metadata"] == "team-7"
    err = error_of(lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL))
    assert err.response["error"] == "hash_conflict"

    pushed = client.views_push(trigger_id=sandbox.new_trigger_id("U2"), view=MODAL)["view"]
    assert pushed["root_view_id"] == opened["id"] and pushed["previous_view_id"] == opened["id"]
    assert [v.id for v in sandbox.open_views("U2")] == [opened["id"], pushed["id"]]

    home = {"type": "home", "blocks": [SECTION]}
    published = client.views_publish(user_id="U2", view=home)["view"]
    assert sandbox.views[published["id"]].kind == "home"


@pytest.mark.filterwarnings("ignore:client.files_upload\\(\\) may cause")
def test_files_upload_v2_end_to_end(sandbox: SlackSandbox, client: WebClient) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    result = client.files_upload_v2(
        channel=sandbox.channel_id("general"),
        content=png,
        filename="wordcloud.png",
        title="Vision headlines",
        alt_txt="Word cloud of vision headlines",
        initial_comment="Here is what you said",
    )
    file_id = result["file"]["id"]
    stored = sandbox.files[file_id]
    assert stored["content"] == png and stored["length"] == len(png)
    assert (stored["name"], stored["title"], stored["alt_txt"]) == (
        "wordcloud.png",
        "Vision headlines",
        "Word cloud of vision headlines",
    )
    assert stored["channel"] == sandbox.channel_id("general")
    [shared] = sandbox.messages("general")
    assert shared.text == "Here is what you said"
    assert [f["id"] for f in shared.files] == [file_id]
    assert [c.method for c in sandbox.calls] == [
        "files.getUploadURLExternal",
        "files.upload",
        "files.completeUploadExternal",
    ]
    assert error_of(lambda: client.files_upload(content=b"x", channels="#general")).response["error"] == (
        "method_deprecated"
    )


def test_response_url(sandbox: SlackSandbox, client: WebClient, clock: ManualClock) -> None:
    channel_id = sandbox.channel_id("general")
    poll = client.chat_postMessage(channel=channel_id, text="Poll: lunch?")
    url = sandbox.new_response_url(channel_id=channel_id, user_id="U1", message_ts=poll["ts"])
    hook = WebhookClient(url)

    answer = hook.send(text="Thanks, your vote counts")
    assert (answer.status_code, answer.body) == (200, "ok")
    assert sandbox.ephemerals[-1].source == "response_url" and sandbox.ephemerals[-1].user == "U1"

    assert hook.send(text="Poll closed", replace_original=True).status_code == 200
    assert sandbox.message(channel_id, poll["ts"]).text == "Poll closed"
    assert hook.send(text="Results are in", response_type="in_channel").status_code == 200
    assert sandbox.messages(channel_id)[-1].text == "Results are in"
    assert hook.send(delete_original=True).status_code == 200
    assert sandbox.message(channel_id, poll["ts"]).deleted

    assert hook.send(text="fifth").status_code == 200
    refused = hook.send(text="sixth")
    assert refused.status_code == 404 and refused.body in ("used_url", "expired_url")
    assert [c.status for c in sandbox.calls_to("response_url")] == [200, 200, 200, 200, 200, 404]

    stale = WebhookClient(sandbox.new_response_url(channel_id=channel_id, user_id="U1"))
    clock.advance(30 * 60 + 1)
    gone = stale.send(text="too late")
    assert (gone.status_code, gone.body) == (404, "expired_url")


def test_in_process_replies_and_drops_answer_as_over_http(sandbox: SlackSandbox, clock: ManualClock) -> None:
    """Handed to the sandbox in process, a reply to a response_url is answered and recorded as
    one over HTTP (404 and its reason once used up or expired), and a dropped answer is a closed
    connection (an OSError the dispatcher counts as unanswered), not an error reply."""
    opener = sandbox_opener(sandbox)
    hooks = InProcessWebhooks(opener=opener)
    channel_id = sandbox.channel_id("general")
    url = sandbox.new_response_url(channel_id=channel_id, user_id="U1")

    def post(text: str) -> tuple[int, str, Any]:
        return hooks.run(hooks.post(url, {"text": text})).result(timeout=5)

    assert post("Recorded")[:2] == (200, "ok")
    assert sandbox.ephemerals[-1].text == "Recorded" and sandbox.ephemerals[-1].user == "U1"
    for n in range(4):
        assert post(f"again {n}")[0] == 200
    assert post("sixth")[:2] == (404, "used_url")
    stale = sandbox.new_response_url(channel_id=channel_id, user_id="U1")
    clock.advance(30 * 60 + 1)
    assert hooks.run(hooks.post(stale, {"text": "late"})).result(timeout=5)[:2] == (404, "expired_url")
    assert [c.status for c in sandbox.calls_to("response_url")] == [200] * 5 + [404, 404]

    bare = InProcessWebClient(
        opener=opener, base_url=sandbox.api_url, token=sandbox.bot_token, retry_handlers=[]
    )
    sandbox.fail_next("chat.postMessage", drop_connection=True)
    with pytest.raises(RemoteDisconnected):
        bare.chat_postMessage(channel="#general", text="lost")
    assert sandbox.calls[-1].response == {"ok": False, "error": "connection_dropped"}
    assert sandbox.messages("general") == []


def test_auth_and_unknown_method(sandbox: SlackSandbox, client: WebClient) -> None:
    assert client.auth_test()["user_id"] == "UBOT"
    wrong = WebClient(base_url=sandbox.api_url, token="xoxb-wrong")
    assert error_of(wrong.auth_test).response["error"] == "invalid_auth"
    anonymous = WebClient(base_url=sandbox.api_url)
    assert error_of(anonymous.auth_test).response["error"] == "not_authed"

    err = error_of(lambda: client.api_call("chat.doesNotExist", json={"channel": "C1"}))
    assert err.response.status_code == 404
    assert err.response["error"] == "unknown_method"
    assert sandbox.calls[-1].status == 404


def test_rate_limit_answers_429_then_recovers(clock: ManualClock) -> None:
    limits = {"chat.update": (2, 60.0), "chat.postMessage:per_channel": (1, 1.0)}
    with SlackSandbox(clock=clock, rate_limits=limits) as box:
        box.add_channel(name="general")
        box.add_channel(name="plenary")
        client = WebClient(base_url=box.api_url, token=box.bot_token)
        posted = client.chat_postMessage(channel="#general", text="one")
        client.chat_postMessage(channel="#plenary", text="other channel, own window")
        err = error_of(lambda: client.chat_postMessage(channel="#general", text="two"))
        assert err.response.status_code == 429
        assert err.response.headers["Retry-After"] == "1"
        assert err.response["error"] == "ratelimited"

        client.chat_update(channel=posted["channel"], ts=posted["ts"], text="a")
        clock.advance(20)
        client.chat_update(channel=posted["channel"], ts=posted["ts"], text="b")
        err = error_of(lambda: client.chat_update(channel=posted["channel"], ts=posted["ts"], text="c"))
        assert err.response.headers["Retry-After"] == "40"
        clock.advance(40)
        assert client.chat_update(channel=posted["channel"], ts=posted["ts"], text="c")["ok"]
        assert client.chat_postMessage(channel="#general", text="two")["ok"]
        assert [c.status for c in box.calls] == [200, 200, 429, 200, 200, 429, 200, 200]


def test_every_call_recorded_with_params(sandbox: SlackSandbox, client: WebClient) -> None:
    seen: list[Call] = []
    sandbox.subscribe(seen.append)
    client.chat_postMessage(channel="#general", text="Live poll", blocks=[SECTION])
    # Form-encoded bodies carry blocks as a JSON string; the record holds them decoded.
    form = urllib.request.Request(
        sandbox.api_url + "chat.postMessage",
        data=f"channel=general&text=form&blocks={json.dumps([SECTION])}".encode(),
        headers={"Authorization": f"Bearer {sandbox.bot_token}"},
    )
    with urllib.request.urlopen(form) as response:
        assert json.load(response)["ok"]
    client.users_info(user="U1")

    calls = sandbox.calls
    assert [c.method for c in calls] == ["chat.postMessage", "chat.postMessage", "users.info"]
    assert calls[0].params == {"channel": "#general", "text": "Live poll", "blocks": [SECTION]}
    assert calls[1].params["blocks"] == [SECTION]
    assert calls[2].params == {"user": "U1"} and calls[2].response["user"]["name"] == "ana"
    assert all(c.status == 200 and c.at == calls[0].at for c in calls)
    assert seen == calls
    assert sandbox.calls_to("users.info") == [calls[2]]
    sandbox.reset_calls()
    assert sandbox.calls == []


# ---------------------------------------------------------------------- message metadata and history

TASK = {"event_type": "poll_posted", "event_payload": {"poll_id": 7, "kind": "single"}}


def post_form(sandbox: SlackSandbox, method: str, fields: dict[str, str]) -> dict[str, Any]:
    """POST a form-encoded body, as clients that send JSON fields as strings do."""
    request = urllib.request.Request(
        sandbox.api_url + method,
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Authorization": f"Bearer {sandbox.bot_token}"},
    )
    with urllib.request.urlopen(request) as response:
        body: dict[str, Any] = json.load(response)
        return body


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_metadata_round_trip_through_history(sandbox: SlackSandbox, client: WebClient) -> None:
    channel_id = sandbox.channel_id("general")
    posted = client.chat_postMessage(channel=channel_id, text="Poll", metadata=TASK)
    assert posted["message"]["metadata"] == TASK
    assert sandbox.message(channel_id, posted["ts"]).metadata == TASK
    as_model = Metadata(event_type="poll_closed", event_payload={"poll_id": 7})
    closed = client.chat_postMessage(channel=channel_id, text="Closed", metadata=as_model)
    form = post_form(
        sandbox,
        "chat.postMessage",
        {"channel": channel_id, "text": "form", "metadata": json.dumps(TASK)},
    )
    assert form["ok"] and form["message"]["metadata"] == TASK
    client.chat_postMessage(channel=channel_id, text="plain")

    history = client.conversations_history(channel=channel_id)
    assert [m["text"] for m in history["messages"]] == ["plain", "form", "Closed", "Poll"]
    assert all("metadata" not in m for m in history["messages"])
    assert history["has_more"] is False and history["pin_count"] == 0
    with_metadata = client.conversations_history(channel=channel_id, include_all_metadata=True)["messages"]
    assert [m.get("metadata") for m in with_metadata] == [
        None,
        TASK,
        {"event_type": "poll_closed", "event_payload": {"poll_id": 7}},
        TASK,
    ]
    assert with_metadata[-1]["user"] == "UBOT" and with_metadata[-1]["type"] == "message"
    query = urllib.parse.urlencode({"channel": channel_id, "include_all_metadata": "true", "limit": 1})
    request = urllib.request.Request(
        f"{sandbox.api_url}conversations.history?{query}",
        headers={"Authorization": f"Bearer {sandbox.bot_token}"},
    )
    with urllib.request.urlopen(request) as response:
        assert "metadata" not in json.load(response)["messages"][0]  # "plain" has none

    # chat.update replaces metadata when it carries some and keeps it otherwise.
    changed = {"event_type": "poll_posted", "event_payload": {"poll_id": 7, "kind": "multi"}}
    client.chat_update(channel=channel_id, ts=posted["ts"], text="Poll (edited)", metadata=changed)
    assert sandbox.message(channel_id, posted["ts"]).metadata == changed
    client.chat_update(channel=channel_id, ts=posted["ts"], text="Poll (again)")
    assert sandbox.message(channel_id, posted["ts"]).metadata == changed
    err = error_of(lambda: client.chat_update(channel=channel_id, ts=posted["ts"], metadata=TASK))
    assert err.response["error"] == "no_text"
    assert sandbox.message(channel_id, closed["ts"]).metadata == {
        "event_type": "poll_closed",
        "event_payload": {"poll_id": 7},
    }


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ("not json", "invalid_metadata_format"),
        (["poll_posted"], "invalid_metadata_format"),
        ({"event_payload": {}}, "invalid_metadata_schema"),
        ({"event_type": "poll posted!", "event_payload": {}}, "invalid_metadata_schema"),
        ({"event_type": "x" * 256, "event_payload": {}}, "invalid_metadata_schema"),
        ({"event_type": "poll_posted"}, "invalid_metadata_schema"),
        ({"event_type": "poll_posted", "event_payload": [1]}, "invalid_metadata_schema"),
    ],
)
def test_invalid_metadata(sandbox: SlackSandbox, client: WebClient, metadata: Any, error: str) -> None:
    err = error_of(lambda: client.chat_postMessage(channel="#general", text="x", metadata=metadata))
    assert (err.response.status_code, err.response["error"]) == (200, error)
    assert sandbox.messages("general") == []


def test_metadata_limits_accepted(client: WebClient) -> None:
    longest = {"event_type": "A_z9" + "x" * 251, "event_payload": {}}
    assert client.chat_postMessage(channel="#general", text="x", metadata=longest)["message"]["metadata"] == (
        longest
    )
    empty: Any = ""  # a form field left blank: no metadata
    assert "metadata" not in client.chat_postMessage(channel="#general", text="y", metadata=empty)["message"]


def test_history_pages_newest_first_with_cursor_and_bounds(
    sandbox: SlackSandbox, client: WebClient, clock: ManualClock
) -> None:
    channel_id = sandbox.channel_id("general")
    stamps = []
    for n in range(6):
        stamps.append(client.chat_postMessage(channel=channel_id, text=f"m{n}")["ts"])
        clock.advance(1)
    client.chat_postMessage(channel=channel_id, text="reply", thread_ts=stamps[1])
    client.chat_delete(channel=channel_id, ts=stamps[4])

    seen, cursor, pages = [], None, []
    while True:
        page = client.conversations_history(channel=channel_id, limit=2, cursor=cursor)
        pages.append((len(page["messages"]), page["has_more"]))
        seen += [m["text"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == ["m5", "m3", "m2", "m1", "m0"]  # no thread reply, no deleted message
    assert pages == [(2, True), (2, True), (1, False)]
    parent = client.conversations_history(channel=channel_id, latest=stamps[1], inclusive=True, limit=1)
    [m1] = parent["messages"]
    assert (m1["text"], m1["thread_ts"], m1["reply_count"]) == ("m1", stamps[1], 1)
    assert parent["has_more"] is True

    def texts(**bounds: Any) -> list[str]:
        return [m["text"] for m in client.conversations_history(channel=channel_id, **bounds)["messages"]]

    assert texts(oldest=stamps[2]) == ["m5", "m3"]
    assert texts(oldest=stamps[2], inclusive=True) == ["m5", "m3", "m2"]
    assert texts(latest=stamps[2]) == ["m1", "m0"]
    assert texts(oldest=stamps[0], latest=stamps[3], inclusive=True) == ["m3", "m2", "m1", "m0"]
    assert texts(limit=5000) == ["m5", "m3", "m2", "m1", "m0"]

    assert error_of(lambda: texts(cursor="bm9wZQ==")).response["error"] == "invalid_cursor"
    assert error_of(lambda: texts(oldest="yesterday")).response["error"] == "invalid_ts_oldest"
    assert error_of(lambda: texts(latest="soon")).response["error"] == "invalid_ts_latest"


def test_history_access_follows_slack(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.add_channel(name="staff", is_private=True, bot_is_member=False)
    dm = client.chat_postMessage(channel="U1", text="Your session starts soon")["channel"]
    assert [m["text"] for m in client.conversations_history(channel=dm)["messages"]] == [
        "Your session starts soon"
    ]

    def error(channel: str) -> str:
        return str(error_of(lambda: client.conversations_history(channel=channel)).response["error"])

    assert error(sandbox.channel_id("breakout-a")) == "not_in_channel"
    assert error(sandbox.channel_id("staff")) == "channel_not_found"
    assert error("U1") == "channel_not_found"  # a user id is not a conversation id here
    assert error("#general") == "channel_not_found"
    assert error("C404") == "channel_not_found"
    assert client.conversations_history(channel=sandbox.channel_id("old-news"))["messages"] == []


# ---------------------------------------------------------------------- fault injection


def test_fail_next_answers_as_slack_fails(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.fail_next("chat.postMessage", error="channel_not_found")
    sandbox.fail_next("chat.postMessage", status=500)
    sandbox.fail_next("chat.postMessage", status=429, retry_after=2, times=2)
    sandbox.fail_next("chat.postMessage", status=503)

    def post() -> object:
        return client.chat_postMessage(channel="#general", text="hi")

    not_found = error_of(post).response
    assert (not_found.status_code, not_found["error"]) == (200, "channel_not_found")
    crashed = error_of(post).response
    assert (crashed.status_code, crashed.data) == (500, {"ok": False, "error": "internal_error"})
    for _ in range(2):
        limited = error_of(post).response
        assert (limited.status_code, limited["error"]) == (429, "ratelimited")
        assert limited.headers["Retry-After"] == "2"
    assert error_of(post).response["error"] == "service_unavailable"
    assert post()
    assert [m.text for m in sandbox.messages("general")] == ["hi"]
    assert [(c.method, c.status) for c in sandbox.calls] == [
        ("chat.postMessage", s) for s in (200, 500, 429, 429, 503, 200)
    ]
    assert sandbox.calls[0].response == {"ok": False, "error": "channel_not_found"}

    # Injected failures come before authentication and touch only their own method.
    sandbox.fail_next("users.info", status=429)
    limited = error_of(lambda: client.users_info(user="U1")).response
    assert limited.headers["Retry-After"] == "1"
    assert client.auth_test()["ok"]
    sandbox.fail_next("auth.test", error="invalid_auth")
    sandbox.clear_faults()
    assert client.auth_test()["ok"]

    with pytest.raises(ValueError, match="not a Web API method"):
        sandbox.fail_next("chat.postmessage", status=500)
    with pytest.raises(ValueError, match="give an error"):
        sandbox.fail_next("chat.postMessage")
    with pytest.raises(ValueError, match="drop_connection"):
        sandbox.fail_next("chat.postMessage", status=500, drop_connection=True)


def test_fail_next_can_drop_the_connection(sandbox: SlackSandbox) -> None:
    bare = WebClient(base_url=sandbox.api_url, token=sandbox.bot_token, retry_handlers=[])
    sandbox.fail_next("chat.postMessage", drop_connection=True)
    with pytest.raises(RemoteDisconnected) as info:
        bare.chat_postMessage(channel="#general", text="lost")
    assert isinstance(info.value, ConnectionError)  # an OSError, not a SlackApiError
    [dropped] = sandbox.calls
    assert (dropped.status, dropped.response) == (0, {"ok": False, "error": "connection_dropped"})
    assert sandbox.messages("general") == []

    # slack_sdk's default retry handler retries one connection error, so one drop goes unseen.
    instant = ConnectionErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0.0))
    retrying = WebClient(base_url=sandbox.api_url, token=sandbox.bot_token, retry_handlers=[instant])
    sandbox.fail_next("chat.postMessage", drop_connection=True)
    assert retrying.chat_postMessage(channel="#general", text="second try")["ok"]
    assert [c.status for c in sandbox.calls] == [0, 0, 200]


def test_fail_next_can_lose_the_answer_after_doing_the_work(sandbox: SlackSandbox) -> None:
    bare = WebClient(base_url=sandbox.api_url, token=sandbox.bot_token, retry_handlers=[])
    sandbox.fail_next("chat.postMessage", answer_lost=True)
    with pytest.raises(RemoteDisconnected):
        bare.chat_postMessage(channel="#general", text="posted, but nobody heard")
    [lost] = sandbox.calls
    assert (lost.status, lost.response) == (0, {"ok": False, "error": "connection_dropped"})
    assert [m.text for m in sandbox.messages("general")] == ["posted, but nobody heard"]


def test_deactivated_users_and_archived_channels(sandbox: SlackSandbox, client: WebClient) -> None:
    dm = client.chat_postMessage(channel="U1", text="Welcome")["channel"]
    sandbox.deactivate_user("U1")
    assert sandbox.users["U1"]["deleted"] is True
    by_user = error_of(lambda: client.chat_postMessage(channel="U1", text="x"))
    by_dm = error_of(lambda: client.chat_postMessage(channel=dm, text="x"))
    assert by_user.response["error"] == by_dm.response["error"] == "user_disabled"
    assert error_of(lambda: client.conversations_open(users="U1")).response["error"] == "user_disabled"
    assert client.conversations_info(channel=dm)["channel"]["is_user_deleted"] is True

    assert sandbox.archive_channel("#general")["is_archived"] is True
    err = error_of(lambda: client.chat_postMessage(channel=sandbox.channel_id("general"), text="x"))
    assert err.response["error"] == "is_archived"
    with pytest.raises(KeyError):
        sandbox.archive_channel("#nowhere")
    with pytest.raises(ValueError, match="DM"):
        sandbox.archive_channel(dm)
    with pytest.raises(KeyError):
        sandbox.deactivate_user("U404")

    sandbox.deactivate_user(sandbox.bot_user_id)
    assert error_of(client.auth_test).response["error"] == "account_inactive"


# ---------------------------------------------------------------------- workspace-wide limits


def test_workspace_and_per_channel_limits_together(clock: ManualClock) -> None:
    limits = {
        "chat.postMessage": (3, 1.0),
        "chat.postMessage:per_channel": (1, 1.0),
        "conversations.history": (1, 60.0),
    }
    with SlackSandbox(clock=clock, rate_limits=limits) as box:
        for name in "abcd":
            box.add_channel(name=name)
        client = WebClient(base_url=box.api_url, token=box.bot_token)

        def post(name: str) -> int:
            try:
                client.chat_postMessage(channel=f"#{name}", text="hi")
            except SlackApiError as err:
                return int(err.response.status_code)
            return 200

        assert [post(n) for n in "aabcd"] == [200, 429, 200, 200, 429]  # a: its channel; d: the workspace
        clock.advance(0.5)
        assert post("d") == 429
        clock.advance(0.5)
        assert [post(n) for n in "dab"] == [200, 200, 200]
        assert post("c") == 429  # c's channel is free, the workspace window is not

        assert client.conversations_history(channel=box.channel_id("a"))["ok"]
        err = error_of(lambda: client.conversations_history(channel=box.channel_id("b")))
        assert (err.response.status_code, err.response.headers["Retry-After"]) == (429, "60")


def test_limit_floor(clock: ManualClock) -> None:
    bench = SlackSandbox(clock=clock, rate_limits=BENCH_LIMITS)
    assert bench.limit_floor("chat.postMessage", 0) == 0.0
    assert bench.limit_floor("chat.postMessage", 1) == 0.0
    assert bench.limit_floor("chat.postMessage", 10) == 9.0  # one channel: 1 a second
    assert bench.limit_floor("chat.postMessage", 100, channels=100) == 1.0  # 50 now, 50 a second later
    assert bench.limit_floor("chat.postMessage", 151, channels=151) == 3.0
    assert bench.limit_floor("chat.postMessage", 120, channels=40) == 2.0
    assert bench.limit_floor("chat.postMessage", 7, channels=2) == 3.0  # the busiest channel gets 4
    assert bench.limit_floor("chat.update", 50) == 0.0
    assert bench.limit_floor("chat.update", 51) == 60.0
    assert bench.limit_floor("users.info", 1000) == 0.0  # not limited in BENCH_LIMITS
    assert SlackSandbox(clock=clock).limit_floor("chat.postMessage", 1000) == 0.0
    with pytest.raises(ValueError):
        bench.limit_floor("chat.postMessage", 3, channels=0)

    # The floor is what a client that waits out each Retry-After actually takes.
    with SlackSandbox(clock=clock, rate_limits={"chat.postMessage:per_channel": (2, 1.0)}) as box:
        box.add_channel(name="general")
        client = WebClient(base_url=box.api_url, token=box.bot_token)
        start, sent = clock.now(), 0
        while sent < 5:
            try:
                client.chat_postMessage(channel="#general", text=str(sent))
                sent += 1
            except SlackApiError as err:
                clock.advance(int(err.response.headers["Retry-After"]))
        assert (clock.now() - start).total_seconds() == box.limit_floor("chat.postMessage", 5) == 2.0
