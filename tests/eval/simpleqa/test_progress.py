from __future__ import annotations

import io

from rich.console import Console

from eval.simpleqa.metrics import GradeCounts
from eval.simpleqa.progress import RichProgress, describe_counts


def test_the_progress_line_shows_the_running_accuracy_and_flags_an_approximate_grader() -> None:
    counts = GradeCounts(correct=1, incorrect=1, not_attempted=2, errors=1)
    assert describe_counts(counts, approximate=False) == "correct 20.0% · given attempted 50.0% · errors 1"
    assert describe_counts(counts, approximate=True).endswith("(approximate grader)")


def test_the_bar_counts_questions_already_graded_on_resume_and_reports_errors() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False)
    with RichProgress(approximate=False, console=console) as bar:
        bar.begin(4, GradeCounts(correct=2))
        bar.advance({"index": 7, "error": "solver: timed out after 5s"}, GradeCounts(correct=2, errors=1))
    output = buffer.getvalue()
    assert "3/4" in output
    assert "row 7: solver: timed out after 5s" in output
