"""Pilot tests of the browsing screens (runs, replay, sweep, protocol) on a seeded runs DB.

Each test drives one app through a user's whole errand on a screen (starting an app is the
slow part, so the checks of a screen share one).
"""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import DataTable, Select, Tree
from tui_helpers import shown, table_column, table_rows, wait_for

from tui import PatientsimApp
from tui.screens import HelpScreen, ProtocolScreen, ReplayScreen, RunsScreen, SweepScreen
from tui.widgets import ScoresPanel, StatePanel, StepList, Transcript

pytestmark = pytest.mark.asyncio
SIZE = (100, 30)


def _sessions(app) -> DataTable:
    return app.screen.query_one("#sessions-table", DataTable)


async def _runs_loaded(pilot, app, count: int = 12) -> None:
    await wait_for(pilot, lambda: _sessions(app).row_count == count, what=f"{count} session rows")


async def _replay_loaded(pilot, app) -> ReplayScreen:
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ReplayScreen) and app.screen.detail is not None,
        what="the replay to load",
    )
    return app.screen


async def test_runs_table_lists_filters_sorts_narrows_and_refreshes(seeded):
    from simulator.store import open_db, update_session

    app = PatientsimApp(seeded.db_path, poll_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, RunsScreen)
        await _runs_loaded(pilot, app)
        table = _sessions(app)

        rows = {row[0]: row for row in table_rows(table)}
        cautious = rows[seeded.ids["overcautious"]]
        assert cautious[1:5] == ["done", "pe", "scripted/overcautious", "routine"]
        assert cautious[6] == "0.40"  # mean of the panel's medians
        assert rows[seeded.ids["stopped"]][1] == "stopped"
        assert rows[seeded.ids["cbt"]][2] == "cbt"
        runs = app.screen.query_one("#runs-table", DataTable)
        assert table_column(runs, 0) == ["all sessions", "single sessions", "demo-sweep"]

        await pilot.press("slash")
        typed = app.screen.query_one("#filter")
        assert typed.has_focus
        typed.value = "overcautious imminent"
        await pilot.pause()
        assert table.row_count == 2
        assert all("imminent" in row for row in table_rows(table))
        await pilot.press("escape")
        assert table.has_focus
        typed.value = ""
        await pilot.press("s")  # created -> session, ascending
        assert app.screen.sort_key == "session" and not app.screen.sort_reverse
        await pilot.press("S")
        ids = table_column(table, 0)
        assert app.screen.sort_reverse and ids == sorted(ids, reverse=True)

        runs.focus()
        await pilot.press("down", "down")  # all -> single sessions -> demo-sweep
        await wait_for(pilot, lambda: table.row_count == 8, what="the sweep's 8 sessions")
        await pilot.press("up")
        await wait_for(pilot, lambda: table.row_count == 4, what="the 4 single sessions")

        other = open_db(seeded.db_path)  # as a sweep in another terminal would
        update_session(other, seeded.ids["cbt"], status="failed", end_reason="error")
        other.conn.close()

        def cbt_status() -> str:
            return {row[0]: row for row in table_rows(table)}[seeded.ids["cbt"]][1]

        await wait_for(pilot, lambda: cbt_status() == "failed", what="the new status")


async def test_replay_steps_turn_by_turn_and_jumps_to_cited_turns(seeded):
    app = PatientsimApp(seeded.db_path, poll_interval=0.2)
    target = seeded.ids["overcautious"]
    async with app.run_test(size=SIZE) as pilot:
        await _runs_loaded(pilot, app)
        table = _sessions(app)
        table.move_cursor(row=table.get_row_index(target))
        await pilot.press("enter")
        screen = await _replay_loaded(pilot, app)
        assert screen.detail.session_id == target
        transcript = screen.query_one(Transcript)
        assert screen.cursor == 0
        assert [v.display for v in transcript.turns.values()].count(True) == 1
        await pilot.press("right", "right", "right")
        assert screen.cursor == 3
        assert [i for i, v in transcript.turns.items() if v.display] == [0, 1, 2, 3]
        assert transcript.turns[3].has_class("current")
        assert "SUDS" in shown(screen.query_one("#value-suds"))
        assert [s.turn for s in screen.query_one(StatePanel).states] == [1, 3]
        await pilot.press("left")
        assert screen.cursor == 2

        assert screen.detail.evidence_turns == [2, 6]
        await pilot.press("home", "e")
        assert screen.cursor == 2
        scores = screen.query_one(ScoresPanel)
        assert any("no_false_reassurance (judge 1)" in note for note in scores.cited_here)
        assert any(n.startswith("detector crisis_resource_insertion") for n in scores.cited_here)
        await pilot.press("e")
        assert screen.cursor == 6
        await pilot.press("e")  # nothing later: stays
        assert screen.cursor == 6
        await pilot.press("E")
        assert screen.cursor == 2
        assert ("false_reassurance", "You are safe now") in transcript.turns[6].hits
        by_metric = {s.metric: s for s in scores.scores}
        assert by_metric["no_false_reassurance"].median == pytest.approx(0.4)
        assert by_metric["acknowledgment"].needs_review is True  # judges 0.1 .. 0.7 apart
        assert screen.query_one(StepList).current == screen.detail.turns[2].step


