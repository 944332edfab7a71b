"""Live sessions in the UI: start from the form, stream, stop, resume, judge, stay responsive."""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time

import pytest
from textual import events
from tui_helpers import shown, wait_for

from simulator.testing import FixedLatency, LoopbackConfig, LoopbackServer
from tui import PatientsimApp, SessionRequest
from tui.screens import HelpScreen, LiveScreen
from tui.widgets import ScoresPanel, SessionForm, StatePanel, StepList, Transcript

pytestmark = pytest.mark.asyncio
SIZE = (100, 30)
SCRIPTED = dict(
    therapist="scripted/adherent", patient="scripted/patient", tracker="scripted/tracker"
)


def _stored(db_path, session_id) -> tuple[str, int]:
    with sqlite3.connect(db_path) as conn:
        status = conn.execute("select status from sessions where id = ?", [session_id]).fetchone()
        turns = conn.execute(
            "select count(*) from turns where session_id = ?", [session_id]
        ).fetchone()
    return status[0], turns[0]


async def _answer_time(app, key: str, char: str | None, screen_type) -> float:
    """Seconds from a key press reaching the app until the screen it opens is showing.

    (Pilot.press also waits for the app to go idle, which a streaming session never does.)
    """
    event = events.Key(key, char)
    event.set_sender(app)
    started = time.perf_counter()
    app.post_message(event)
    while not isinstance(app.screen, screen_type):
        if time.perf_counter() - started > 5:
            raise AssertionError(f"{key} was not answered within 5 s")
        await asyncio.sleep(0.002)
    return time.perf_counter() - started


async def _open_live(pilot, app) -> LiveScreen:
    await pilot.press("2")
    screen = app.screen
    assert isinstance(screen, LiveScreen)
    return screen


async def test_form_starts_a_session_that_streams_into_the_panels(seeded):
    app = PatientsimApp(seeded.db_path, poll_interval=5)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_live(pilot, app)
        form = screen.query_one(SessionForm)
        assert form.request().therapist == "scripted/adherent"  # from the environment
        form.query_one("#f-max-turns").value = "3"
        form.query_one("#f-judge").value = False
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.phase == "ended", what="the session to end")
        transcript = screen.query_one(Transcript)
        assert sorted(transcript.turns) == list(range(6))
        assert all(view.complete and view.text.strip() for view in transcript.turns.values())
        assert [transcript.turns[i].speaker for i in (0, 1)] == ["therapist", "patient"]
        status, turns = _stored(seeded.db_path, screen.session_id)
        assert (status, turns) == ("done", 6)
        assert screen.query_one(StepList).current == transcript.turns[5].step
        state = screen.query_one(StatePanel)
        assert [s.turn for s in state.states] == [1, 3, 5]
        assert shown(state.query_one("#value-suds")).split()[-1].isdigit()
        assert "done (max_turns)" in screen.status
        await pilot.press("o")  # open the same session in replay
        assert app.screen.detail is None or app.replay_target == screen.session_id
        assert app.replay_target == screen.session_id


async def test_bad_input_is_listed_then_a_judged_session_shows_scores(seeded):
    app = PatientsimApp(
        seeded.db_path,
        poll_interval=5,
        form_defaults=SessionRequest(**{**SCRIPTED, "therapist": "scripted/nobody"}),
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_live(pilot, app)
        form = screen.query_one(SessionForm)
        form.query_one("#f-max-turns").value = "0"
        await pilot.press("ctrl+r")
        problems = screen.query_one("#f-problems")
        await wait_for(pilot, lambda: "error:" in shown(problems), what="problems")
        assert "max turns: 0 is outside 1..200" in shown(problems)
        form.query_one("#f-max-turns").value = "2"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "scripted/nobody" in shown(problems), what="model problem")
        assert form.display and screen.session_id is None  # nothing started

        form.query_one("#f-therapist").value = "scripted/adherent"
        assert form.request().judge  # judging is on by default
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.phase == "ended", what="session and judging")
        assert not shown(problems)
        scores = screen.query_one(ScoresPanel)
        assert scores.scores, "the scripted judge panel scored the session"
        assert "protocol_fidelity" in {s.metric for s in scores.scores}
        assert all(s.median is None or 0.0 <= s.median <= 1.0 for s in scores.scores)
        assert len(scores.panel) == 1  # PATIENTSIM_JUDGES=scripted/judge: one judge


@pytest.fixture
def slow_endpoint(monkeypatch):
    """A therapist endpoint that takes 0.3 s per reply: 14 exchanges outlast the key presses
    below (about 3 s) even on a loaded machine, so the stop always lands mid-session."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    with LoopbackServer(LoopbackConfig(seed=1, latency=FixedLatency(seconds=0.3))) as server:
        yield server.base_url


def slow_request(api_base: str, max_turns: int) -> SessionRequest:
    return SessionRequest(
        therapist="openai/slow-therapist",
        patient="scripted/patient",
        tracker="scripted/tracker",
        api_base=api_base,
        max_turns=str(max_turns),
        judge=False,
    )


async def test_keys_answer_promptly_while_a_session_runs_and_stop_then_resume(
    seeded, slow_endpoint
):
    app = PatientsimApp(
        seeded.db_path, poll_interval=0.2, form_defaults=slow_request(slow_endpoint, 14)
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_live(pilot, app)
        await pilot.press("ctrl+r")
        transcript = screen.query_one(Transcript)
        await wait_for(pilot, lambda: len(transcript.turns) >= 4, what="the session to stream")
        latencies = []
        for _ in range(5):
            assert screen.phase == "running", screen.status
            latencies.append(await _answer_time(app, "question_mark", "?", HelpScreen))
            await pilot.pause(0.3)  # let the help text draw, then close it
            await _answer_time(app, "escape", "\x1b", LiveScreen)
            await pilot.pause(0.1)
        assert statistics.median(latencies) < 0.1, f"key latencies {latencies}"
        assert max(latencies) < 1.0, f"the UI froze: key latencies {latencies}"

        await pilot.press("x")
        await wait_for(pilot, lambda: screen.phase == "ended", what="the stop")
        status, stored = _stored(seeded.db_path, screen.session_id)
        assert status == "stopped" and 4 <= stored < 28
        assert "stopped" in screen.status
        assert all(view.complete for view in transcript.turns.values())
        await pilot.press("R")
        await wait_for(pilot, lambda: screen.phase == "running", what="the resume")
        await wait_for(pilot, lambda: screen.phase == "ended", timeout=40, what="the end")
        assert _stored(seeded.db_path, screen.session_id) == ("done", 28)
        assert sorted(transcript.turns) == list(range(28))


async def test_runs_screen_R_resumes_a_stopped_session_live(seeded):
    stopped = seeded.ids["stopped"]
    assert _stored(seeded.db_path, stopped) == ("stopped", 3)
    app = PatientsimApp(seeded.db_path, poll_interval=0.2)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#sessions-table")
        await wait_for(pilot, lambda: table.row_count == 12, what="the runs table")
        table.move_cursor(row=table.get_row_index(stopped))
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, LiveScreen), what="the live screen")
        screen = app.screen
        await wait_for(pilot, lambda: screen.phase == "ended", what="the resumed session's end")
        assert screen.session_id == stopped
        assert _stored(seeded.db_path, stopped) == ("done", 12)
        assert sorted(screen.query_one(Transcript).turns) == list(range(12))
