"""/agenda, /agenda me and the App Home tab, with breakout choices that drive reminders."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core import ManualClock
from bot.devkit import Workspace


def home_of(ws: Workspace, person: str):  # type: ignore[no-untyped-def]
    user = ws.user(person)
    homes = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user]
    assert homes, "no Home tab was published"
    return homes[-1]


def texts(view) -> str:  # type: ignore[no-untyped-def]
    import json

    return json.dumps(view.view["blocks"], ensure_ascii=False)


def test_agenda_shows_now_and_next(ws: Workspace, clock: ManualClock) -> None:
    clock.set(datetime(2015, 5, 8, 23, 40, tzinfo=UTC))  # 4:40 PM Friday
    reply = ws.driver.command(ws.user("abc-usd-supt"), "/agenda", channel="#lmi-plenary")
    assert reply.status == 200
    text = reply.json["text"]
    assert text.startswith("*Now*\n• 4:30–5:45 PM · *Charting the California Way panel* · Grand Ballroom")
    assert "*Next, at 5:45 PM*\n• 5:45–6:45 PM · *What IS Possible panel*" in text


def test_agenda_before_and_after_the_event(ws: Workspace, clock: ManualClock) -> None:
    before = ws.driver.command(ws.user("abc-usd-supt"), "/agenda", channel="#lmi-plenary").json["text"]
    assert before.startswith("_Nothing is running right now._\n*Next, at Friday, May 8, 4:00 PM*")
    clock.set(datetime(2015, 5, 10, 2, 0, tzinfo=UTC))
    after = ws.driver.command(ws.user("abc-usd-supt"), "/agenda", channel="#lmi-plenary").json["text"]
    assert after.startswith("CA LMI Symposium 2015 has ended.")


def test_home_tab_lets_a_person_choose_breakouts_and_reminders_follow(
    ws: Workspace, clock: ManualClock
) -> None:
    clock.set(datetime(2015, 5, 9, 15, 0, tzinfo=UTC))  # 8:00 AM Saturday
    user = ws.user("abc-usd-supt")
    assert ws.driver.event({"type": "app_home_opened", "user": user, "tab": "home"}).status == 200
    home = home_of(ws, "abc-usd-supt")
    body = texts(home)
    assert "Hello Charles Orozco!" in body and "*Your Saturday, May 9*" in body
    assert "Role-alike: superintendents" in body and "Role-alike: school board members" not in body
    assert "breakout_choose_20150509T1700Z" in body and "breakout_choose_20150509T1815Z" in body
    reply = ws.driver.select(
        user, view_id=home.id, action_id="breakout_choose_20150509T1700Z", value="r1-par"
    )
    assert reply.status == 200
    home = home_of(ws, "abc-usd-supt")
    body = texts(home)
    assert "You chose *Focusing on Teacher Quality Through Peer Assistance and Review*." in body
    me = ws.driver.command(user, "/agenda me", channel="#lmi-plenary").json["text"]
    assert "*Focusing on Teacher Quality Through Peer Assistance and Review*" in me
    assert "11:15 AM breakouts: _not chosen yet_" in me
    ws.run_until(datetime(2015, 5, 9, 16, 51, tzinfo=UTC))
    dm = ws.sandbox.messages(ws.sandbox.dms[user])
    assert any("Focusing on Teacher Quality" in m.text and "in 10 minutes" in m.text for m in dm)


def test_a_breakout_that_started_cannot_be_chosen(ws: Workspace, clock: ManualClock) -> None:
    clock.set(datetime(2015, 5, 9, 17, 5, tzinfo=UTC))  # 10:05 AM: round one is under way
    user = ws.user("abc-usd-board")
    ws.driver.event({"type": "app_home_opened", "user": user, "tab": "home"})
    home = home_of(ws, "abc-usd-board")
    assert "breakout_choose_20150509T1700Z" not in texts(home)
    ws.driver.select(user, view_id=home.id, action_id="breakout_choose_20150509T1700Z", value="r1-par")
    assert "has already started; choices for that round are closed" in texts(home_of(ws, "abc-usd-board"))
    ws.driver.select(user, view_id=home.id, action_id="breakout_choose_20150509T1815Z", value="closing")
    assert "That is not one of the breakouts." in texts(home_of(ws, "abc-usd-board"))


def test_a_redelivered_event_is_harmless(ws: Workspace) -> None:
    user = ws.user("abc-usd-supt")
    first = ws.driver.event({"type": "app_home_opened", "user": user, "tab": "home"}, event_id="Ev1")
    again = ws.driver.event(
        {"type": "app_home_opened", "user": user, "tab": "home"}, event_id="Ev1", retry_num=1
    )
    assert (first.status, again.status) == (200, 200)
    assert len([v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user]) == 1


def test_a_session_across_noon_names_both_halves_of_the_day(ws: Workspace, clock: ManualClock) -> None:
    clock.set(datetime(2015, 5, 9, 18, 30, tzinfo=UTC))  # 11:30 AM Saturday: round two is on
    text = ws.driver.command(ws.user("abc-usd-supt"), "/agenda", channel="#lmi-plenary").json["text"]
    assert "• 11:15 AM–12:15 PM · *" in text and "11:15–12:15 PM" not in text
