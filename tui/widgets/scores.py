"""The judges' verdict: per-metric median and spread, needs-review flags, and the current turn's citations."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from tui.judging import Judgment, MetricSummary


class ScoresPanel(Static):
    """Empty until judging ends; then one line per metric (⚑ marks needs_review)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "Judges · 0–1, 1 best"
        self.scores: list[MetricSummary] = []
        self.panel: list[Judgment] = []
        self.note = "not judged yet"
        self.cited_here: list[str] = []
        self.redraw()

    def show(
        self,
        scores: Sequence[MetricSummary],
        panel: Sequence[Judgment] = (),
        note: str | None = None,
    ) -> None:
        self.scores, self.panel = list(scores), list(panel)
        if note is not None:
            self.note = note
        elif self.scores or self.panel:
            self.note = ""
        self.redraw()

    def cite(self, notes: Sequence[str]) -> None:
        self.cited_here = list(notes)
        self.redraw()

    def redraw(self) -> None:
        lines: list[Content] = []
        if self.panel:
            unscorable = sum(not j.scorable for j in self.panel)
            review = sum(s.needs_review for s in self.scores)
            summary = f"{len(self.panel)} judge" + ("s" if len(self.panel) != 1 else "")
            if unscorable:
                summary += f", {unscorable} unscorable"
            summary += f"; ⚑ {review} need review" if review else "; they agree"
            lines.append(Content.styled(summary, "$text-muted"))
        elif self.scores:
            review = sum(s.needs_review for s in self.scores)
            lines.append(
                Content.styled(f"{review} need review" if review else "judged", "$text-muted")
            )
        for score in self.scores:
            median = " n/a" if score.median is None else f"{score.median:.2f}"
            spread = "" if score.spread is None else f" ±{score.spread:.2f}"
            line = Content(f"{score.metric[:16]:16s} {median}{spread}")
            if score.needs_review:
                line = line + Content.styled(" ⚑", "bold $text-warning")
            lines.append(line)
        if self.note:
            lines.append(Content.styled(self.note, "$text-muted"))
        for note in self.cited_here:
            lines.append(Content.styled(f"cited: {note}", "$text-warning"))
        self.update(Content("\n").join(lines) if lines else Content(""))
