"""What organizers are told when a send cannot be delivered."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from bot.core import Clock
from bot.delivery import outbox
from bot.delivery.outbox import Kind
from bot.people import Directory
from storage.models import Outbox

# What a row is, in words, when its payload does not say ("describe").
DESCRIBE: dict[str, str] = {
    Kind.POLL_POST: "a poll",
    Kind.POLL_REFRESH: "a poll update",
    Kind.RESPOND: "a reply",
    Kind.EPHEMERAL: "a reply",
    Kind.POST: "a message",
    Kind.DM: "a direct message",
    Kind.UPLOAD: "a file",
    Kind.QA_POST: "a Q&A message",
    Kind.QA_REFRESH: "a Q&A update",
}


class FailureReports:
    """Tells every organizer, by DM, what could not be delivered and why."""

    def __init__(self, *, directory: Directory, clock: Clock) -> None:
        self.directory = directory
        self.clock = clock

    def __call__(self, session: Session, row: Outbox, reason: str) -> None:
        if row.key.startswith("failure:"):
            return  # a report that cannot be delivered is only logged
        what = row.payload.get("describe") or DESCRIBE.get(row.kind, "a message")
        where = row.channel or row.payload.get("channel")
        place = ""
        private = bool(row.payload.get("private"))
        if private:
            pass  # about an anonymous poll: who it was for is not said, nor kept
        elif where and where.startswith(("U", "W")):
            place = f" to {self.directory.display(where)}"
        elif where:
            place = f" in <#{where}>"
        text = f":warning: Convene could not deliver {what}{place}: {reason}."
        now = self.clock.now()
        # A private row is deleted once it fails, and SQLite may give its id to a later row:
        # its report gets a key of its own. It is queued once, in the failure's transaction.
        cause = uuid.uuid4().hex if private else str(row.id)
        for person_id, organizer in self.directory.organizers():
            outbox.enqueue_dm(
                session,
                user=organizer,
                text=text,
                now=now,
                key=f"failure:{cause}:{person_id}",
                describe="a delivery-failure report",
            )
