"""What organizers read: results split by role, side and team (through `bot.polls`' disclosure
control), participation, summaries, the report (`templates/`), charts.

May import every feature below it (displays, closing, agenda, polls, headlines) and the
layers below them.
"""

from bot.insights.coverage import summary as coverage_summary
from bot.insights.report import Report, write_export
from bot.insights.results import poll_result
from bot.insights.summaries import Summaries, Summary

__all__ = [
    "Report",
    "Summaries",
    "Summary",
    "coverage_summary",
    "poll_result",
    "write_export",
]