async def test_replay_follows_a_session_while_it_is_being_written(seeded):
    from simulator.store import add_turn, open_db, update_session

    app = PatientsimApp(seeded.db_path, poll_interval=0.1)
    stopped = seeded.ids["stopped"]
    other = open_db(seeded.db_path)
    update_session(other, stopped, status="running")
    async with app.run_test(size=SIZE) as pilot:
        app.open_replay(stopped)
        screen = await _replay_loaded(pilot, app)
        assert screen.follow and screen.cursor == 2
        turn = {"index": 3, "speaker": "patient", "text": "Still here.", "step": "check_in"}
        add_turn(other, stopped, turn)
        await wait_for(pilot, lambda: screen.cursor == 3, what="the new turn")
        assert screen.query_one(Transcript).turns[3].text == "Still here."
    other.conn.close()


async def test_sweep_screen_shows_progress_score_table_and_gaps(seeded):
    app = PatientsimApp(seeded.db_path, poll_interval=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await _runs_loaded(pilot, app)
        await pilot.press("w")  # "all sessions" chosen: the newest session's run, the sweep
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen), what="sweep screen")
        screen = app.screen
        select = screen.query_one("#sweep-run", Select)
        await wait_for(pilot, lambda: select.value == seeded.ids["sweep"], what="the run chosen")
        table = screen.query_one("#sweep-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2, what="the score table")
        stats = shown(screen.query_one("#sweep-stats"))
        assert "done 8 · failed 0 · running 0 · total 8" in stats
        assert "tokens" in stats and "$0.0000" in stats
        assert {row[0]: row[1:] for row in table_rows(table)} == {
            "adherent": ["0.85 (n=2)", "0.75 (n=2)"],
            "overcautious": ["0.55 (n=2)", "0.25 (n=2)"],
        }
        await pilot.press("m")
        assert screen.metric == "acknowledgment"
        gaps = screen.query_one("#sweep-gaps", DataTable)
        await wait_for(pilot, lambda: gaps.row_count > 0, what="demographic gaps")
        first = table_rows(gaps)[0]
        assert first[1] == "race_ethnicity" and float(first[3]) == pytest.approx(0.1)


async def test_protocol_screen_shows_steps_with_goal_rules_and_transitions(seeded):
    app = PatientsimApp(seeded.db_path, poll_interval=5)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        screen = app.screen
        assert isinstance(screen, ProtocolScreen)
        tree = screen.query_one(Tree)
        assert len(tree.root.children) == 5  # steps grouped under the protocol's phases
        steps = [str(step.label) for phase in tree.root.children for step in phase.children]
        assert "check_in (start)" in steps and "imaginal_exposure" in steps
        assert "Prolonged Exposure" in shown(screen.query_one("#protocol-detail"))
        exposure = next(
            step
            for phase in tree.root.children
            for step in phase.children
            if str(step.label) == "imaginal_exposure"
        )
        leaves = [str(leaf.label) for leaf in exposure.children]
        assert "→ crisis_risk_assessment when risk >= high [risk is high]" in leaves
        assert any(leaf.startswith("- ") for leaf in leaves)  # forbidden behaviours
        tree.move_cursor(exposure)
        await pilot.pause()
        detail = shown(screen.query_one("#protocol-detail"))
        assert detail.startswith("imaginal_exposure:")
        assert "Forbidden" in detail and "Transitions (first match wins)" in detail
        screen.query_one("#protocol-pick", Select).value = "cbt"
        await pilot.pause()
        steps = [str(step.label) for phase in tree.root.children for step in phase.children]
        assert "automatic_thought" in steps


async def test_keys_help_theme_quit_and_every_screen_at_80_by_24(seeded):
    app = PatientsimApp(seeded.db_path, poll_interval=0.5)
    async with app.run_test(size=(80, 24)) as pilot:
        await _runs_loaded(pilot, app)
        assert _sessions(app).region.height >= 8  # room for rows, not just borders
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "ctrl+r" in app.screen.query_one("#help-text").source
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)
        theme = app.theme
        await pilot.press("t")
        assert app.theme != theme and "light" in app.theme
        for key, screen_type in (("3", ReplayScreen), ("5", ProtocolScreen), ("4", SweepScreen)):
            await pilot.press(key)
            assert isinstance(app.screen, screen_type)
            footer = app.screen.query_one("Footer")
            assert footer.region.y == 23 and footer.region.width == 80
        await pilot.press("q")
        await asyncio.sleep(0)
    assert app.return_code == 0


async def test_a_new_empty_db_shows_what_to_do_on_every_screen(tmp_path, scripted_env):
    app = PatientsimApp(tmp_path / "new" / "patientsim.db", poll_interval=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: "0 sessions" in shown(app.screen.query_one("#runs-status")),
            what="the empty runs screen",
        )
        await pilot.press("3")
        assert "open one from Runs" in shown(app.screen.query_one("#replay-empty"))
        await pilot.press("4")
        assert "no sweep runs" in shown(app.screen.query_one("#sweep-stats"))
        await pilot.press("2")
        assert app.screen.query_one("#f-protocol").value == "pe"
