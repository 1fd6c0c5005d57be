"""Pages for the room's screen: links, what the JSON may show, and a real browser following a vote."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.devkit import Workspace
from tests.kit import ROOT, wait_until
from tests.kit.closing import submit_headline
from tests.kit.display import (
    client_for,
    display_path,
)

PLENARY = "#lmi-plenary"
ARTIFACTS = Path(os.environ.get("CONVENE_TEST_ARTIFACTS", ROOT / "test-artifacts"))


def posted(ws: Workspace, poll_id: str) -> bool:
    """Whether the poll's message is in its channel (a served bot posts it a moment later)."""
    from sqlmodel import Session

    from storage.models import Poll

    with Session(ws.engine) as session:
        poll = session.get(Poll, poll_id)
        return poll is not None and bool(poll.message_ts)


def vote(ws: Workspace, person: str, poll_id: str, action_id: str) -> None:
    from sqlmodel import Session

    from storage.models import Poll

    with Session(ws.engine) as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None and poll.message_ts
        channel, ts = poll.channel_id, poll.message_ts
    assert ws.driver.click(ws.user(person), channel=channel, message_ts=ts, action_id=action_id).status == 200  # type: ignore[arg-type]


def test_a_facilitator_gets_a_private_link_that_follows_the_votes(ws: Workspace) -> None:
    staff = ws.user("facilitator-lead")
    ws.driver.command(staff, "/poll launch capacity-project", channel=PLENARY)
    ws.deliver()
    reply = ws.driver.command(staff, "/poll display capacity-project", channel=PLENARY)
    assert reply.text.startswith(
        "For the room's screen (read-only; it follows the votes live): http://127.0.0.1:3000/"
    )
    path = display_path(reply.text)
    assert len(path.rsplit("/", 1)[1]) >= 32  # unguessable
    web = client_for(ws)
    page = web.get(path)
    assert page.status_code == 200 and "<title>Convene display</title>" in page.text
    assert page.headers["x-robots-tag"] == "noindex" and page.headers["referrer-policy"] == "no-referrer"
    vote(ws, "abc-usd-supt", "capacity-project", "poll_vote_2")
    data = web.get(f"{path}/data.json").json()
    assert data["total"] == 1 and data["options"][2] == {
        "label": "Perhaps; we need to know more first",
        "count": 1,
        "percent": 100,
    }
    assert web.get("/display/not-a-real-token").status_code == 404
    assert web.get("/display/not-a-real-token/data.json").status_code == 404


def test_display_links_are_for_staff_and_name_real_polls(ws: Workspace) -> None:
    refused = ws.driver.command(ws.user("abc-usd-supt"), "/poll display capacity-project", channel=PLENARY)
    assert refused.text == "Only facilitators and organizers can open display pages."
    typo = ws.driver.command(ws.user("facilitator-lead"), "/poll display capacity-projct", channel=PLENARY)
    assert typo.text == "There is no poll `capacity-projct`. Did you mean `capacity-project`?"


def test_hidden_and_anonymous_polls_show_nothing_they_hide(ws: Workspace) -> None:
    staff = ws.user("facilitator-lead")
    ws.driver.command(staff, "/poll launch first-step", channel=PLENARY)
    ws.driver.command(staff, "/poll launch eval-useful", channel=PLENARY)
    ws.deliver()
    ws.clock.advance(1)  # type: ignore[attr-defined]  # one post per second per channel
    ws.deliver()
    web = client_for(ws)
    hidden = display_path(ws.driver.command(staff, "/poll display first-step", channel=PLENARY).text)
    anonymous = display_path(ws.driver.command(staff, "/poll display eval-useful", channel=PLENARY).text)
    voter = ws.user("abc-usd-supt")
    vote(ws, "abc-usd-supt", "eval-useful", "poll_vote_4")
    data = web.get(f"{hidden}/data.json").json()
    assert data["show"] is False and "options" not in data and "texts" not in data
    anon = web.get(f"{anonymous}/data.json").text
    assert voter not in anon and "Charles Orozco" not in anon
    # Under five answers an anonymous poll's counts are themselves a small group: none shown.
    early = web.get(f"{anonymous}/data.json").json()
    assert early["show"] is False and "options" not in early and early["total"] == 1
    for person in ("abc-usd-board", "abc-usd-teachers", "abc-usd-classified", "alhambra-usd-supt"):
        vote(ws, person, "eval-useful", "poll_vote_4")
    counts = [o["count"] for o in web.get(f"{anonymous}/data.json").json()["options"]]
    assert counts == [0, 0, 0, 0, 5]


def test_a_poll_nobody_has_answered_says_so_on_the_screen_not_bars_at_0(ws: Workspace) -> None:
    staff = ws.user("facilitator-lead")
    ws.driver.command(staff, "/poll launch possible-here", channel=PLENARY)
    ws.deliver()
    web = client_for(ws)
    path = display_path(ws.driver.command(staff, "/poll display possible-here", channel=PLENARY).text)
    data = web.get(f"{path}/data.json").json()
    assert data["waiting"] == "No answers yet." and "options" not in data and "average" not in data
    vote(ws, "abc-usd-supt", "possible-here", "poll_vote_3")
    data = web.get(f"{path}/data.json").json()
    assert "waiting" not in data and data["options"][3]["percent"] == 100


