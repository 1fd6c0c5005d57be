"""A local Slack: the Web API, files upload v2 and response_url on loopback.

Tests, `convene shell` and rehearsals point a real `slack_sdk.WebClient` at
`SlackSandbox.api_url`. The sandbox answers in Slack's shapes, validates what
Slack validates (block limits, trigger and response_url lifetimes, rate limits,
message metadata) and records every request with its body, so the same bot code
runs with no chat service behind it. Tests can make the next calls to a method
fail the way Slack fails (`fail_next`) or arrive late (`slow_next`), deactivate
users and archive channels mid-run. Only the standard library serves HTTP, so it
starts in milliseconds.

The package owns the emulator and nothing else:

- `front`: `SlackSandbox`, which composes the parts below;
- `state`, `records`, `controls`: the workspace's state (users, channels,
  messages, views, files, recorded calls), what is kept of it, and what tests
  call to set it up and read it back;
- `server`, `params`: the HTTP server, request routing and argument parsing
  (`answer`: one request in, its reply out, for the server's threads and for a
  client in the same process alike);
- `auth`, `chat`, `conversations`, `users`, `views`, `files`, `response_url`:
  one module per Web API family, with `blockkit` checking what they are sent;
- `limits`: rate limits, injected failures and slow calls, the 429s and `limit_floor`.

From the project it may import only `bot.core`: it stands in for Slack, so it
knows nothing of the bot it serves.
"""

from .front import SlackSandbox
from .records import Call, Ephemeral, Message, View

__all__ = ["Call", "Ephemeral", "Message", "SlackSandbox", "View"]
