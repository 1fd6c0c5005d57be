"""Pages for the room's screen: a live poll, the headlines wall, a word cloud.

A facilitator gets an unguessable link (`/poll display <id>`, `/closing display`);
the page polls a small JSON document every second, so it follows new votes and
headlines within two seconds. The JSON holds only what the room may see: counts
for polls (nothing at all while results are hidden), never a name.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from bot.closing.service import Closing
from bot.core.clock import Clock
from bot.core.errors import UserError
from bot.event.spec import Event, PollKind
from bot.headlines.service import HeadlineService
from bot.people.directory import Directory
from bot.polls.service import PollService
from bot.polls.tally import choice_labels, tally, top_two
from storage.db import reading, transaction
from storage.models import DisplayLink, Headline, Poll, Response

MAX_TEXTS_SHOWN = 12


class Displays:
    """Display links and the data behind them."""

    def __init__(
        self,
        *,
        event: Event,
        engine: Engine,
        clock: Clock,
        directory: Directory,
        polls: PollService,
        headlines: HeadlineService,
        closing: Closing,
        public_url: str,
    ) -> None:
        self.event = event
        self.engine = engine
        self.clock = clock
        self.directory = directory
        self.polls = polls
        self.headlines = headlines
        self.closing = closing
        self.public_url = public_url
        self._cloud_cache: dict[str, tuple[str, bytes, str]] = {}
        self._lock = threading.Lock()

    def url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/display/{token}"

    def create(self, *, kind: str, subject: str | None, user_id: str) -> str:
        """A new link for staff; returns its URL."""
        self.directory.require_staff(user_id, "open display pages")
        if kind == "poll":
            self.polls.get(subject or "")  # raises a UserError naming the closest id
        elif kind == "cloud":
            self.closing.texts(subject or "")
        token = secrets.token_urlsafe(24)
        with transaction(self.engine) as session:
            session.add(
                DisplayLink(
                    token=token,
                    kind=kind,
                    subject=subject,
                    created_by=user_id,
                    created_at=self.clock.now(),
                )
            )
        return self.url(token)

    def link(self, token: str) -> DisplayLink | None:
        with reading(self.engine) as session:
            return session.get(DisplayLink, token)

    def data(self, link: DisplayLink) -> dict[str, Any]:
        """What the page shows now."""
        if link.kind == "poll":
            return self._poll(link.subject or "")
        if link.kind == "headlines":
            return self._headlines()
        if link.kind == "cloud":
            signature, _png, alt = self.cloud(link)
            return {
                "kind": "cloud",
                "title": self._cloud_title(link.subject or ""),
                "version": signature,
                "alt": alt,
            }
        raise UserError("unknown display")

    def _poll(self, poll_id: str) -> dict[str, Any]:
        with reading(self.engine) as session:
            poll = session.get(Poll, poll_id)
            if poll is None:
                raise UserError("This poll no longer exists.")
            result = tally(session, poll)
        show = poll.status == "closed" or poll.results == "live"
        data: dict[str, Any] = {
            "kind": "poll",
            "question": poll.question,
            "status": poll.status,
            "total": result.respondents,
            "show": show,
            "type": poll.kind,
        }
        if show and poll.kind == PollKind.OPEN_TEXT:
            data["texts"] = result.texts[-MAX_TEXTS_SHOWN:]
        elif show:
            data["options"] = [
                {"label": label, "count": result.counts[i], "percent": result.percent(i)}
                for i, label in enumerate(choice_labels(poll))
            ]
            if poll.kind == PollKind.RATING and result.respondents:
                data["average"] = round(result.average or 0, 1)
                data["agree"] = result.agree_share()
                data["agree_label"] = top_two(poll)
        return data

    def _headlines(self) -> dict[str, Any]:
        wall = self.headlines.wall()
        items = [
            {
                "team": self.event.teams[t].name if t in self.event.teams else t,
                "text": h.text,
                "explanation": h.explanation or "",
            }
            for t, headlines in wall.items()
            for h in headlines
        ]
        return {"kind": "headlines", "title": "Vision headlines", "items": items}

    def _cloud_title(self, name: str) -> str:
        return "Vision headlines" if name == "headlines" else self.polls.get(name).question

    def _signature(self, name: str) -> str:
        """Changes whenever the cloud's input changes (cheap: counts and latest ids, no text)."""
        row: tuple[Any, ...]
        with reading(self.engine) as session:
            if name == "headlines":
                row = session.exec(
                    select(func.count(), func.max(Headline.updated_at)).where(
                        Headline.status == "active", col(Headline.hidden).is_(False)
                    )
                ).one()
            else:
                row = session.exec(
                    select(func.count(), func.max(Response.id)).where(Response.poll_id == name)
                ).one()
        return hashlib.sha256(repr((name, *row)).encode()).hexdigest()[:16]

    def cloud(self, link: DisplayLink) -> tuple[str, bytes, str]:
        """(signature, PNG, alt text) for a cloud link; re-drawn only when its answers changed."""
        name = link.subject or ""
        signature = self._signature(name)
        with self._lock:
            cached = self._cloud_cache.get(name)
            if cached and cached[0] == signature:
                return cached
            try:
                rendered = self.closing.render(name)
                entry = (signature, rendered.path.read_bytes(), rendered.alt)
            except UserError as exc:
                entry = (signature, b"", str(exc))
            self._cloud_cache[name] = entry
            return entry


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Convene display</title>
<style>
  html, body { margin: 0; height: 100%; background: #10172a; color: #f8fafc;
               font-family: "DejaVu Sans", system-ui, sans-serif; }
  main { box-sizing: border-box; height: 100%; padding: 4vh 5vw; display: flex; flex-direction: column; }
  h1 { font-size: 5vh; line-height: 1.15; margin: 0 0 3vh; }
  .meta { font-size: 2.6vh; color: #94a3b8; margin-top: auto; }
  .row { display: grid; grid-template-columns: 30vw 1fr 12vw; align-items: center; gap: 2vw;
         font-size: 3.4vh; margin: 1.2vh 0; }
  .bar { height: 4.5vh; background: #1e293b; border-radius: 1vh; overflow: hidden; }
  .bar span { display: block; height: 100%; background: #38bdf8; transition: width .6s ease; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  .quote { font-size: 4.2vh; margin: 1.6vh 0; }
  .quote small { display: block; font-size: 2.6vh; color: #94a3b8; margin-top: .6vh; }
  .headline { font-size: 5.2vh; font-weight: bold; margin: 2.5vh 0 .5vh; }
  .team { font-size: 3vh; color: #38bdf8; }
  .why { font-size: 2.8vh; color: #cbd5e1; }
  .waiting { font-size: 4vh; color: #94a3b8; }
  img { max-width: 100%; max-height: 78vh; object-fit: contain; background: white; border-radius: 1vh; }
</style>
</head>
<body>
<main>
  <h1 id="title">Loading…</h1>
  <div id="body"></div>
  <div class="meta" id="meta"></div>
</main>
<script>
"use strict";
const base = window.location.pathname.replace(/\\/$/, "");
let rotation = 0, lastVersion = null;
function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;  // never innerHTML: text comes from people
  return node;
}
function renderPoll(d, body) {
  document.getElementById("title").textContent = d.question;
  if (!d.show) { body.appendChild(el("p", "waiting", "Results appear when the poll closes.")); }
  else if (d.texts) {
    d.texts.slice().reverse().forEach(t => body.appendChild(el("p", "quote", "“" + t + "”")));
  }
  else {
    d.options.forEach(o => {
      const row = el("div", "row"); row.appendChild(el("div", "", o.label));
      const bar = el("div", "bar"); const fill = el("span"); fill.style.width = o.percent + "%";
      bar.appendChild(fill); row.appendChild(bar);
      row.appendChild(el("div", "num", o.count + " · " + o.percent + "%")); body.appendChild(row);
    });
  }
  let meta = d.total + (d.total === 1 ? " response" : " responses");
  if (d.average !== undefined) {
    meta += " · average " + d.average + " · " + d.agree + "% " + d.agree_label;
  }
  if (d.status === "closed") meta += " · closed";
  document.getElementById("meta").textContent = meta;
}
function renderHeadlines(d, body) {
  document.getElementById("title").textContent = d.title;
  if (!d.items.length) { body.appendChild(el("p", "waiting", "Headlines will appear here.")); return; }
  const perPage = 3, pages = Math.ceil(d.items.length / perPage);
  const page = rotation % pages;
  d.items.slice(page * perPage, page * perPage + perPage).forEach(h => {
    body.appendChild(el("div", "headline", "“" + h.text + "”"));
    if (h.explanation) body.appendChild(el("div", "why", h.explanation));
    body.appendChild(el("div", "team", h.team));
  });
  document.getElementById("meta").textContent =
    d.items.length + " headlines" + (pages > 1 ? " · page " + (page + 1) + " of " + pages : "");
}
function renderCloud(d, body) {
  document.getElementById("title").textContent = d.title;
  const img = el("img"); img.alt = d.alt; img.src = base + "/cloud.png?v=" + d.version;
  body.appendChild(img);
  document.getElementById("meta").textContent = d.alt;
}
async function refresh() {
  try {
    const response = await fetch(base + "/data.json", {cache: "no-store"});
    if (!response.ok) throw new Error(response.status);
    const d = await response.json();
    if (d.kind === "cloud" && d.version === lastVersion) return;
    lastVersion = d.version || null;
    const body = document.getElementById("body"); body.replaceChildren();
    ({poll: renderPoll, headlines: renderHeadlines, cloud: renderCloud})[d.kind](d, body);
    document.body.dataset.updated = String(Date.now());
  } catch (e) {
    document.getElementById("meta").textContent = "Reconnecting…";
  }
}
refresh();
setInterval(refresh, 1000);
setInterval(() => { rotation += 1; }, 8000);
</script>
</body>
</html>
"""
