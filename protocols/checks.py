"""Checks beyond the schema: ids, transitions, conditions and the shape of the step graph.

They read the raw document, so that they still run (and report) when parts of it fail the
schema: every problem is reported at once.
"""

from __future__ import annotations

import difflib
from typing import Any

from protocols.schema_errors import where
from vocabulary.conditions import compile_condition
from vocabulary.issues import Issue, Path
from vocabulary.variables import session_variables


def structure_issues(data: dict[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    steps = _steps(data)
    ids = _step_ids(steps, data, issues)
    allowed = _declared_variables(data, issues)
    phases = _phase_ids(data, issues)
    for index, step in steps:
        _check_step(index, step, ids, allowed, phases, data, issues)
    issues.extend(_graph_issues(data, steps, ids))
    return issues


def _steps(data: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    raw = data.get("steps")
    if not isinstance(raw, list):
        return []
    return [(index, step) for index, step in enumerate(raw) if isinstance(step, dict)]


def _step_ids(
    steps: list[tuple[int, dict[str, Any]]], data: dict[str, Any], issues: list[Issue]
) -> dict[str, int]:
    """Step id -> index of its first definition; duplicates are reported."""
    ids: dict[str, int] = {}
    for index, step in steps:
        step_id = step.get("id")
        if not isinstance(step_id, str):
            continue
        if step_id in ids:
            first = ids[step_id]
            issues.append(
                Issue(
                    ("steps", index, "id"),
                    f"duplicate step id '{step_id}' (also used by steps[{first}])",
                )
            )
            continue
        ids[step_id] = index
    return ids


def _declared_variables(data: dict[str, Any], issues: list[Issue]) -> set[str] | None:
    raw = data.get("variables", [])
    if not isinstance(raw, list):
        return None  # the schema check reports it
    known = session_variables()
    declared: set[str] = set()
    for index, name in enumerate(raw):
        if not isinstance(name, str):
            continue
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(known)})"
            issues.append(
                Issue(("variables", index), f"variables: unknown variable '{name}'{hint}")
            )
        elif name in declared:
            issues.append(Issue(("variables", index), f"variables: '{name}' is listed twice"))
        declared.add(name)
    return declared


def _phase_ids(data: dict[str, Any], issues: list[Issue]) -> set[str] | None:
    raw = data.get("phases")
    if not isinstance(raw, list) or not raw:
        return None  # phases are optional; when absent any phase label is accepted
    seen: set[str] = set()
    for index, phase in enumerate(raw):
        phase_id = phase.get("id") if isinstance(phase, dict) else None
        if isinstance(phase_id, str):
            if phase_id in seen:
                issues.append(Issue(("phases", index, "id"), f"duplicate phase id '{phase_id}'"))
            seen.add(phase_id)
    return seen


def _check_step(
    index: int,
    step: dict[str, Any],
    ids: dict[str, int],
    allowed: set[str] | None,
    phases: set[str] | None,
    data: dict[str, Any],
    issues: list[Issue],
) -> None:
    here: Path = ("steps", index)
    name = where(here, data)
    raw_transitions = step.get("transitions", [])
    transitions = raw_transitions if isinstance(raw_transitions, list) else []
    terminal = step.get("terminal") is True

    phase = step.get("phase")
    if phases is not None and isinstance(phase, str) and phase not in phases:
        issues.append(
            Issue(
                here + ("phase",),
                f"{name}: phase '{phase}' is not one of the protocol's phases ({', '.join(sorted(phases))})",
            )
        )
    low, high = step.get("min_turns"), step.get("max_turns")
    if isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool) and low > high:
        issues.append(
            Issue(
                here + ("min_turns",),
                f"{name}: min_turns ({low}) is greater than max_turns ({high})",
            )
        )

    if terminal and transitions:
        issues.append(
            Issue(
                here + ("transitions",),
                f"{name}: a terminal step has no outgoing transitions; remove them or set terminal: false",
            )
        )
    if not terminal and raw_transitions == []:
        issues.append(
            Issue(
                here + ("id",) if "id" in step else here,
                f"{name}: has no transitions and is not terminal; add a transition or set terminal: true",
            )
        )

    targets: dict[str, int] = {}
    for position, transition in enumerate(transitions):
        if not isinstance(transition, dict):
            continue
        at = here + ("transitions", position)
        target = transition.get("to")
        if isinstance(target, str):
            if target not in ids:
                close = difflib.get_close_matches(target, list(ids), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                issues.append(
                    Issue(at + ("to",), f"{name}: transition to unknown step '{target}'{hint}")
                )
            elif target in targets:
                issues.append(
                    Issue(
                        at + ("to",),
                        f"{name}: transitions[{targets[target]}] already goes to '{target}'; "
                        f"combine their conditions with `any`",
                    )
                )
            else:
                targets[target] = position
        if transition.get("when") is not None:
            _, problems = compile_condition(transition["when"], at + ("when",), allowed)
            for problem in problems:
                issues.append(Issue(problem.path, f"{name}: condition: {problem.message}"))


def _graph_issues(
    data: dict[str, Any], steps: list[tuple[int, dict[str, Any]]], ids: dict[str, int]
) -> list[Issue]:
    issues: list[Issue] = []
    start = data.get("start")
    if isinstance(start, str) and ids and start not in ids:
        close = difflib.get_close_matches(start, list(ids), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"steps: {', '.join(ids)}"
        issues.append(Issue(("start",), f"start step '{start}' is not defined ({hint})"))
    if not isinstance(start, str) or start not in ids:
        return issues  # without a start there is nothing to walk from

    successors: dict[str, set[str]] = {step_id: set() for step_id in ids}
    terminals: set[str] = set()
    for index, step in steps:
        step_id = step.get("id")
        if not isinstance(step_id, str) or ids.get(step_id) != index:
            continue
        if step.get("terminal") is True:
            terminals.add(step_id)
        transitions = step.get("transitions", [])
        for transition in transitions if isinstance(transitions, list) else []:
            target = transition.get("to") if isinstance(transition, dict) else None
            if isinstance(target, str) and target in ids:
                successors[step_id].add(target)

    reachable = _closure({start}, successors)
    for step_id, index in ids.items():
        if step_id not in reachable:
            issues.append(
                Issue(
                    ("steps", index, "id"),
                    f"step '{step_id}' is unreachable: no path leads to it from start step '{start}'",
                )
            )
    if not terminals:
        issues.append(
            Issue(
                ("steps",),
                "no step is terminal; mark the step(s) where the session ends with terminal: true",
            )
        )
        return issues
    predecessors: dict[str, set[str]] = {step_id: set() for step_id in ids}
    for step_id, targets in successors.items():
        for target in targets:
            predecessors[target].add(step_id)
    can_finish = _closure(terminals, predecessors)
    for step_id in sorted(reachable - can_finish, key=ids.__getitem__):
        if not successors[step_id]:
            continue  # already reported: no transitions, or only to unknown steps
        issues.append(
            Issue(
                ("steps", ids[step_id], "id"),
                f"step '{step_id}' has no path to a terminal step (a trap: once there the session can never end)",
            )
        )
    return issues


def _closure(starts: set[str], edges: dict[str, set[str]]) -> set[str]:
    """Every step reachable from `starts` along `edges`, the starts included. (A plain walk:
    validation runs at every session start, and importing networkx costs ~0.2 s.)"""
    seen = set(starts)
    frontier = list(starts)
    while frontier:
        for target in edges[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen
