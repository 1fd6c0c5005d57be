"""Audience Q&A: each session's questions, asked in a form (anonymously where the event
allows), upvoted once per person, moderated where the event asks for it, and shown ranked in
one live message per Q&A refreshed through the outbox; with their Block Kit views (and the
live message's outbox renderers).

May import `bot.delivery` and the layers below it.
"""

from bot.qa.board import Board, Ranked
from bot.qa.service import MAX_QUESTION, QaService, Upvoted
from bot.qa.views import (
    ask_modal,
    moderated_note,
    qa_message,
    queue_blocks,
    report_rows,
    summary_lines,
    take_back_modal,
)

__all__ = [
    "MAX_QUESTION",
    "Board",
    "QaService",
    "Ranked",
    "Upvoted",
    "ask_modal",
    "moderated_note",
    "qa_message",
    "queue_blocks",
    "report_rows",
    "summary_lines",
    "take_back_modal",
]
