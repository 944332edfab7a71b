"""Runs: every run and its sessions, filterable and sortable, refreshed as other processes write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from simulator.store.statuses import SessionStatus
from tui.polling import Poller
from tui.rows import RunListing, SessionListing
from tui.store_reader import StoreReader
from tui.widgets.nav import NavBar
from tui.widgets.table_fill import refill

ALL_RUNS = "*all*"
NO_RUN = "*none*"
RUN_COLUMNS = [
    (name, name) for name in ("run", "kind", "status", "sessions", "done", "failed", "created")
]
STATUS_STYLES = {
    SessionStatus.RUNNING: "bold",
    SessionStatus.FAILED: "red",
    SessionStatus.STOPPED: "yellow",
    SessionStatus.DONE: "",
}
RESUMABLE = (SessionStatus.STOPPED, SessionStatus.FAILED)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    cell: Callable[[SessionListing], str]
    sort: Callable[[SessionListing], Any]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


COLUMNS = (
    Column(
        "session",
        "session",
        lambda r: r.session_id + (f" ({r.external_id})" if r.external_id else ""),
        lambda r: r.session_id,
    ),
    Column("status", "status", lambda r: r.status, lambda r: r.status),
    Column("protocol", "protocol", lambda r: r.protocol, lambda r: r.protocol),
    Column("therapist", "therapist", lambda r: r.therapist, lambda r: r.therapist),
    Column("severity", "severity", lambda r: r.severity or "", lambda r: r.severity or ""),
    Column("turns", "turns", lambda r: str(r.turns), lambda r: r.turns),
    Column(
        "score",
        "score",
        lambda r: "" if r.score is None else f"{r.score:.2f}",
        lambda r: -1.0 if r.score is None else r.score,
    ),
    Column("review", "review", lambda r: str(r.needs_review or ""), lambda r: r.needs_review),
    Column("end", "end", lambda r: r.end_reason or "", lambda r: r.end_reason or ""),
    Column("det", "det.", lambda r: _yes_no(r.deteriorated), lambda r: _yes_no(r.deteriorated)),
    Column("persona", "persona", lambda r: r.persona, lambda r: r.persona),
    Column("run", "run", lambda r: r.run_name or "", lambda r: r.run_name or ""),
    Column(
        "created",
        "created",
        lambda r: r.created_at[:16].replace("T", " "),
        lambda r: r.created_at,
    ),
)
COLUMN_KEYS = [c.key for c in COLUMNS]


def matches(row: SessionListing, words: list[str]) -> bool:
    """Every word of the filter appears in some column (case-insensitive)."""
    cells = " ".join(c.cell(row) for c in COLUMNS).lower()
    return all(word in cells for word in words)


def filtered_sorted(
    rows: list[SessionListing], run: str, text: str, sort_key: str, reverse: bool
) -> list[SessionListing]:
    words = text.lower().split()
    chosen = [
        r
        for r in rows
        if (run == ALL_RUNS or (run == NO_RUN and r.run_id is None) or r.run_id == run)
        and matches(r, words)
    ]
    column = next(c for c in COLUMNS if c.key == sort_key)
    return sorted(chosen, key=column.sort, reverse=reverse)


class RunsScreen(Screen):
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("escape", "leave_filter", "Back to table", show=False),
        Binding("s", "sort_next", "Sort"),
        Binding("S", "sort_reverse", "Reverse"),
        Binding("R", "resume", "Resume"),
        Binding("w", "sweep", "Sweep view"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.all_sessions: list[SessionListing] = []
        self.all_runs: list[RunListing] = []
        self.run_choice = ALL_RUNS
        self.sort_key = "created"
        self.sort_reverse = True
        self.shown: list[SessionListing] = []

    def compose(self) -> ComposeResult:
        yield NavBar("runs", id="nav")
        yield Input(
            placeholder="/ filter: words that must all appear, e.g. pe overcautious failed",
            id="filter",
            compact=True,
        )
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="runs-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#runs-table", DataTable).border_title = "Runs"
        sessions = self.query_one("#sessions-table", DataTable)
        sessions.border_title = "Sessions"
        self.reader = StoreReader(self.app.db_path)
        self.poller = Poller(self, self._read, self._show, self.app.poll_interval)
        self.poller.start()
        sessions.focus()

    def on_unmount(self) -> None:
        self.reader.close()

    def _read(self) -> tuple[list[RunListing], list[SessionListing]] | None:
        if not self.reader.changed():
            return None
        return self.reader.runs(), self.reader.sessions()

    def _show(self, data: tuple[list[RunListing], list[SessionListing]]) -> None:
        self.all_runs, self.all_sessions = data
        self._fill_runs()
        self._fill_sessions()

    # ------------------------------------------------------------------ tables

    def _fill_runs(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        keep = self.run_choice
        singles = [s for s in self.all_sessions if s.run_id is None]
        rows = [(ALL_RUNS, ["all sessions", "", "", str(len(self.all_sessions)), "", "", ""])]
        if singles:
            rows.append((NO_RUN, ["single sessions", "", "", str(len(singles)), "", "", ""]))
        for run in self.all_runs:
            cells = [
                Text(run.name),
                run.kind,
                Text(run.status + (f": {run.stop_reason}" if run.stop_reason else "")),
                str(run.sessions),
                str(run.done),
                str(run.failed),
                run.created_at[:16].replace("T", " "),
            ]
            rows.append((run.run_id, cells))
        refill(table, RUN_COLUMNS, rows)
        self._move_to(table, keep)

    def _fill_sessions(self) -> None:
        table = self.query_one("#sessions-table", DataTable)
        keep = self.selected_session()
        text = self.query_one("#filter", Input).value
        self.shown = filtered_sorted(
            self.all_sessions, self.run_choice, text, self.sort_key, self.sort_reverse
        )
        rows = []
        for row in self.shown:
            cells = []
            for column in COLUMNS:
                value = column.cell(row)
                style = STATUS_STYLES.get(value, "") if column.key == "status" else ""
                cells.append(Text(value, style=style))
            rows.append((row.session_id, cells))
        refill(table, [(column.key, column.title) for column in COLUMNS], rows)
        self._move_to(table, keep)
        arrow = "↓" if self.sort_reverse else "↑"
        table.border_subtitle = (
            f"{len(self.shown)} of {len(self.all_sessions)} · sort {self.sort_key} {arrow}"
        )
        running = sum(r.status == SessionStatus.RUNNING for r in self.all_sessions)
        self.query_one("#runs-status", Static).update(
            Text(
                f"{self.app.db_path.name}: {len(self.all_sessions)} sessions, "
                f"{len(self.all_runs)} runs, {running} running · enter opens a session"
            )
        )

    @staticmethod
    def _move_to(table: DataTable, key: str | None) -> None:
        if key is None:
            return
        try:
            table.move_cursor(row=table.get_row_index(key), animate=False)
        except Exception:  # noqa: BLE001 - the row is gone: the cursor stays where it was
            pass

    def selected_session(self) -> str | None:
        table = self.query_one("#sessions-table", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    # ------------------------------------------------------------------ events

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self._fill_sessions()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#sessions-table").focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "runs-table" and event.row_key.value != self.run_choice:
            self.run_choice = event.row_key.value
            self._fill_sessions()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "sessions-table":
            self.app.open_replay(event.row_key.value)
        elif event.row_key.value not in (ALL_RUNS, NO_RUN):
            self.query_one("#sessions-table").focus()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        if event.data_table.id == "sessions-table":
            key = event.column_key.value
            self.sort_reverse = not self.sort_reverse if key == self.sort_key else False
            self.sort_key = key
            self._fill_sessions()

    # ------------------------------------------------------------------ actions

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_leave_filter(self) -> None:
        self.query_one("#sessions-table").focus()

    def action_sort_next(self) -> None:
        index = COLUMN_KEYS.index(self.sort_key)
        self.sort_key = COLUMN_KEYS[(index + 1) % len(COLUMN_KEYS)]
        self.sort_reverse = False  # a new column starts ascending; S flips it
        self._fill_sessions()

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._fill_sessions()

    def action_resume(self) -> None:
        session_id = self.selected_session()
        row = next((r for r in self.shown if r.session_id == session_id), None)
        if row is None:
            return
        if row.status in RESUMABLE:
            self.app.resume_live(row.session_id)
        else:
            self.notify(f"{row.session_id} is {row.status}; only stopped or failed sessions resume")

    def action_sweep(self) -> None:
        run = self.run_choice
        if run in (ALL_RUNS, NO_RUN):
            row = next((r for r in self.shown if r.session_id == self.selected_session()), None)
            run = row.run_id if row else None
        kind = next((r.kind for r in self.all_runs if r.run_id == run), None)
        if kind != "sweep":
            self.notify("pick a sweep run (in the Runs table) first", severity="warning")
            return
        self.app.open_sweep(run)
