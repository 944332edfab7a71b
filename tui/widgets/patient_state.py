"""The patient's state: SUDS, belief, risk and engagement now, and a sparkline of each."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline, Static

from tui.rows import StateRecord

MEASURES = ("suds", "belief", "risk", "engagement")
LABELS = {"suds": "SUDS", "belief": "belief", "risk": "risk", "engagement": "engage"}


def risk_levels() -> tuple[str, ...]:
    from protocols import RISK_LEVELS

    return RISK_LEVELS


def series(states: Sequence[StateRecord], measure: str) -> list[float]:
    """Numbers to plot for one measure (risk as its level's rank)."""
    if measure == "risk":
        levels = risk_levels()
        return [float(levels.index(s.risk)) for s in states if s.risk in levels]
    values = [getattr(s, measure) for s in states]
    return [float(v) for v in values if v is not None]


def value_text(state: StateRecord | None, measure: str) -> str:
    value = None if state is None else getattr(state, measure)
    if value is None:
        return "–"
    if measure == "engagement":
        return f"{value:.2f}"
    return str(value)


class StatePanel(Vertical):
    """One row per measure: its name, its current value, its sparkline across turns."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "Patient state"
        self.states: list[StateRecord] = []

    def compose(self) -> ComposeResult:
        for measure in MEASURES:
            with Horizontal(classes="measure"):
                yield Label(
                    f"{LABELS[measure]:7s}–", id=f"value-{measure}", classes="measure-value"
                )
                yield Sparkline([], id=f"spark-{measure}", summary_function=max)
        yield Static("", id="state-flags")

    def show(self, states: Sequence[StateRecord]) -> None:
        self.states = list(states)
        last = self.states[-1] if self.states else None
        for measure in MEASURES:
            self.query_one(f"#value-{measure}", Label).update(
                f"{LABELS[measure]:7s}{value_text(last, measure)}"
            )
            spark = self.query_one(f"#spark-{measure}", Sparkline)
            spark.data = series(self.states, measure)
            spark.display = bool(spark.data)  # an empty sparkline would draw a flat line
        flags = []
        if last is not None and last.avoidance_reinforced:
            flags.append("avoidance reinforced")
        if last is not None and last.events:
            flags.append("event: " + ", ".join(last.events))
        self.query_one("#state-flags", Static).update("; ".join(flags))
