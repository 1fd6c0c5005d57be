"""The one place that sends to Slack: the outbox and its kinds with their renderers, the
dispatcher and its pacing, the replies to clicks (sent side by side over kept-alive
connections, `webhooks`), private replies, and reports to organizers of what failed.

May import `bot.people`, `bot.slack`, `bot.event`, `bot.core`, `storage`.
"""

from bot.delivery.dispatcher import Dispatcher, plain_error
from bot.delivery.failures import FailureReports
from bot.delivery.outbox import Delivery, Kind, Renderers
from bot.delivery.pacing import Pacer
from bot.delivery.replies import Replies
from bot.delivery.webhooks import Webhooks

__all__ = [
    "Delivery",
    "Dispatcher",
    "FailureReports",
    "Kind",
    "Pacer",
    "Renderers",
    "Replies",
    "Webhooks",
    "plain_error",
]
