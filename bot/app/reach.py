"""Whether Slack takes this bot's token: asked at start, before anything is sent.

A token Slack refuses (auth.test answers invalid_auth, not_authed, account_inactive, ...)
will not start working by waiting: it is one clear line and the command stops. A Slack that
cannot be reached (refused, reset, timed out, a 5xx) may come back: it is asked again with
backoff, one line per try, while the process answers what it can.
"""

from __future__ import annotations

import logging
import threading
import urllib.error

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import PACED, UserError
from bot.delivery import plain_error

log = logging.getLogger("convene.start")
QUIET = logging.getLogger("convene.start.slack")
QUIET.setLevel(logging.CRITICAL)

# Slack's answers to auth.test that mean the token itself is wrong, and stays wrong.
TOKEN_REFUSED = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
    | {"not_allowed_token_type"}
)
# Seconds between tries while Slack cannot be reached: doubling from the first, up to the last.
FIRST_WAIT = 1.0
LONGEST_WAIT = 30.0


class TokenRefused(UserError):
    """Slack refuses SLACK_BOT_TOKEN: nothing will work until the setting is fixed."""


def check_token(client: WebClient) -> None:
    """Ask Slack's auth.test whether it takes the token.

    TokenRefused if Slack refuses it; OSError (unreachable) or SlackApiError (any other
    answer that is not ok, such as a 5xx) if it should be asked again later.
    """
    # Its own client, whose logger keeps quiet: the SDK would log every refused connection
    # again, with a traceback, beside the one line said here per try.
    asking = WebClient(
        token=client.token, base_url=client.base_url, timeout=client.timeout, logger=QUIET, retry_handlers=[]
    )
    try:
        asking.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if error in TOKEN_REFUSED:
            raise TokenRefused(
                f"Slack refuses SLACK_BOT_TOKEN ({error}: {plain_error(error)}); "
                "copy the Bot User OAuth Token from your app's OAuth & Permissions page"
            ) from None
        raise


def why_unreachable(exc: Exception) -> str:
    """A short reason, never a traceback: 'Connection refused', 'timed out', 'HTTP 503'."""
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        reason = exc.reason
        return getattr(reason, "strerror", None) or str(reason)
    if isinstance(exc, SlackApiError):
        return f"HTTP {exc.response.status_code}" + (
            f" ({exc.response.get('error')})" if isinstance(exc.response.data, dict) else ""
        )
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def wait_for_slack(client: WebClient, *, stop: threading.Event | None = None) -> bool:
    """Ask until Slack takes the token: True then, False if `stop` was set first.

    Raises TokenRefused at once if Slack refuses the token. Each try that finds Slack out of
    reach is one line in the log, with when the next try is.
    """
    wait, attempt = FIRST_WAIT, 1
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            check_token(client)
            if attempt > 1:
                log.info("Slack answers at %s again (after %d tries)", client.base_url, attempt)
            return True
        except (OSError, SlackApiError) as exc:
            log.warning(
                "Slack cannot be reached at %s (%s); trying again in %.0f s (attempt %d)",
                client.base_url,
                why_unreachable(exc),
                wait,
                attempt,
                extra=PACED,  # one line per attempt: the backoff already spaces them out
            )
        if stop.wait(wait):
            break
        wait, attempt = min(wait * 2, LONGEST_WAIT), attempt + 1
    return False
