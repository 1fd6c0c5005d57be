"""`convene shell`: the bot in a terminal, against the local sandbox.

Like Hubot's shell adapter: the same bot, no chat service. You act as any
roster person, type slash commands, press buttons by number and fill in forms.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape as _rich_escape

from bot.core import TravelClock, formatting
from bot.devkit.sandbox import Call
from bot.devkit.shell_clock import clock_example, parse_clock, shell_start
from bot.devkit.simulate import Reply
from bot.devkit.simulate import buttons as buttons_in
from bot.devkit.workspace import Workspace
from bot.event import Event
from bot.slack import COMMANDS, plain

BOT_COMMANDS = {spec["command"]: spec for spec in COMMANDS}


def rich_escape(text: str) -> str:
    """Text from Slack for the terminal: no control codes, no Rich markup."""
    return _rich_escape(plain(text))


def _usage(usage: str, meaning: str) -> str:
    """A help line: the usage, then its meaning in the second column (on a line of its own when
    the usage is too long to leave room)."""
    if len(usage) <= 32:
        return f"  {usage.ljust(33)}{meaning}"
    return f"  {usage}\n  {'':33}{meaning}"


# Escaped: square brackets in the usage would otherwise be read as Rich markup and vanish.
SHELL_HELP = "\n".join(
    [
        "[bold]Shell commands[/bold]",
        *(
            rich_escape(_usage(usage, meaning))
            for usage, meaning in [
                ("/as <name, roster id or email>", "act as someone else (e.g. /as Priya)"),
                ("/in <#channel>", "go to a channel (e.g. /in #lmi-plenary)"),
                ("/channels", "list the workspace's channels"),
                ("/people [text]", "find roster people"),
                ("/show", "show the current channel again"),
                ("/dms", "your direct messages from Convene (the latest five)"),
                ("/home", "your Home tab: today's sessions, your breakouts, polls open now"),
                ("/whoami", "who and where you are"),
                (
                    "/clock [+15m | 16:30 | next]",
                    "see or move the event's clock; scheduled sends run as it passes",
                ),
                ("/quit", "leave (Ctrl-D works too)"),
            ]
        ),
        "[bold]Talking to the bot[/bold] (the slash commands it has in Slack)",
        *(
            rich_escape(_usage(f"{name} {spec['usage_hint']}", spec["description"]))
            for name, spec in BOT_COMMANDS.items()
        ),
        rich_escape(
            _usage("<number>", "press the button with that number on the latest message with buttons")
        ),
        rich_escape(
            "In a form: answer each field; Enter keeps the default shown in [brackets]; "
            "/cancel closes the form."
        ),
    ]
)


@dataclass
class Button:
    """A control that a number presses: a message's button, or a select on the Home tab."""

    channel: str
    ts: str
    action_id: str
    label: str
    view_id: str = ""
    options: tuple[tuple[str, str], ...] = ()  # a select's (value, text)


