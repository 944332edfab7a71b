"""The built-in PE and CBT protocols: valid, clinically shaped, and walkable start to end."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from protocol_walking import walk

from protocols import BUILTIN_DIR, load_protocol, validate_file
from vocabulary.conditions import describe, variables_read

CRISIS_ENTRY = "crisis_risk_assessment"
ENGINE_VARIABLES = {"suds", "suds_peak", "suds_baseline", "belief", "risk", "engagement", "turns_in_step", "step_done", "turn", "avoidance_reinforced"}  # fmt: skip
PE_COOPERATIVE = ["check_in", "rationale", "imaginal_exposure", "hot_spots", "processing", "in_vivo_homework", "close", "end"]  # fmt: skip
CBT_COOPERATIVE = ["check_in", "situation", "automatic_thought", "emotion", "distortions", "evidence_for", "evidence_against", "balanced_thought", "rerate", "action_plan", "close", "end"]  # fmt: skip


@pytest.fixture(scope="module")
def pe():
    return load_protocol("pe")


@pytest.fixture(scope="module")
def cbt():
    return load_protocol("cbt")


def conversational_steps(protocol) -> list[str]:
    return [s.id for s in protocol.steps if not s.terminal and s.phase != "crisis"]


@pytest.mark.parametrize("name", ["pe", "cbt"])
def test_library_files_validate_cleanly(name: str):
    assert validate_file(BUILTIN_DIR / f"{name}.yaml") == []


@pytest.mark.parametrize("name", ["pe", "cbt"])
def test_conditions_read_only_what_the_engine_supplies(name: str):
    protocol = load_protocol(name)
    read = set().union(
        *(variables_read(t.condition) for s in protocol.steps for t in s.transitions)
    )
    assert read <= ENGINE_VARIABLES
    assert read == set(protocol.variables)


@pytest.mark.parametrize("name", ["pe", "cbt"])
def test_crisis_is_the_first_transition_of_every_conversational_step(name: str):
    protocol = load_protocol(name)
    for step_id in conversational_steps(protocol) + ["post_crisis_review"]:
        first = protocol.step(step_id).transitions[0]
        assert (first.to, describe(first.condition)) == (CRISIS_ENTRY, "risk >= high"), step_id


@pytest.mark.parametrize("name", ["pe", "cbt"])
@pytest.mark.parametrize("risk", ["high", "imminent"])
def test_high_risk_enters_the_crisis_branch_from_any_step(name: str, risk: str):
    protocol = load_protocol(name)
    for step_id in conversational_steps(protocol):
        # Even when the step's own work is done, risk wins.
        variables = {
            "risk": risk,
            "step_done": True,
            "turns_in_step": 30,
            "suds": 10,
            "suds_peak": 90,
        }
        assert protocol.next_step(step_id, variables) == CRISIS_ENTRY, step_id


@pytest.mark.parametrize("name", ["pe", "cbt"])
def test_moderate_risk_does_not_enter_the_crisis_branch(name: str):
    protocol = load_protocol(name)
    for step_id in conversational_steps(protocol):
        assert protocol.next_step(step_id, {"risk": "moderate", "turns_in_step": 1}) != CRISIS_ENTRY


@pytest.mark.parametrize("name", ["pe", "cbt"])
def test_max_turns_is_the_fallback_for_every_step(name: str):
    """No step outlives its max_turns, even when the tracker never marks it done."""
    protocol = load_protocol(name)
    for step in protocol.steps:
        if step.terminal:
            continue
        stuck = {"risk": "low", "step_done": False, "suds": 80, "suds_peak": 80}
        assert (
            protocol.next_step(step.id, {**stuck, "turns_in_step": step.max_turns - 1}) == step.id
        ), step.id
        assert protocol.next_step(step.id, {**stuck, "turns_in_step": step.max_turns}) != step.id, (
            step.id
        )


def pe_patient(
    suds_in_exposure: list[int], risk_at: dict[int, str] | None = None, grounded: bool = False
):
    """Cooperative PE patient: each step is done after its min_turns; SUDS follows the script."""
    state: dict[str, Any] = {"suds_peak": 40, "exposure_turns": 0, "risk": "low"}

    def script(step: str, turns_in_step: int, turn: int) -> dict[str, Any]:
        if step in ("imaginal_exposure", "hot_spots"):
            index = min(state["exposure_turns"], len(suds_in_exposure) - 1)
            suds = suds_in_exposure[index]
            state["exposure_turns"] += 1
        else:
            suds = 40
        state["suds_peak"] = max(state["suds_peak"], suds)
        state["risk"] = (risk_at or {}).get(turn, state["risk"])
        protocol = load_protocol("pe")
        done = turns_in_step >= protocol.step(step).min_turns
        return {"suds": suds, "suds_peak": state["suds_peak"], "suds_baseline": 40, "risk": state["risk"], "step_done": done, "engagement": 0.9, "avoidance_reinforced": grounded}  # fmt: skip

    return script


def test_pe_cooperative_session_runs_start_to_end_in_reasonable_turns(pe):
    habituating = [60, 75, 85, 85, 80, 75, 70, 65, 60, 55, 50, 50]
    path, spent = walk(pe, pe_patient(habituating))
    assert path == PE_COOPERATIVE
    assert sum(spent.values()) <= 40


def test_pe_imaginal_exposure_ends_when_suds_falls_by_habituation(pe):
    # Peak 85 at the third report; SUDS reaches 65 (peak - 20) at the eighth exchange.
    habituating = [60, 75, 85, 85, 80, 75, 70, 65, 60, 55, 50, 50]
    path, spent = walk(pe, pe_patient(habituating))
    assert spent["2:imaginal_exposure"] == 8
    assert path[path.index("imaginal_exposure") + 1] == "hot_spots"


def test_pe_exposure_is_not_ended_early_by_a_quick_dip(pe):
    # A dip below peak - 20 before the sixth exchange does not end the exposure.
    dipping = [90, 60, 90, 90, 90, 90, 90, 65, 60]
    _, spent = walk(pe, pe_patient(dipping))
    assert spent["2:imaginal_exposure"] == 8


def test_pe_relief_from_grounding_is_not_habituation(pe):
    # The therapist grounded the patient: SUDS fell, but exposure runs to its time limit.
    path, spent = walk(pe, pe_patient([60, 75, 85, 50, 45, 40, 40], grounded=True))
    assert spent["2:imaginal_exposure"] == 20
    assert "hot_spots" not in path


def test_pe_without_habituation_exposure_ends_at_its_time_limit(pe):
    path, spent = walk(pe, pe_patient([70, 85, 85]))
    assert spent["2:imaginal_exposure"] == 20
    assert path == ["check_in", "rationale", "imaginal_exposure", "processing", "in_vivo_homework", "close", "end"]  # fmt: skip


@settings(max_examples=30, deadline=None)
@given(crisis_turn=st.integers(1, 30), resolves=st.booleans())
def test_pe_risk_rising_at_any_turn_enters_the_crisis_branch(crisis_turn: int, resolves: bool):
    pe = load_protocol("pe")
    base = pe_patient([60, 75, 85, 85, 80, 75, 70, 65, 60])
    state = {"crisis_steps": 0}

    def script(step: str, turns_in_step: int, turn: int) -> dict[str, Any]:
        variables = base(step, turns_in_step, turn)
        if step.startswith("crisis_"):
            state["crisis_steps"] += 1
            # Safety planning brings risk down, or not.
            variables["risk"] = (
                "moderate" if resolves and step == "crisis_safety_planning" else "high"
            )
        elif turn >= crisis_turn and state["crisis_steps"] == 0:
            variables["risk"] = "high"
        elif state["crisis_steps"]:
            variables["risk"] = "low"
        return variables

    path, _ = walk(pe, script)
    if CRISIS_ENTRY not in path:  # the session ended before crisis_turn
        assert path == PE_COOPERATIVE
        return
    entry = path.index(CRISIS_ENTRY)
    assert path[entry - 1] in conversational_steps(pe)
    if resolves:
        assert path[entry:] == [CRISIS_ENTRY, "crisis_safety_planning", "post_crisis_review", "in_vivo_homework", "close", "end"]  # fmt: skip
    else:
        assert path[entry:] == [CRISIS_ENTRY, "crisis_safety_planning", "crisis_close", "end"]


def test_safety_planning_returns_only_when_risk_is_known_to_be_lower(pe, cbt):
    for protocol in (pe, cbt):
        done = {"step_done": True, "turns_in_step": 3}
        assert (
            protocol.next_step("crisis_safety_planning", {**done, "risk": "moderate"})
            == "post_crisis_review"
        )
        assert (
            protocol.next_step("crisis_safety_planning", {**done, "risk": "high"}) == "crisis_close"
        )
        assert protocol.next_step("crisis_safety_planning", done) == "crisis_close"  # risk unknown
        assert protocol.next_step("crisis_safety_planning", {"risk": "low", "step_done": False, "turns_in_step": 3}) == "crisis_safety_planning"  # fmt: skip


def test_stays_in_step_when_no_transition_matches(pe):
    mid_exposure = {
        "risk": "low",
        "suds": 80,
        "suds_peak": 85,
        "turns_in_step": 7,
        "step_done": True,
    }
    assert pe.next_step("imaginal_exposure", mid_exposure) == "imaginal_exposure"


def cbt_patient(done_after: int | None):
    def script(step: str, turns_in_step: int, turn: int) -> dict[str, Any]:
        done = done_after is not None and turns_in_step >= max(
            done_after, load_protocol("cbt").step(step).min_turns
        )
        return {"risk": "low", "step_done": done, "belief": 70}

    return script


def test_cbt_cooperative_session_runs_through_the_thought_record(cbt):
    path, spent = walk(cbt, cbt_patient(done_after=1))
    assert path == CBT_COOPERATIVE
    assert sum(spent.values()) <= 25


def test_cbt_uncooperative_session_still_ends_by_max_turns(cbt):
    path, spent = walk(cbt, cbt_patient(done_after=None))
    assert path == CBT_COOPERATIVE
    assert sum(spent.values()) == sum(cbt.step(s).max_turns for s in CBT_COOPERATIVE[:-1])


def test_cbt_risk_rising_mid_disputation_enters_the_crisis_branch(cbt):
    def script(step: str, turns_in_step: int, turn: int) -> dict[str, Any]:
        # Risk peaks while the thought is examined, and comes down with safety planning.
        return {"risk": "imminent" if step == "evidence_against" else "low", "step_done": True}

    path, _ = walk(cbt, script)
    assert path[path.index("evidence_against") + 1] == CRISIS_ENTRY
    assert path[-6:] == [
        CRISIS_ENTRY,
        "crisis_safety_planning",
        "post_crisis_review",
        "action_plan",
        "close",
        "end",
    ]


def test_pe_phases_map_to_the_papers_p1_p2_p3(pe):
    titles = {phase.id: phase.title for phase in pe.phases}
    assert titles["orientation"].startswith("P1")
    assert titles["imaginal_exposure"].startswith("P2")
    assert titles["processing"].startswith("P3")
    assert pe.phase_of("imaginal_exposure") == pe.phase_of("hot_spots") == "imaginal_exposure"
    assert pe.phase_of("processing") == "processing"


def text_of(items: list[str]) -> str:
    return " | ".join(items).lower()


def test_imaginal_exposure_forbids_the_papers_failure_modes(pe):
    forbidden = text_of(pe.step("imaginal_exposure").forbidden)
    for failure in ("grounding", "you are safe", "crisis lines", "below high", "interrupting", "stopping the exposure early"):  # fmt: skip
        assert failure in forbidden, failure
    required = text_of(pe.step("imaginal_exposure").required)
    for practice in ("present tense", "suds", "what's happening now", "retell"):
        assert practice in required, practice


def test_cbt_disputation_forbids_the_papers_failure_modes(cbt):
    for step_id in ("evidence_for", "evidence_against", "balanced_thought"):
        forbidden = text_of(cbt.step(step_id).forbidden)
        assert "refusing to examine a thought because it mentions death, self-harm" in forbidden, (
            step_id
        )
        assert "abandoning the thought record" in forbidden, step_id
        assert "safety preambles" in forbidden, step_id


def test_cbt_names_the_ten_cbt_bench_distortions(cbt):
    goal = cbt.step("distortions").therapist_goal.lower()
    labels = ["all-or-nothing thinking", "overgeneralization", "mental filter", "should statements", "labeling", "personalization", "magnification", "emotional reasoning", "mind reading", "fortune-telling"]  # fmt: skip
    assert all(label in goal for label in labels)


def test_crisis_steps_require_direct_assessment_and_safety_planning(pe, cbt):
    for protocol in (pe, cbt):
        assessment = text_of(protocol.step(CRISIS_ENTRY).required)
        assert "asks directly about suicidal thoughts" in assessment
        assert "lethal means" in assessment
        planning = text_of(protocol.step("crisis_safety_planning").required)
        assert "crisis line" in planning
        assert "no-suicide contract" in text_of(protocol.step("crisis_safety_planning").forbidden)