def test_headlines_wall_and_word_cloud_pages(ws: Workspace) -> None:
    for person, text in (("abc-usd-supt", "Partners lift graduation"), ("alhambra-usd-supt", "Hide me")):
        submit_headline(ws, person, text)
    staff = ws.user("facilitator-lead")
    ws.driver.command(staff, "/headline hide 2", channel=PLENARY)
    reply = ws.driver.command(staff, "/closing display", channel=PLENARY).text
    assert reply.startswith("Links for the room's screen")
    wall, cloud = re.findall(r"https?://[^/\s]+(/display/[\w-]+)", reply)[0::2][:2]
    web = client_for(ws)
    items = web.get(f"{wall}/data.json").json()["items"]
    assert items == [
        {"team": "ABC Unified School District", "text": "Partners lift graduation", "explanation": ""}
    ]
    links = re.findall(r"`(\S+)`: https?://[^/\s]+(/display/[\w-]+)", reply)
    headlines_cloud = dict(links)["headlines"]
    data = web.get(f"{headlines_cloud}/data.json").json()
    assert data["kind"] == "cloud" and "graduation" in data["alt"]
    png = web.get(f"{headlines_cloud}/cloud.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    empty = dict(links)["looking-forward"]
    assert (
        web.get(f"{empty}/data.json").json()["alt"] == "No word cloud for `looking-forward`: No answers yet."
    )
    assert web.get(f"{empty}/cloud.png").status_code == 204
    assert cloud  # both links were produced


# ------------------------------------------------------------------ a real browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chromium_page(url: str) -> Iterator[Any]:
    """A page of Debian's Chromium at `url`, at the room screen's usual 1280×720."""
    playwright = pytest.importorskip(
        "playwright.sync_api", reason="playwright is a test dependency: pip install -e '.[test]'"
    )
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(url)
            yield page
        finally:
            browser.close()


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed here; .ci/run installs it")
def test_the_page_renders_in_chromium_and_follows_a_vote(served: tuple[Workspace, str]) -> None:
    ws, url = served
    staff = ws.user("facilitator-lead")
    ws.driver.command(staff, "/poll launch capacity-project", channel=PLENARY)
    reply = ws.driver.command(staff, "/poll display capacity-project", channel=PLENARY)
    page_url = url + display_path(reply.text)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(page_url) as page:
        # Locator waits run in Playwright's own world, so the page's strict CSP (no eval) stays on.
        page.locator("#title", has_text="Would your district join").wait_for()
        assert page.locator(".waiting").text_content() == "No answers yet."
        assert page.locator(".row").count() == 0
        assert "0 responses" in page.locator("#meta").text_content()  # type: ignore[operator]
        deadline = time.monotonic() + 20
        while not ws.sandbox.messages(PLENARY) and time.monotonic() < deadline:
            time.sleep(0.05)
        message = ws.sandbox.messages(PLENARY)[0]
        voted_at = time.monotonic()
        ws.driver.click(
            ws.user("abc-usd-supt"), channel=PLENARY, message_ts=message.ts, action_id="poll_vote_2"
        )
        # How fast is for bench/, not for a test on a busy machine: the figure is kept below.
        page.locator("#meta", has_text="1 response ").wait_for(timeout=20_000)
        seen_after = time.monotonic() - voted_at
        assert page.locator(".row").count() == 5 and page.locator(".waiting").count() == 0
        assert "1 · 100%" in page.locator(".row").nth(2).text_content()  # type: ignore[operator]
        page.screenshot(path=str(ARTIFACTS / "display-poll.png"))
    assert (ARTIFACTS / "display-poll.png").stat().st_size > 10_000
    (ARTIFACTS / "display-poll.json").write_text(
        json.dumps({"url_path": display_path(reply.text), "seconds_to_show_vote": round(seen_after, 2)})
    )


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed here; .ci/run installs it")
def test_a_ranking_on_the_room_screen_keeps_each_options_figures_on_one_line(
    served: tuple[Workspace, str],
) -> None:
    from tests.kit.ranking import rank

    ws, url = served
    staff = ws.user("facilitator-lead")
    ws.driver.command(staff, "/poll launch next-year-priorities", channel="#lmi-closing")
    reply = ws.driver.command(staff, "/poll display next-year-priorities", channel="#lmi-closing")
    wait_until(lambda: posted(ws, "next-year-priorities"))
    rank(ws, "abc-usd-supt", [1, 0, 2, 3, 4], "next-year-priorities")
    with chromium_page(url + display_path(reply.text)) as page:
        page.locator("#meta", has_text="1 response").wait_for(timeout=20_000)
        # One look at every row at once: the page rebuilds its rows as it follows the poll.
        rows = page.locator(".num").evaluate_all(
            "els => els.map(e => [e.getBoundingClientRect().height,"
            " parseFloat(getComputedStyle(e).fontSize), e.textContent])"
        )
        assert len(rows) == 5 and rows[0][2] == "mean rank 1.0 · 4 points"
        for height, size, text in rows:
            assert height < 1.6 * size, f"{text!r} takes {height / size:.1f} lines"
        page.screenshot(path=str(ARTIFACTS / "display-ranking.png"))
