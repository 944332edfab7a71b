"""Sweep: progress of a sweep run and, as judgments arrive, its score tables."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Select, Static

from tui.polling import Poller
from tui.rows import RunListing, SweepProgress, SweepSession
from tui.store_reader import StoreReader
from tui.sweep_numbers import (
    ALL_METRICS,
    Gap,
    duration_text,
    largest_gaps,
    metrics_of,
    score_table,
)
from tui.widgets.nav import NavBar
from tui.widgets.table_fill import refill

GAP_COLUMNS = [
    (title, title)
    for title in ("therapist", "attribute", "metric", "gap", "p (Holm)", "flag", "high > low")
]
GAPS_EVERY_SECONDS = 5.0  # the permutation tests are the one costly read: not every poll


class SweepScreen(Screen):
    BINDINGS = [
        Binding("m", "next_metric", "Metric"),
        Binding("M", "previous_metric", "Prev metric"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.run_id: str | None = None
        self.runs: list[RunListing] = []
        self.sessions: list[SweepSession] = []
        self.metric = ALL_METRICS
        self.gaps: list[Gap] = []
        self._gaps_at = 0.0
        self._gaps_for: tuple | None = None

    def compose(self) -> ComposeResult:
        yield NavBar("sweep", id="nav")
        yield Select([], prompt="sweep run", id="sweep-run", allow_blank=True, compact=True)
        with VerticalScroll(id="sweep-body"):
            yield ProgressBar(id="sweep-bar", show_eta=False)
            yield Static(
                "no sweep runs in this DB yet: start one with `patientsim sweep SPEC.yaml`",
                id="sweep-stats",
            )
            yield DataTable(id="sweep-table", cursor_type="row")
            yield DataTable(id="sweep-gaps", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(
            "#sweep-table", DataTable
        ).border_title = "Mean score (0 worst – 1 best): therapist × severity"
        self.query_one("#sweep-gaps", DataTable).border_title = "Largest demographic gaps"
        self.reader = StoreReader(self.app.db_path)
        self.poller = Poller(self, self._read, self._show, self.app.poll_interval)
        self.poller.start()

    def on_unmount(self) -> None:
        self.reader.close()

    def on_screen_resume(self) -> None:
        target = self.app.sweep_target
        if target and target != self.run_id:
            self.run_id = target
            self._gaps_for = None
            self.poller.poll()

    # ------------------------------------------------------------------ reading

    def _read(self):
        """Runs, the chosen run's progress and sessions (gaps recomputed now and then)."""
        forced = self._gaps_for is None
        if not self.reader.changed() and not forced:
            return None
        runs = self.reader.sweep_runs()
        run_id = self.run_id or (runs[0].run_id if runs else None)
        if run_id is None:
            return runs, None, None, [], None
        progress = self.reader.sweep_progress(run_id)
        sessions = self.reader.sweep_sessions(run_id)
        gaps = None
        key = (run_id, len(sessions))
        if key != self._gaps_for and (
            forced or time.monotonic() - self._gaps_at > GAPS_EVERY_SECONDS
        ):
            gaps = largest_gaps(self.reader.sweep_gaps(run_id))
            self._gaps_for, self._gaps_at = key, time.monotonic()
        return runs, run_id, progress, sessions, gaps

    def _show(self, data) -> None:
        runs, run_id, progress, sessions, gaps = data
        self._fill_runs(runs, run_id)
        if run_id is None:
            return
        self.run_id = run_id
        self.sessions = sessions
        if gaps is not None:
            self.gaps = gaps
        if progress is not None:
            self._show_progress(progress)
        self._fill_table()
        self._fill_gaps()

    def _fill_runs(self, runs: list[RunListing], run_id: str | None) -> None:
        select = self.query_one("#sweep-run", Select)
        if [r.run_id for r in runs] != [r.run_id for r in self.runs]:
            self.runs = runs
            with self.prevent(Select.Changed):
                select.set_options((f"{r.name}  ({r.run_id})", r.run_id) for r in runs)
        if run_id is not None and select.value != run_id:
            with self.prevent(Select.Changed):
                select.value = run_id

    def _show_progress(self, p: SweepProgress) -> None:
        bar = self.query_one("#sweep-bar", ProgressBar)
        bar.update(total=p.total, progress=p.done + p.failed)
        total = "?" if p.total is None else str(p.total)
        rate = "—" if p.per_minute is None else f"{p.per_minute:.1f}/min"
        state = p.status + (f" ({p.stop_reason})" if p.stop_reason else "")
        self.query_one("#sweep-stats", Static).update(
            Text(
                f"{p.name}: {state}\n"
                f"done {p.done} · failed {p.failed} · running {p.running} · total {total}\n"
                f"rate {rate} · ETA {duration_text(p.eta_seconds)} · "
                f"spend ${p.cost_usd:.4f} · {p.tokens:,} tokens"
            )
        )
        self.query_one("#nav", NavBar).set_detail(f"{p.name} {p.done + p.failed}/{total}")

    def _fill_table(self) -> None:
        table = self.query_one("#sweep-table", DataTable)
        data = score_table(self.sessions, self.metric)
        columns = [("therapist", "therapist")] + [(s, s) for s in data.severities]
        rows = []
        for therapist in data.therapists:
            cells = [Text(therapist)]
            for severity in data.severities:
                mean, n = data.cells[(therapist, severity)]
                cells.append(Text("—" if mean is None else f"{mean:.2f} (n={n})"))
            rows.append((None, cells))
        refill(table, columns, rows)
        judged = len(self.sessions)
        table.border_subtitle = f"{self.metric} · {judged} judged sessions · m: metric"

    def _fill_gaps(self) -> None:
        table = self.query_one("#sweep-gaps", DataTable)
        rows = [
            (
                None,
                [
                    Text(gap.therapist),
                    gap.attribute,
                    gap.metric,
                    f"{gap.gap:.2f}",
                    "—" if gap.p_holm is None else f"{gap.p_holm:.3f}",
                    "⚑" if gap.flagged else "",
                    Text(f"{gap.high_value} > {gap.low_value}"),
                ],
            )
            for gap in self.gaps
        ]
        refill(table, GAP_COLUMNS, rows)
        table.border_subtitle = (
            "" if self.gaps else "needs judged sessions with varied demographics"
        )

    # ------------------------------------------------------------------ actions

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "sweep-run" and isinstance(event.value, str):
            self.run_id = event.value
            self.app.sweep_target = event.value
            self._gaps_for = None
            self.poller.poll()

    def _cycle_metric(self, step: int) -> None:
        choices = [ALL_METRICS, *metrics_of(self.sessions)]
        index = choices.index(self.metric) if self.metric in choices else 0
        self.metric = choices[(index + step) % len(choices)]
        self._fill_table()

    def action_next_metric(self) -> None:
        self._cycle_metric(1)

    def action_previous_metric(self) -> None:
        self._cycle_metric(-1)
