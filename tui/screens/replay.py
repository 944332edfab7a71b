"""Replay: step through a stored session turn by turn; jump to the turns judges cited.

A session still running (in this app or another process) is followed: new turns appear as
they are stored and the cursor stays on the newest.
"""

from __future__ import annotations

import asyncio
from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from simulator.store.statuses import SessionStatus
from tui.polling import Poller
from tui.protocol_source import protocol_for
from tui.rows import SessionDetail
from tui.store_reader import StoreReader
from tui.widgets.nav import NavBar
from tui.widgets.session_view import SessionView


class ReplayScreen(Screen):
    BINDINGS = [
        Binding("right,n", "next_turn", "Next turn", priority=True),
        Binding("left,p", "previous_turn", "Previous", priority=True),
        Binding("home", "first_turn", "First", show=False),
        Binding("end", "last_turn", "Last"),
        Binding("e", "next_cited", "Next cited"),
        Binding("E", "previous_cited", "Prev cited"),
        Binding("f", "toggle_follow", "Follow"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.detail: SessionDetail | None = None
        self.cursor = -1
        self.follow = False
        self.loading_id: str | None = None
        self.fingerprint: tuple | None = None

    def compose(self) -> ComposeResult:
        yield NavBar("replay", id="nav")
        yield Static("no session yet: open one from Runs (1) with enter", id="replay-empty")
        yield SessionView(id="replay-view")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#replay-view").display = False
        self.reader = StoreReader(self.app.db_path)
        self.poller = Poller(self, self._read_update, self._apply_update, self.app.poll_interval)
        self.poller.start()

    def on_unmount(self) -> None:
        self.reader.close()

    def on_screen_resume(self) -> None:
        target = self.app.replay_target
        if target is None and self.detail is None:
            target = self.reader.latest_session_id()
        if target and (self.detail is None or target != self.detail.session_id):
            self.open(target)

    @property
    def view(self) -> SessionView:
        return self.query_one("#replay-view", SessionView)

    @property
    def last_turn(self) -> int:
        return self.detail.turns[-1].index if self.detail and self.detail.turns else -1

    # ------------------------------------------------------------------ loading

    def open(self, session_id: str) -> None:
        if self.loading_id == session_id:
            return
        self.loading_id = session_id
        self.run_worker(partial(self._load, session_id), group="replay-load", exclusive=True)

    async def _load(self, session_id: str) -> None:
        def read():
            return (
                self.reader.session_fingerprint(session_id),
                self.reader.session_detail(session_id),
                self.reader.protocol_text(session_id),
            )

        self.fingerprint, detail, text = await asyncio.to_thread(read)
        self.loading_id = None
        if detail is None:
            self.notify(f"no session {session_id}", severity="error")
            return
        self.detail = detail
        self.query_one("#replay-empty").display = False
        self.view.display = True
        self.view.load(detail, protocol_for(text, detail.protocol))
        self.follow = detail.status == SessionStatus.RUNNING
        first = detail.turns[0].index if detail.turns else -1
        self.move_to(self.last_turn if self.follow else first)

    def _read_update(self) -> SessionDetail | None:
        """Newer rows of the session on screen, when something was committed."""
        if self.detail is None or self.loading_id or not self.reader.changed():
            return None
        session_id = self.detail.session_id
        fingerprint = self.reader.session_fingerprint(session_id)
        if fingerprint == self.fingerprint:
            return None
        self.fingerprint = fingerprint
        return self.reader.session_detail(session_id)

    def _apply_update(self, detail: SessionDetail) -> None:
        if self.detail is None or detail.session_id != self.detail.session_id:
            return
        known = set(self.view.transcript.turns)
        self.detail = detail
        self.view.detail = detail
        self.view.states = list(detail.states)
        for turn in detail.turns:
            if turn.index not in known:
                self.view.transcript.complete(turn.index, turn.speaker, turn.text, turn.step)
        for hit in detail.hits:
            self.view.transcript.add_hit(hit.turn, hit.label, hit.span)
        self.view.show_scores(detail)
        if detail.status != SessionStatus.RUNNING:
            self.follow = False
        self.move_to(self.last_turn if self.follow else self.cursor)

    # ------------------------------------------------------------------ cursor

    def move_to(self, cursor: int) -> None:
        if self.detail is None:
            return
        indices = [t.index for t in self.detail.turns]
        if indices:
            cursor = min(max(cursor, indices[0]), indices[-1])
        self.cursor = cursor
        self.view.show_cursor(cursor)
        cited = len(self.detail.evidence_turns)
        following = " · following" if self.follow else ""
        self.query_one("#nav", NavBar).set_detail(
            f"{self.detail.session_id} {self.detail.status}"
            + (f" · {self.detail.patient_check}" if self.detail.patient_check else "")
            + f" · turn {cursor}/{self.last_turn} · {cited} cited{following}"
        )

    def action_next_turn(self) -> None:
        self.follow = False
        self.move_to(self.cursor + 1)

    def action_previous_turn(self) -> None:
        self.follow = False
        self.move_to(self.cursor - 1)

    def action_first_turn(self) -> None:
        self.follow = False
        self.move_to(-1 if self.detail is None else 0)

    def action_last_turn(self) -> None:
        self.move_to(self.last_turn)

    def _jump(self, later: bool) -> None:
        if self.detail is None:
            return
        turns = self.detail.evidence_turns
        choices = (
            [t for t in turns if t > self.cursor]
            if later
            else [t for t in turns if t < self.cursor]
        )
        if not choices:
            self.notify("no cited turn " + ("after" if later else "before") + " this one")
            return
        self.follow = False
        self.move_to(choices[0] if later else choices[-1])

    def action_next_cited(self) -> None:
        self._jump(later=True)

    def action_previous_cited(self) -> None:
        self._jump(later=False)

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        if self.follow:
            self.move_to(self.last_turn)
        else:
            self.move_to(self.cursor)
