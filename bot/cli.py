"""The `convene` command line."""

from __future__ import annotations

import json
import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape as esc
from rich.text import Text

from bot.core import configure_logging, formatting
from bot.event import Event, EventFileError, Problem, load_event
from bot.event.wall_clock import zone_on

if TYPE_CHECKING:
    from bot.core import Settings

app = typer.Typer(
    help="Convene: polls, headlines and reminders for a live event, in Slack.\n\n"
    "Start with `convene shell examples/symposium-2015/event.yaml` to try it with no Slack account.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    add_completion=False,
)
db_app = typer.Typer(help="Database schema: `convene db upgrade` brings it up to date.", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console()
errors = Console(stderr=True)

EventArg = Annotated[
    Path, typer.Argument(help="The event file (YAML); its roster CSV sits beside it.", metavar="EVENT.yaml")
]


def _load(path: Path) -> Event:
    """Load the event or print every problem and exit 1."""
    try:
        return load_event(path)
    except EventFileError as exc:
        print_problems(exc.problems, exc.warnings)
        problems = formatting.count(len(exc.problems), "problem", "problems")
        errors.print(f"\n{problems} found; nothing was changed.", style="bold red")
        raise typer.Exit(1) from None


MAX_PRINTED_PROBLEMS = 1000


def print_problems(problems: list[Problem], warnings: list[Problem]) -> None:
    """One `error file:line: field: message` line per problem, then the warnings, in one write.

    Past the first thousand lines (a file pasted into the wrong place, say) the rest are
    counted, not printed: nobody reads them, and they would take a terminal minutes.
    """
    text = Text()
    shown = 0
    for word, style, found in (("error", "red", problems), ("warning", "yellow", warnings)):
        for problem in found[: MAX_PRINTED_PROBLEMS - shown]:
            text.append(word, style=style)
            text.append(f" {problem}\n")
        shown += min(len(found), MAX_PRINTED_PROBLEMS - shown)
    if len(problems) + len(warnings) > shown:
        text.append(f"… and {len(problems) + len(warnings) - shown:,} more not shown; fix these first\n")
    if text:
        errors.print(text, highlight=False, soft_wrap=True, end="")


@app.command()
def check(event_file: EventArg) -> None:
    """Validate an event file and its roster; print every problem with file, line and field.

    On success, print the agenda in the event's time zone. Exits 1 if anything is wrong.
    """
    event = _load(event_file)
    print_problems([], event.warnings)
    print_agenda(event)
    print_schedule(event)
    staff = event.staff_ids()
    n = len(event.warnings)
    count = formatting.count
    console.print(
        f"\n[green]OK[/green] {esc(event.info.name)}: "
        f"{count(len(event.sessions), 'session', 'sessions')}, {count(len(event.polls), 'poll', 'polls')}, "
        f"{event.count_teams()}, {count(len(event.people), 'person', 'people')} "
        f"({formatting.number(len(staff))} organizers and facilitators)."
        + (f" [yellow]{count(n, 'warning', 'warnings')}[/yellow] (above)." if n else ""),
        highlight=False,
        soft_wrap=True,
    )


def print_agenda(event: Event) -> None:
    """The agenda, one line per session, in the event's time zone (readable when piped too)."""
    for day in event.info.days:
        zone = f"{event.info.timezone}, {zone_on(day, event.tz)}"
        console.print(f"\n[bold]{formatting.full_day(day)}[/bold] ({zone})", highlight=False)
        for session in [s for s in event.agenda() if s.day == day]:
            start = event.local(day, session.start)
            end = event.local(day, session.end)
            where = " · ".join(
                x for x in (session.room, f"#{session.channel.lstrip('#')}" if session.channel else None) if x
            )
            polls = [p.id for p in event.polls.values() if p.session == session.id]
            console.print(
                f"  {formatting.clock(start):>8}–{formatting.clock(end):>8}  "
                f"{session.kind.value.replace('_', ' '):<10} "
                f"{esc(session.title)}" + (f"  [dim]({esc(where)})[/dim]" if where else ""),
                highlight=False,
                soft_wrap=True,
            )
            if polls:
                console.print(
                    f"  {'':19}{'':11}[dim]polls: {', '.join(polls)}[/dim]", highlight=False, soft_wrap=True
                )
    unscheduled = [p.id for p in event.polls.values() if not p.session]
    if unscheduled:
        console.print(f"\nPolls with no session: {', '.join(unscheduled)}", highlight=False)


def print_schedule(event: Event) -> None:
    """Every planned send: what, to whom, when (event time)."""
    from bot.event import plan

    jobs = plan(event)
    console.print(f"\n[bold]Planned sends[/bold] ({len(jobs)}, {event.info.timezone})", highlight=False)
    day = None
    for job in jobs:
        local = job.at.astimezone(event.tz)
        if local.date() != day:
            day = local.date()
            console.print(
                f"  [bold]{formatting.short_day(day)}[/bold] ({zone_on(day, event.tz)})", highlight=False
            )
        console.print(
            f"  {formatting.clock(local):>8}  {esc(job.what)}  [dim]→ {esc(job.to)}[/dim]",
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def manifest(
    event_file: EventArg,
    request_url: Annotated[
        str | None,
        typer.Option(
            help="HTTP mode: the public URL of `convene serve`'s /slack/events. Omit for Socket Mode."
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="The app's name in Slack.")] = "Convene",
) -> None:
    """Print the Slack app manifest (paste it at api.slack.com/apps → Create New App → From a manifest)."""
    from bot.slack import build_manifest

    event = _load(event_file)
    print(json.dumps(build_manifest(event, request_url=request_url, name=name), indent=2))


@app.command()
def shell(
    event_file: EventArg,
    as_: Annotated[
        str | None, typer.Option("--as", help="Start as this roster person (name, id or email).")
    ] = None,
    database: Annotated[
        str | None, typer.Option(help="Database URL; by default a fresh SQLite file in a temporary folder.")
    ] = None,
) -> None:
    """Try the bot with no Slack account: a local Slack stand-in in your terminal.

    Act as anyone on the roster (`/as Maria`), type slash commands (`/poll launch warmup`),
    press buttons by number, fill in forms. Type `/help` inside for more.
    """
    from bot.devkit import run_shell

    event = _load(event_file)
    run_shell(event, database=database, start_as=as_)


def _services_for_slack(event_file: Path, need: tuple[str, ...]) -> tuple[Settings, Event]:
    from bot.core import Settings

    settings = Settings()
    missing = [name.upper() for name in need if not getattr(settings, name).get_secret_value()]
    if not (settings.anonymity_key.get_secret_value() or settings.slack_signing_secret.get_secret_value()):
        missing.append("CONVENE_ANONYMITY_KEY (or SLACK_SIGNING_SECRET)")
    if missing:
        errors.print(
            f"[red]error[/red] set {', '.join(missing)}; see the README, 'Run it for real'.", soft_wrap=True
        )
        raise typer.Exit(2)
    event = _load(event_file)
    return settings, event


def _check_token(settings: Settings, *, wait: bool) -> None:
    """Ask Slack whether it takes SLACK_BOT_TOKEN: one line and exit 2 if it refuses it.

    If Slack cannot be reached, `wait` asks again with backoff (a line per try) until it
    answers; else one line says so and the command goes on (the server keeps asking).
    """
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    from bot.app.reach import TokenRefused, check_token, wait_for_slack, why_unreachable
    from bot.app.services import SLACK_TIMEOUT

    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT,
        retry_handlers=[],
    )
    try:
        if wait:
            wait_for_slack(client)
        else:
            check_token(client)
    except TokenRefused as exc:
        errors.print(f"[red]error[/red] {esc(str(exc))}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
    except (OSError, SlackApiError) as exc:
        errors.print(
            f"Slack cannot be reached at {esc(settings.slack_api_url)} ({esc(why_unreachable(exc))}); "
            "serving anyway, and asking Slack again until it answers.",
            soft_wrap=True,
            highlight=False,
        )


@app.command()
def run(
    event_file: EventArg,
    port: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=65535,
            help="Port for the room's-screen pages (/poll display links). Default: CONVENE_DISPLAY_PORT, "
            "else 3000.",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address the room's-screen pages are served on.")] = "127.0.0.1",
) -> None:
    """Run the bot in Socket Mode (needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN; no public URL for Slack).

    Slack's requests come over Socket Mode's connection; the room's-screen pages that `/poll display`
    and `/closing display` link to are served on --host and --port. Their links use CONVENE_PUBLIC_URL
    if it is set, else that host and port.
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import DisplayServer, Services, create_app, display_url
    from bot.core import UserError

    settings, event = _services_for_slack(event_file, ("slack_bot_token", "slack_app_token"))
    configure_logging()
    # Socket Mode's connection comes from Slack: nothing to serve until it answers.
    _check_token(settings, wait=True)
    try:
        pages = DisplayServer(host=host, port=settings.display_port if port is None else port)
    except UserError as exc:
        errors.print(f"[red]error[/red] {esc(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    settings = display_url(settings, host, pages.port)
    services = Services.build(settings, event)
    bolt = create_app(settings, services)
    services.start()
    pages.start(services.displays)
    console.print(
        f"Convene is running for {services.event.title} (Socket Mode). Room's-screen pages: "
        f"{settings.public_url}/display/… Ctrl-C stops it.",
        highlight=False,
        soft_wrap=True,
    )
    try:
        SocketModeHandler(bolt, settings.slack_app_token.get_secret_value()).start()
    finally:
        pages.stop()
        services.stop()


@app.command()
def serve(
    event_file: EventArg,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes answering Slack. One of them leads (runs the schedule and sends); "
            "the others take over if it dies. One per core is right for a large event.",
        ),
    ] = 1,
) -> None:
    """Run the bot in HTTP mode on uvicorn: POST /slack/events (signature checked), GET /healthz
    (alive) and GET /readyz (database, Slack and the lead: 503 with what is missing).

    Needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET. Exits 2 at once if Slack refuses the token;
    if Slack cannot be reached it serves anyway and asks again with backoff.
    """
    from bot.app import EVENT_ENV

    settings, _event = _services_for_slack(event_file, ("slack_bot_token", "slack_signing_secret"))
    configure_logging()
    _check_token(settings, wait=False)
    os.environ[EVENT_ENV] = str(event_file.resolve())
    # The event file is checked; now become uvicorn itself. Its worker processes then
    # start from uvicorn, not from this command line and all it imported, and a signal
    # sent to this process (Ctrl-C, a service manager's stop) reaches uvicorn directly.
    argv = [sys.executable, "-m", "uvicorn", "bot.app.serve:asgi_from_env", "--factory"]
    argv += ["--host", host, "--port", str(port), "--workers", str(workers)]
    argv += ["--log-level", "info", "--no-access-log"]
    # uvicorn's protocol with a read deadline and a connection cap (bot.app.edge says why).
    argv += ["--http", "bot.app.edge:HTTP"]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


def _offline_services(event_file: Path) -> Any:
    """The core over DATABASE_URL, for commands that read what was recorded and send nothing."""
    from bot.app import Services
    from bot.core import Settings

    event = _load(event_file)
    settings = Settings()
    if settings.anonymity_secret() is None and any(p.anonymous for p in event.polls.values()):
        errors.print(
            "CONVENE_ANONYMITY_KEY (or SLACK_SIGNING_SECRET) is not set, so anonymous polls are "
            "shown without their breakdowns by side and role.",
            highlight=False,
        )
    return Services.build(settings, event)


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


@app.command()
def report(
    event_file: EventArg,
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write report.md, report.html and images/ in.")
    ],
) -> None:
    """Write the post-event report: report.md (images beside it) and a self-contained report.html.

    Reads DATABASE_URL: sessions, participation, every poll with charts and breakdowns by role and side,
    word clouds, headlines and the evaluation. Anonymous results appear only in groups of five or more.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    services = _offline_services(event_file)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=errors, transient=True
    ) as progress:
        task = progress.add_task("Building the report", total=None)
        md, page = services.report.write(
            out, lambda step: progress.update(task, description=f"Report: {step}")
        )
    console.print(f"Wrote {md} and {page}", highlight=False, soft_wrap=True)


@app.command()
def export(
    event_file: EventArg,
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    format: Annotated[ExportFormat, typer.Option("--format", help="csv or json.")] = ExportFormat.csv,
) -> None:
    """Export every response, one row each. People are named only for polls that are not anonymous."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from bot.insights import write_export

    services = _offline_services(event_file)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=errors, transient=True
    ) as progress:
        task = progress.add_task("Exporting responses", total=None)
        rows = services.report.export_rows(
            lambda step: progress.update(task, description=f"Exporting: {step}")
        )
        write_export(rows, out, format.value)
    responses = formatting.count(len(rows), "response", "responses")
    console.print(f"Wrote {responses} to {out}", highlight=False, soft_wrap=True)


@app.command()
def rehearse(
    event_file: EventArg,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the timeline, summaries, report and findings.")
    ],
    participants: Annotated[
        int | None,
        typer.Option(help="Rehearse with this many generated participants instead of the roster's."),
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(help="Event seconds per real second (default: as fast as the machine goes)."),
    ] = None,
    database: Annotated[
        str | None, typer.Option(help="Database URL; by default a fresh SQLite file in the output folder.")
    ] = None,
    seed: Annotated[
        int, typer.Option(help="The same seed plays the same choices, answers and words.")
    ] = 2015,
) -> None:
    """Dress rehearsal: play the whole event against a local Slack stand-in, fast.

    Facilitators launch every session's polls, participants answer, teams send headlines, every
    scheduled send happens, the closing session runs, and summaries and the report are produced.
    OUT gets timeline.md, summaries.md, report/, word clouds and findings.md: what to fix before the day.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from bot.devkit import rehearse_event

    started = time.monotonic()  # the whole wait: checking the file, playing, writing what happened
    _load(event_file)  # problems in the file are reported the usual way
    out.mkdir(parents=True, exist_ok=True)
    database = database or f"sqlite:///{(out / 'rehearsal.db').resolve()}"
    if database.startswith("sqlite:///") and Path(database[len("sqlite:///") :]).exists():
        Path(database[len("sqlite:///") :]).unlink()  # each rehearsal starts from an empty database
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task("Rehearsing", total=1.0)
        result = rehearse_event(
            event_file,
            out,
            participants=participants,
            speed=speed,
            database=database,
            seed=seed,
            progress=lambda done, what: progress.update(
                task, completed=done, description=f"Rehearsing {what[:60]:<60}"
            ),
        )
    console.print("What the simulated participants did:", highlight=False)
    for line in result.activity:
        console.print(f"  • {esc(line)}", highlight=False, soft_wrap=True)
    console.print(f"Timeline, summaries, report and findings are in {out}/", highlight=False, soft_wrap=True)
    if result.findings:
        console.print(
            f"[yellow]{formatting.count(len(result.findings), 'finding', 'findings')}[/yellow] "
            f"(see {out / 'findings.md'}):",
            highlight=False,
            soft_wrap=True,
        )
        for finding in result.findings[:15]:
            console.print(f"  • {esc(finding.kind)}: {esc(finding.detail)}", highlight=False, soft_wrap=True)
        if len(result.findings) > 15:
            more = formatting.count(len(result.findings) - 15, "more finding", "more findings")
            console.print(f"  …and {more} in {out / 'findings.md'}", highlight=False, soft_wrap=True)
    else:
        console.print("[green]No findings: nothing to fix before the day.[/green]")
    seconds = time.monotonic() - started
    console.print(
        f"Rehearsed in {seconds:.1f} s: {result.messages:,} messages sent, "
        f"{result.requests:,} requests from simulated participants "
        f"({(result.messages + result.requests) / seconds:,.0f} a second).",
        highlight=False,
        soft_wrap=True,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema at DATABASE_URL (default sqlite:///convene.db)."""
    from bot.core import Settings
    from storage.db import make_engine
    from storage.migrate import current, upgrade

    settings = Settings()
    engine = make_engine(settings.database_url)
    before = current(engine)
    upgrade(engine)
    after = current(engine)
    console.print(
        f"Database at revision {after}" + ("" if before == after else f" (was {before or 'empty'})")
    )


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
