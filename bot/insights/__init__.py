"""What organizers read: results by group with disclosure control, summaries, the report, charts.

May import every feature below it (displays, closing, agenda, polls, headlines) and the layers below them.
"""