class Shell:
    """One interactive session; `handle(line)` runs a line, output goes to `out`."""

    def __init__(
        self, workspace: Workspace, *, out: Console, ask: Callable[[str], str], start_as: str | None = None
    ) -> None:
        self.ws = workspace
        self.event = workspace.event
        self.out = out
        self.ask = ask
        self.buttons: list[Button] = []
        self.seen = 0
        self.others_dms = 0
        self.on_home = False  # the Home tab is showing: each new publish of it is shown too
        # Direct messages that came to others while you acted as someone else (a moderator's
        # cards, a note that a question was dismissed): pointed out when you act as them.
        self.unseen: dict[str, int] = {}
        organizer = self.event.organizers[0] if self.event.organizers else next(iter(self.event.people))
        self.user = workspace.user(start_as or organizer) if start_as is None else self._find_user(start_as)
        channels = list(self.event.channels.values())
        self.channel = workspace.sandbox.channel_id(channels[0] if channels else "general")

    # ------------------------------------------------------------ loop

    def intro(self) -> None:
        e = self.event
        self.out.print(
            f"[bold]Convene shell[/bold]: {rich_escape(e.info.name)} "
            f"({len(e.people)} people, {len(e.sessions)} sessions, {len(e.polls)} polls)"
        )
        self.out.print("A local stand-in for Slack; nothing leaves this machine. Type [bold]/help[/bold].")
        self._whoami()
        self._clock("")

    def handle(self, line: str) -> bool:
        """Run one input line; False means quit."""
        line = line.strip()
        if not line:
            return True
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if not line.isdigit():
            self.on_home = False
        if line.isdigit():
            self._press(int(line))
        elif word in ("/quit", "/exit"):
            return False
        elif word == "/help":
            self.out.print(SHELL_HELP)
        elif word == "/as":
            self._as(rest)
        elif word == "/in":
            self._in(rest)
        elif word == "/channels":
            names = sorted(c["name"] for c in self.ws.sandbox.channels.values() if not c.get("is_im"))
            self.out.print("  " + "  ".join(f"#{n}" for n in names))
        elif word == "/people":
            self._people(rest)
        elif word == "/show":
            self._show_channel()
        elif word == "/dms":
            self._dms()
        elif word == "/home":
            self._home()
        elif word == "/whoami":
            self._whoami()
        elif word == "/clock":
            self._clock(rest)
        elif word in BOT_COMMANDS:
            reply = self.ws.driver.command(self.user, line, channel=self.channel)
            self._show_reply(reply)
        elif word.startswith("/"):
            # Slack itself answers a command no app has, and never passes it on.
            self.out.print(
                f"{rich_escape(word)} is not a command here. The bot's: {', '.join(BOT_COMMANDS)}; "
                "the shell's: /help lists them. A button is pressed by its number alone, e.g. 3."
            )
        else:
            self.out.print("[dim]Only commands here: a slash command, a button number, or /help.[/dim]")
        self.flush()
        return True

    def flush(self, wait: float | None = None) -> None:
        """Deliver what the bot queued (waiting briefly for a due poll refresh) and show it."""
        dispatcher = self.ws.services.dispatcher
        wait = self.ws.settings.refresh_interval + 0.5 if wait is None else wait
        deadline = time.monotonic() + wait
        while True:
            dispatcher.drain()
            self._render_new_calls()
            due = dispatcher.next_due()
            delay = (due - self.ws.clock.now()).total_seconds() if due else 0.0
            if due is None or time.monotonic() + delay > deadline:
                break
            time.sleep(max(0.05, delay))
        if self.others_dms:
            dms = formatting.count(self.others_dms, "direct message", "direct messages")
            self.out.print(f"[dim]({dms} to other people; /as someone, then /dms, to see theirs)[/dim]")
            self.others_dms = 0

    # ------------------------------------------------------------ shell commands

    def _find_user(self, ref: str) -> str:
        person = self.event.person(ref)
        if person is None:
            wanted = ref.lower().split()
            people = list(self.event.people.values())
            # Whole name first, then names whose words start with what was typed.
            matches = [p for p in people if p.name.lower() == ref.lower()] or [
                p
                for p in people
                if all(any(word.startswith(w) for word in p.name.lower().split()) for w in wanted)
            ]
            if not matches:
                raise LookupError(f"Nobody on the roster matches {ref!r}")
            if len(matches) > 1:
                names = ", ".join(f"{p.name} ({p.id})" for p in matches[:6])
                raise LookupError(f"{len(matches)} people match {ref!r}: {names}. Use the roster id")
            person = matches[0]
        return self.ws.user(person.id)

    def _as(self, ref: str) -> None:
        if not ref:
            self.out.print("Who? [bold]/as <name, roster id or email>[/bold]; /people lists them.")
            return
        try:
            self.user = self._find_user(ref)
        except LookupError as exc:
            self.out.print(f"[yellow]{rich_escape(str(exc))}.[/yellow]")
            return
        self._whoami()
        waiting = self.unseen.pop(self.user, 0)
        if waiting:
            dms = formatting.count(waiting, "direct message", "direct messages")
            self.out.print(f"[dim]({dms} came for you while you were someone else: /dms shows them)[/dim]")

    def _in(self, name: str) -> None:
        try:
            self.channel = self.ws.sandbox.channel_id(name or "")
        except KeyError:
            self.out.print(f"[yellow]No channel {rich_escape(name)}[/yellow]; /channels lists them.")
            return
        self._whoami()

    def _people(self, text: str) -> None:
        found = [
            p
            for p in self.event.people.values()
            if not text or text.lower() in f"{p.name} {p.id} {p.email} {p.team} {p.role}".lower()
        ]
        staff = self.event.staff_ids()
        for p in found[:25]:
            tag = " [green](staff)[/green]" if p.id in staff else ""
            team = self.event.teams[p.team].name if p.team else ""
            self.out.print(f"  {rich_escape(p.name)} [dim]{p.id} · {p.role} · {rich_escape(team)}[/dim]{tag}")
        if len(found) > 25:
            self.out.print(f"  [dim]…and {len(found) - 25} more; narrow it: /people <text>[/dim]")

    def _clock(self, arg: str) -> None:
        scheduler = self.ws.services.scheduler
        assert scheduler is not None
        now = self.ws.clock.now()
        if not arg:
            upcoming = scheduler.pending()
            nxt = ""
            if upcoming:
                at, job_id = upcoming[0]
                nxt = f" Next: {self._local(at)} {self._job_what(job_id)}."
            self.out.print(f"It is {self._local(now, day=True)} ({self.event.info.timezone}).{nxt}")
            self.out.print(
                f"[dim]Move it: /clock +15m, /clock +2h, /clock 16:30, /clock {clock_example(self.event)}, "
                "/clock next[/dim]"
            )
            return
        try:
            target = parse_clock(
                arg, now=now, tz=self.event.tz, pending=scheduler.pending(), example=clock_example(self.event)
            )
        except ValueError as exc:
            self.out.print(f"[yellow]{rich_escape(str(exc))}[/yellow]")
            return
        if target <= now:
            self.out.print("[yellow]The clock only moves forward.[/yellow]")
            return
        self.flush(wait=0)
        ran = self.ws.run_until(target)
        self._render_new_calls()
        self.out.print(
            f"[dim]Clock: {self._local(target, day=True)}; {len(ran)} scheduled "
            f"send{'s' if len(ran) != 1 else ''} ran.[/dim]"
        )

    def _local(self, at: datetime, *, day: bool = False) -> str:
        local = at.astimezone(self.event.tz)
        return f"{local:%A, %B} {local.day}, {local.year}, {local:%-I:%M %p}" if day else f"{local:%-I:%M %p}"

    def _job_what(self, job_id: str) -> str:
        scheduler = self.ws.services.scheduler
        return scheduler.describe(job_id) if scheduler else job_id

    def _whoami(self) -> None:
        person = self.ws.services.directory.person(self.user)
        role = "organizer or facilitator" if self.ws.services.directory.is_staff(self.user) else "participant"
        name = person.name if person else self.user
        self.out.print(
            f"You are [bold]{rich_escape(name)}[/bold] ({role}) in "
            f"[bold]#{self._channel_name(self.channel)}[/bold]."
        )

    def _show_channel(self, channel: str | None = None) -> None:
        """The latest five messages of the current channel (or of `channel`), as they are now."""
        channel = channel or self.channel
        messages = [m for m in self.ws.sandbox.messages(channel) if not m.deleted]
        if not messages:
            self.out.print(f"[dim]#{self._channel_name(channel)} is empty.[/dim]")
        for message in messages[-5:]:
            self._print_message(channel, message.ts, message.blocks or [], message.text, "")

    def _dms(self) -> None:
        self.unseen.pop(self.user, None)
        channel = self.ws.sandbox.dms.get(self.user)
        if channel is None:
            self.out.print(
                f"[dim]Convene has sent {rich_escape(self._name(self.user))} no direct message.[/dim]"
            )
            return
        self._show_channel(channel)

    def _home(self) -> None:
        """Open the Home tab, as clicking the app in Slack does: the bot publishes it and the
        publish is shown, and shown again each time the bot updates it while you stay there."""
        self.on_home = True
        since = len(self.ws.sandbox.calls)
        self.ws.driver.event({"type": "app_home_opened", "user": self.user, "tab": "home"})
        self.flush(wait=0)
        if not any(c.method == "views.publish" for c in self.ws.sandbox.calls[since:]):
            self.out.print("[dim]Convene published no Home tab for you.[/dim]")

    def _print_home(self, view_id: str, blocks: list[dict[str, Any]]) -> None:
        who = rich_escape(self._name(self.user))
        self.out.print(f"\n[bold blue]┌ Home tab[/bold blue] [dim]Convene · {who}[/dim]")
        for line in self._blocks(blocks, "", None, None, view_id=view_id):
            self.out.print(f"[blue]│[/blue] {line}")
        self.out.print("[blue]└[/blue]")

    # ------------------------------------------------------------ buttons and forms

    def _press(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            where = (
                f"the last message with buttons has 1 to {len(self.buttons)}"
                if self.buttons
                else "no message above has buttons"
            )
            self.out.print(f"[yellow]No button {number}[/yellow]; {where}.")
            return
        button = self.buttons[number - 1]
        if button.options:
            self._pick(button)
            return
        self.out.print(
            f"[dim]{rich_escape(self._name(self.user))} pressed “{rich_escape(button.label)}”[/dim]"
        )
        if button.view_id:
            reply = self.ws.driver.press(self.user, view_id=button.view_id, action_id=button.action_id)
        else:
            reply = self.ws.driver.click(
                self.user, channel=button.channel, message_ts=button.ts, action_id=button.action_id
            )
        self._show_reply(reply)

    def _pick(self, button: Button) -> None:
        """A select on the Home tab: list its options, take one by number."""
        self.out.print(f"[bold]{rich_escape(button.label)}[/bold]")
        for i, (_value, text) in enumerate(button.options, 1):
            self.out.print(f"  {i}. {rich_escape(text)}")
        while True:
            raw = self.ask("choice: ").strip()
            if raw in ("", "/cancel"):
                self.out.print("[dim]Nothing chosen.[/dim]")
                return
            if raw.isdigit() and 1 <= int(raw) <= len(button.options):
                break
            self.out.print(f"[yellow]Give a number from 1 to {len(button.options)}.[/yellow]")
        value, text = button.options[int(raw) - 1]
        self.on_home = True  # the bot answers a choice by publishing the Home tab again
        self.out.print(f"[dim]{rich_escape(self._name(self.user))} chose “{rich_escape(text)}”[/dim]")
        reply = self.ws.driver.select(
            self.user, view_id=button.view_id, action_id=button.action_id, value=value
        )
        self._show_reply(reply)

    def _fill(self, view_id: str) -> None:
        view = self.ws.sandbox.views[view_id].view
        self.out.print(f"\n[bold reverse] {rich_escape(view['title']['text'])} [/bold reverse]")
        for block in view.get("blocks", []):
            if block.get("type") in ("section", "context"):
                self.out.print(_mrkdwn(_block_text(block), self._lookup))
        while True:
            values: dict[str, Any] = {}
            for block in view.get("blocks", []):
                if block.get("type") != "input":
                    continue
                answer = self._ask_field(block)
                if answer is None:
                    self.ws.sandbox.close_view(view_id)
                    self.out.print("[dim]Form closed; nothing was sent.[/dim]")
                    return
                values[block["block_id"]] = {block["element"]["action_id"]: answer}
            reply = self.ws.driver.submit(self.user, view_id, values)
            errors = reply.json.get("errors") if reply.json.get("response_action") == "errors" else None
            if not errors:
                if reply.status != 200:
                    self.out.print(f"[red]The bot answered HTTP {reply.status}[/red]")
                return
            for field, message in errors.items():
                self.out.print(f"[red]{rich_escape(field)}: {rich_escape(message)}[/red]")
            self.out.print("[dim]Fix the form (or /cancel):[/dim]")

    def _ask_field(self, block: dict[str, Any]) -> dict[str, Any] | None:
        element = block["element"]
        label = block["label"]["text"] + (" (optional)" if block.get("optional") else "")
        kind = element["type"]
        if kind == "plain_text_input":
            initial = element.get("initial_value", "")
            while True:
                if element.get("multiline"):
                    self.out.print(
                        f"[bold]{rich_escape(label)}[/bold] [dim](several lines; an empty line ends)[/dim]"
                    )
                    lines = []
                    while True:
                        line = self.ask("  … ")
                        if line.strip() == "/cancel":
                            return None
                        if not line.strip():
                            break
                        lines.append(line)
                    text = "\n".join(lines) or initial
                else:
                    text = self.ask(f"{label}{f' [{initial}]' if initial else ''}: ")
                    if text.strip() == "/cancel":
                        return None
                    text = text or initial
                if text.strip() or block.get("optional"):
                    return {"type": kind, "value": text or None}
                self.out.print("[yellow]This field is required.[/yellow]")
        options = element.get("options", [])
        multi = kind in ("checkboxes", "multi_static_select")
        initial = (
            element.get("initial_options")
            if multi
            else ([element["initial_option"]] if element.get("initial_option") else [])
        )
        self.out.print(
            f"[bold]{rich_escape(label)}[/bold]" + (" [dim](numbers, comma-separated)[/dim]" if multi else "")
        )
        for i, option in enumerate(options, 1):
            self.out.print(f"  {i}. {rich_escape(option['text']['text'])}")
        default = ",".join(str(options.index(o) + 1) for o in initial or [] if o in options)
        while True:
            raw = self.ask(f"choice{f' [{default}]' if default else ''}: ").strip()
            if raw == "/cancel":
                return None
            raw = raw or default
            try:
                picked = [options[int(x) - 1] for x in re.split(r"[,\s]+", raw) if x]
            except (ValueError, IndexError):
                self.out.print(f"[yellow]Give numbers from 1 to {len(options)}.[/yellow]")
                continue
            if multi:
                if picked or block.get("optional"):
                    return {"type": kind, "selected_options": picked}
            elif len(picked) == 1:
                return {"type": kind, "selected_option": picked[0]}
            elif not picked and block.get("optional"):
                return {"type": kind, "selected_option": None}
            self.out.print(
                "[yellow]Pick one.[/yellow]" if not multi else "[yellow]Pick at least one.[/yellow]"
            )

    # ------------------------------------------------------------ showing traffic

    def _show_reply(self, reply: Reply) -> None:
        if reply.status != 200:
            self.out.print(
                f"[red]The bot answered HTTP {reply.status}: {rich_escape(reply.body[:200])}[/red]"
            )
            return
        # Bolt answers a plain-text ack as text/plain and anything richer as JSON.
        data = reply.json or ({"text": reply.body} if reply.body else {})
        if data.get("text") or data.get("blocks"):
            self._print_ephemeral(data.get("blocks") or [], data.get("text", ""))
        self.flush()

    def _render_new_calls(self) -> None:
        calls = self.ws.sandbox.calls
        new, self.seen = calls[self.seen :], len(calls)
        for call in new:
            self._render_call(call)

    def _render_call(self, call: Call) -> None:
        ok = call.status == 200 and (call.response or {}).get("ok", True)
        p = call.params
        if call.method in ("chat.postMessage", "chat.update") and ok:
            channel, ts = call.response["channel"], call.response["ts"]
            dm_with = self._dm_user(channel)
            if dm_with is not None and dm_with != self.user:
                # Other people's DMs are theirs: counted only, for /as them and /dms.
                if call.method == "chat.postMessage":
                    self.others_dms += 1
                    self.unseen[dm_with] = self.unseen.get(dm_with, 0) + 1
                return
            # The message as this call sent it: after a jump of the clock, later updates have
            # already changed the stored one.
            message = self.ws.sandbox.message(channel, ts)
            blocks = p["blocks"] if isinstance(p.get("blocks"), list) else message.blocks
            text = p["text"] if isinstance(p.get("text"), str) else message.text
            verb = "updated" if call.method == "chat.update" else ""
            self._print_message(channel, ts, blocks or [], text, verb)
        elif call.method in ("chat.postEphemeral", "response_url") and ok:
            user = p.get("user") or (call.response or {}).get("user")
            target = self.ws.sandbox.ephemerals[-1] if call.method == "response_url" else None
            user = user or (target.user if target else None)
            if user == self.user and p.get("response_type", "ephemeral") == "ephemeral":
                self._print_ephemeral(p.get("blocks") or [], p.get("text", ""))
        elif call.method == "files.completeUploadExternal" and ok:
            for shared in (call.response or {}).get("files", []):
                record = self.ws.sandbox.files.get(shared.get("id"), {})
                for channel in record.get("channels", []):
                    dm_with = self._dm_user(channel)
                    if dm_with is not None and dm_with != self.user:
                        self.others_dms += 1
                        continue
                    where = "direct message" if dm_with else f"#{self._channel_name(channel)}"
                    self.out.print(f"\n[bold blue]┌ {where}[/bold blue] [dim]Convene[/dim]")
                    if record.get("initial_comment"):
                        self.out.print(f"[blue]│[/blue] {rich_escape(record['initial_comment'])}")
                    self.out.print(
                        f"[blue]│[/blue] 📎 {rich_escape(record.get('title') or record.get('name', ''))} "
                        f"[dim]({record.get('length', 0) // 1024} KB)[/dim]"
                    )
                    if record.get("alt_txt"):
                        self.out.print(f"[blue]│[/blue] [dim]{rich_escape(record['alt_txt'][:300])}[/dim]")
                    # Slack shows the picture; here it is a file to open.
                    saved = self.ws.services.files_dir / str(record.get("name", ""))
                    if record.get("name") and saved.is_file():
                        self.out.print(f"[blue]│[/blue] [dim]open it: {rich_escape(str(saved))}[/dim]")
                    self.out.print("[blue]└[/blue]")
        elif call.method == "views.publish" and ok:
            if self.on_home and p.get("user_id") == self.user and isinstance(p.get("view"), dict):
                self._print_home(call.response["view"]["id"], p["view"].get("blocks", []))
        elif call.method in ("views.open", "views.push") and ok:
            view = call.response["view"]
            if self.ws.sandbox.views[view["id"]].user == self.user:
                self._fill(view["id"])
        elif not ok:
            error = (call.response or {}).get("error", call.status)
            self.out.print(f"[red]Slack refused {call.method}: {error}[/red]")

    def _print_message(
        self, channel: str, ts: str, blocks: list[dict[str, Any]], text: str, verb: str
    ) -> None:
        at = datetime.fromtimestamp(float(ts), tz=UTC).astimezone(self.event.tz)
        where = "direct message" if self._dm_user(channel) else f"#{self._channel_name(channel)}"
        head = where + (f" · {verb}" if verb else "")
        self.out.print(f"\n[bold blue]┌ {head}[/bold blue] [dim]Convene · {at:%a %-I:%M %p}[/dim]")
        for line in self._blocks(blocks, text, channel, ts):
            self.out.print(f"[blue]│[/blue] {line}")
        self.out.print("[blue]└[/blue]")

    def _print_ephemeral(self, blocks: list[dict[str, Any]], text: str) -> None:
        self.out.print("[dim]┌ only visible to you[/dim]")
        for line in self._blocks(blocks, text, None, None):
            self.out.print(f"[dim]│[/dim] {line}")
        if buttons_in(blocks):
            # Slack sends a click on these with the note's own address, which the shell lacks.
            self.out.print(
                "[dim]│ (buttons in a note only you see cannot be pressed here: use the command it "
                "names; a number presses a button of the last message above)[/dim]"
            )
        self.out.print("[dim]└[/dim]")

    def _blocks(
        self,
        blocks: list[dict[str, Any]],
        text: str,
        channel: str | None,
        ts: str | None,
        *,
        view_id: str = "",
    ) -> list[str]:
        if not blocks:
            return [_mrkdwn(line, self._lookup) for line in (text or "").splitlines()]
        # Buttons are numbered within their message, and a number presses one of the latest
        # message shown with buttons: the one being answered.
        buttons: list[Button] = []
        lines: list[str] = []
        for block in blocks:
            kind = block.get("type")
            if kind == "header":
                lines.append(f"[bold]{rich_escape(block['text']['text'])}[/bold]")
            elif kind in ("section", "context"):
                body = _mrkdwn(_block_text(block), self._lookup)
                if block.get("accessory"):
                    first, sep, rest = body.partition("\n")
                    control = self._button(block["accessory"], channel, ts, buttons, view_id=view_id)
                    body = f"{first}  {control}{sep}{rest}"
                lines.append(f"[dim]{body}[/dim]" if kind == "context" else body)
            elif kind == "actions":
                lines.append(
                    "  ".join(
                        self._button(e, channel, ts, buttons, view_id=view_id)
                        for e in block.get("elements", [])
                    )
                )
            elif kind == "divider":
                lines.append("[dim]" + "─" * 40 + "[/dim]")
        if buttons:
            self.buttons = buttons
        elif self.buttons and (self.buttons[0].channel, self.buttons[0].ts) == (channel, ts) and not view_id:
            self.buttons = []  # re-rendered without them (a closed poll): nothing to press
        return [line for chunk in lines for line in chunk.split("\n")]

    def _button(
        self,
        element: dict[str, Any],
        channel: str | None,
        ts: str | None,
        buttons: list[Button],
        *,
        view_id: str = "",
    ) -> str:
        if element.get("type") == "static_select" and view_id:
            chosen = (element.get("initial_option") or {}).get("text", {}).get("text")
            label = chosen or element.get("placeholder", {}).get("text", "Choose")
            options = tuple((o["value"], o["text"]["text"]) for o in element.get("options", []))
            buttons.append(Button("", "", element["action_id"], label, view_id=view_id, options=options))
            return f"[bold magenta]\\[{len(buttons)}] {rich_escape(label)} ▾[/bold magenta]"
        label = element.get("text", {}).get("text", "?")
        if element.get("type") != "button" or not view_id and (channel is None or ts is None):
            return f"[{rich_escape(label)}]"
        buttons.append(Button(channel or "", ts or "", element["action_id"], label, view_id=view_id))
        return f"[bold magenta]\\[{len(buttons)}] {rich_escape(label)}[/bold magenta]"

    def _dm_user(self, channel_id: str) -> str | None:
        """The user a DM channel is with, or None for a channel."""
        for user, dm in self.ws.sandbox.dms.items():
            if dm == channel_id:
                return user
        return None

    def _channel_name(self, channel_id: str) -> str:
        channel = self.ws.sandbox.channels.get(channel_id)
        return channel["name"] if channel else channel_id

    def _name(self, user_id: str) -> str:
        return self.ws.services.directory.display(user_id)

    def _lookup(self, kind: str, ident: str) -> str:
        return "#" + self._channel_name(ident) if kind == "#" else "@" + self._name(ident)


def _block_text(block: dict[str, Any]) -> str:
    if block.get("type") == "context":
        return " ".join(e.get("text", "") for e in block.get("elements", []))
    return (block.get("text") or {}).get("text", "")


def _mrkdwn(text: str, lookup: Callable[[str, str], str]) -> str:
    """Slack mrkdwn to Rich markup, for reading in a terminal."""
    text = re.sub(r"<([#@])([A-Z0-9]+)(?:\|[^>]*)?>", lambda m: lookup(m.group(1), m.group(2)), text)
    # Links: Slack shows the title; a terminal needs the address too.
    text = re.sub(r"<((?:https?|mailto):[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<((?:https?|mailto):[^|>]+)>", r"\1", text)
    text = rich_escape(html.unescape(text))
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"[bold]\1[/bold]", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"[italic]\1[/italic]", text)
    text = re.sub(r"`([^`\n]+)`", r"[cyan]\1[/cyan]", text)
    return text


def run_shell(event: Event, *, database: str | None = None, start_as: str | None = None) -> None:
    """The interactive loop behind `convene shell`."""
    console = Console(highlight=False)
    with console.status("Starting a local Slack stand-in…"):
        # Word clouds land in ./convene-files, so their paths still open after the shell exits.
        workspace = Workspace(
            event,
            database=database,
            clock=TravelClock(shell_start(event)),
            files_dir=Path("convene-files").resolve(),
            in_process=True,  # the bot reaches the stand-in without sockets (bot.devkit.inprocess)
        )
    try:
        try:
            shell = Shell(workspace, out=console, ask=console.input, start_as=start_as)
        except LookupError as exc:
            console.print(f"[red]--as: {rich_escape(str(exc))}[/red]")
            return
        shell.intro()
        while True:
            try:
                line = console.input("[bold green]> [/bold green]")
            except (EOFError, KeyboardInterrupt):
                console.print()
                break
            try:
                if not shell.handle(line):
                    break
            except KeyboardInterrupt:
                console.print("[dim]interrupted[/dim]")
    finally:
        workspace.close()
