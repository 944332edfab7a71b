"""Property tests: random valid graphs pass; random mutations are caught with the right message."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols import (
    ProtocolError,
    build_graph,
    from_node_link,
    protocol_from_data,
    session_variables,
    to_node_link,
    validate_file,
)

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
VARIABLES = session_variables()
STEP_IDS = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)


@st.composite
def comparisons(draw) -> str:
    spec = draw(st.sampled_from(list(VARIABLES.values())))
    if spec.type == "boolean":
        return draw(st.sampled_from([spec.name, f"not {spec.name}", f"{spec.name} == false"]))
    op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
    if spec.type == "level":
        return f"{spec.name} {op} {draw(st.sampled_from(spec.levels))}"
    if spec.max is not None and spec.max <= 1:
        return f"{spec.name} {op} {draw(st.sampled_from([0, 0.25, 0.5, 1]))}"
    if draw(st.booleans()):
        other = draw(st.sampled_from([v.name for v in VARIABLES.values() if v.is_numeric]))
        return f"{spec.name} {op} {other} - {draw(st.integers(0, 30))}"
    high = int(spec.max) if spec.max is not None else 50
    return f"{spec.name} {op} {draw(st.integers(int(spec.min or 0), high))}"


CONDITIONS = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda item: {"not": item}, inner),
    ),
    max_leaves=5,
)


@st.composite
def protocols(draw) -> dict[str, Any]:
    """A valid protocol: a chain start -> ... -> terminal guarantees reachability and an exit;
    extra conditional transitions (backwards, forwards, self-loops) are layered on top."""
    ids = draw(st.lists(STEP_IDS, min_size=2, max_size=8, unique=True))
    steps = []
    for index, step_id in enumerate(ids):
        step: dict[str, Any] = {
            "id": step_id,
            "title": f"Step {index}",
            "phase": draw(st.sampled_from(["opening", "work", "closing"])),
            "therapist_goal": "Do this step's work.",
            "patient_context": "Take part.",
        }
        if index == len(ids) - 1:
            step["terminal"] = True
        else:
            extra = draw(st.lists(st.sampled_from(ids), unique=True, max_size=3))
            transitions = [
                {"to": t, "when": draw(CONDITIONS)} for t in extra if t != ids[index + 1]
            ]
            chain: dict[str, Any] = {"to": ids[index + 1]}
            if draw(st.booleans()):
                chain["when"] = draw(CONDITIONS)
            transitions.insert(draw(st.integers(0, len(transitions))), chain)
            step["transitions"] = transitions
        steps.append(step)
    start = ids[0]
    order = draw(st.permutations(steps))
    return {
        "id": "generated",
        "name": "Generated protocol",
        "version": "1",
        "modality": "other",
        "description": "Randomly generated for a property test.",
        "start": start,
        "variables": list(VARIABLES),
        "steps": list(order),
    }


def problems_of(data: dict[str, Any]) -> list[str]:
    try:
        protocol_from_data(data)
    except ProtocolError as error:
        return error.problems
    return []


@SETTINGS
@given(data=protocols())
def test_random_valid_graphs_pass(data: dict[str, Any]):
    protocol = protocol_from_data(data)
    assert set(build_graph(protocol).nodes) == {step["id"] for step in data["steps"]}
    assert build_graph(protocol).number_of_edges() == sum(
        len(s.get("transitions", [])) for s in data["steps"]
    )


@SETTINGS
@given(data=protocols(), values=st.fixed_dictionaries({"suds": st.integers(0, 100), "suds_peak": st.integers(0, 100), "risk": st.sampled_from(["none", "low", "moderate", "high", "imminent"]), "step_done": st.booleans(), "turns_in_step": st.integers(0, 30)}))  # fmt: skip
def test_walk_goes_to_a_transition_target_or_stays(data: dict[str, Any], values: dict[str, Any]):
    protocol = protocol_from_data(data)
    for step in protocol.steps:
        following = protocol.next_step(step.id, values)
        assert following == step.id or following in {t.to for t in step.transitions}
        matched = protocol.matching_transition(step.id, values)
        if matched is not None:
            assert following == matched.to
            earlier = step.transitions[: step.transitions.index(matched)]
            assert not any(t.applies(values) for t in earlier)  # first match wins


def non_terminal(data: dict[str, Any], pick: int) -> dict[str, Any]:
    candidates = [s for s in data["steps"] if not s.get("terminal")]
    return candidates[pick % len(candidates)]


@SETTINGS
@given(data=protocols(), pick=st.integers(0, 100))
def test_a_dangling_edge_is_caught(data: dict[str, Any], pick: int):
    mutated = copy.deepcopy(data)
    step = non_terminal(mutated, pick)
    step["transitions"].append({"to": "ghost_step", "when": "step_done"})
    assert f"<data>: step '{step['id']}': transition to unknown step 'ghost_step'" in problems_of(
        mutated
    )


@SETTINGS
@given(data=protocols())
def test_a_removed_terminal_is_caught(data: dict[str, Any]):
    mutated = copy.deepcopy(data)
    terminal = next(s for s in mutated["steps"] if s.get("terminal"))
    terminal["terminal"] = False
    problems = problems_of(mutated)
    assert (
        "<data>: no step is terminal; mark the step(s) where the session ends with terminal: true"
        in problems
    )
    assert f"<data>: step '{terminal['id']}': has no transitions and is not terminal; add a transition or set terminal: true" in problems  # fmt: skip


@SETTINGS
@given(data=protocols(), pick=st.integers(0, 100), nest=st.booleans())
def test_an_unknown_variable_is_caught(data: dict[str, Any], pick: int, nest: bool):
    mutated = copy.deepcopy(data)
    step = non_terminal(mutated, pick)
    transition = step["transitions"][pick % len(step["transitions"])]
    transition["when"] = {"all": ["step_done", "bogus_var >= 3"]} if nest else "bogus_var >= 3"
    problems = problems_of(mutated)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"<data>: step '{step['id']}': condition: unknown variable 'bogus_var'"
    )


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=protocols(), pick=st.integers(0, 100))
def test_mutations_in_yaml_files_point_at_their_line(
    tmp_path: Path, data: dict[str, Any], pick: int
):
    mutated = copy.deepcopy(data)
    step = non_terminal(mutated, pick)
    step["transitions"].append({"to": "ghost_step"})
    path = tmp_path / "generated.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert validate_file(path) == []
    text = yaml.safe_dump(mutated, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    line = next(
        n for n, content in enumerate(text.splitlines(), 1) if content.strip() == "- to: ghost_step"
    )
    assert validate_file(path) == [
        f"{path}:{line}: step '{step['id']}': transition to unknown step 'ghost_step'"
    ]


@SETTINGS
@given(data=protocols())
def test_json_export_round_trips(data: dict[str, Any]):
    protocol = protocol_from_data(data)
    exported = json.loads(json.dumps(to_node_link(protocol)))
    again = from_node_link(exported)
    assert again.model_dump() == protocol.model_dump()
    assert again.content_hash == protocol.content_hash


@pytest.mark.parametrize("key", ["nodes", "edges"])
def test_import_rejects_graphs_without_nodes_or_edges(key: str):
    with pytest.raises(
        ProtocolError, match="expected a JSON object with `graph`, `nodes` and `edges`"
    ):
        from_node_link({"graph": {}, "nodes": [], "edges": [], **{key: None}}, "x.json")
