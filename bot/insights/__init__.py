"""What organizers read: results by group with disclosure control, summaries, the report, charts.

May import every feature below it (displays, closing, agenda, polls, headlines) and the layers below them.
"""

from bot.insights.report import Report, write_export
from bot.insights.results import poll_result
from bot.insights.summaries import Summaries, Summary

__all__ = [
    "Report",
    "Summaries",
    "Summary",
    "poll_result",
    "write_export",
]
