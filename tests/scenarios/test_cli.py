"""The command line as a newcomer meets it: help that teaches, clear refusals."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.kit import EXAMPLE

runner = CliRunner()
SLACK_ENV = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "CONVENE_ANONYMITY_KEY")


@pytest.fixture
def no_slack_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in SLACK_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_no_arguments_shows_the_commands_and_where_to_start() -> None:
    result = runner.invoke(app, [])
    for command in ("check", "shell", "manifest", "run", "serve", "db"):
        assert command in result.output
    assert "convene shell examples/symposium-2015/event.yaml" in result.output


@pytest.mark.parametrize("command", ["check", "shell", "manifest", "run", "serve"])
def test_every_command_explains_itself(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "EVENT.yaml" in result.output


def test_run_without_tokens_says_what_to_set(no_slack_env: None) -> None:
    result = runner.invoke(app, ["run", str(EXAMPLE)])
    assert result.exit_code == 2
    assert (
        "set SLACK_BOT_TOKEN, SLACK_APP_TOKEN, CONVENE_ANONYMITY_KEY (or SLACK_SIGNING_SECRET)"
        in result.output
    )


def test_serve_without_a_signing_secret_says_what_to_set(
    no_slack_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    result = runner.invoke(app, ["serve", str(EXAMPLE)])
    assert result.exit_code == 2
    assert "set SLACK_SIGNING_SECRET" in result.output


def test_a_missing_event_file_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.yaml'}: file not found" in result.output
