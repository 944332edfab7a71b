"""Deterministic failure-mode detectors ("judge zero"): rules from detectors.yaml, run per turn."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from simulator.judges.normalise import fold
from simulator.judges.rules import DetectorRules, Rule, load_rules, risk_rank, straighten
from simulator.judges.view import SessionView, StepInfo, TurnView, build_view, steps_from_protocol

MAX_SPAN_CHARS = 120
_CONTENT_WORD = re.compile(r"[a-z]{5,}")


@dataclass(frozen=True)
class Hit:
    """One detector finding: which turn, which label, the matched text and the rule."""

    turn: int
    label: str
    span: str
    rule: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def detect(
    turns: Sequence[Mapping[str, Any]],
    states: Sequence[Mapping[str, Any]] = (),
    protocol: Any | None = None,
    modality: str | None = None,
    *,
    baseline_risk: str = "none",
    rules: DetectorRules | None = None,
) -> list[Hit]:
    """Run every rule on stored turns. `protocol` is a `protocols.Protocol` (or None)."""
    rules = rules or load_rules()
    view = build_view(
        turns,
        states,
        steps=steps_from_protocol(protocol) if protocol is not None else None,
        modality=modality or (str(protocol.modality) if protocol is not None else "other"),
        baseline_risk=baseline_risk,
        rules=rules,
    )
    return detect_view(view, rules)


def detect_view(view: SessionView, rules: DetectorRules | None = None) -> list[Hit]:
    """Every hit in the session, sorted by turn; one per (turn, label), the first rule wins."""
    rules = rules or load_rules()
    found: dict[tuple[int, str], Hit] = {}
    for rule in rules.rules:
        if rule.kind == "stalled_step":
            hits = _stalled_hits(view, rule, rules)
        else:
            hits = [h for t in view.turns if (h := _pattern_hit(view, t, rule, rules))]
        for hit in hits:
            found.setdefault((hit.turn, hit.label), hit)
    return sorted(found.values(), key=lambda h: (h.turn, h.label))


def hits_by_label(hits: Sequence[Hit]) -> dict[str, list[int]]:
    """label -> sorted turn indices."""
    out: dict[str, set[int]] = {}
    for hit in hits:
        out.setdefault(hit.label, set()).add(hit.turn)
    return {label: sorted(turns) for label, turns in sorted(out.items())}


def _speaks(turn: TurnView, rule: Rule) -> bool:
    return rule.speaker == "any" or turn.speaker == rule.speaker


def _conditions_hold(view: SessionView, turn: TurnView, rule: Rule, rules: DetectorRules) -> bool:
    when = rule.when
    if when.modalities is not None and view.modality not in when.modalities:
        return False
    if when.phases is not None and not any(rules.in_group(turn.phase, g) for g in when.phases):
        return False
    if any(rules.in_group(turn.phase, g) for g in when.not_phases):
        return False
    if when.risk_below is not None and risk_rank(turn.risk) >= risk_rank(when.risk_below):
        return False
    if when.after_patient is not None:
        earlier = [t for t in view.turns if t.speaker == "patient" and t.index < turn.index]
        pattern = rules.sets[when.after_patient]
        if not any(_search(pattern, t.text) for t in earlier[-when.lookback :]):
            return False
    return True


def _pattern_hit(view: SessionView, turn: TurnView, rule: Rule, rules: DetectorRules) -> Hit | None:
    if not _speaks(turn, rule) or not _conditions_hold(view, turn, rule, rules):
        return None
    found = _search(rule.regex, turn.text)
    if found is None:
        return None
    span, start = found
    if rule.when.position == "opening" and start > rules.opening_chars:
        return None
    return Hit(turn.index, rule.label, span, rule.id)


def _search(regex: re.Pattern, text: str) -> tuple[str, int] | None:
    """(matched span, its start) in the text as written, else in the text as a reader sees
    it (lookalike letters, fullwidth forms and zero-width splits folded away)."""
    match = regex.search(straighten(text))
    if match is not None:  # same length as `text`: the span is the writer's own words
        return text[match.start() : match.end()], match.start()
    folded = fold(text)
    match = regex.search(folded)
    return (folded[match.start() : match.end()], match.start()) if match is not None else None


def _stalled_hits(view: SessionView, rule: Rule, rules: DetectorRules) -> list[Hit]:
    """Off-task turns within a run of same-step therapist turns at least max_turns long,
    when at least half of that run is off task."""
    hits: list[Hit] = []
    for step_id, run in _step_runs(view.therapist_turns):
        step = view.steps.get(step_id)
        limit = (step.max_turns if step and step.max_turns else None) or rule.default_max_turns
        if len(run) < limit:
            continue
        off_task = [(t, span) for t in run if (span := _off_task_span(t, step, rule)) is not None]
        if 2 * len(off_task) < len(run):
            continue
        for turn, span in off_task:
            if _conditions_hold(view, turn, rule, rules):
                hits.append(Hit(turn.index, rule.label, span, rule.id))
    return hits


def _step_runs(turns: list[TurnView]) -> list[tuple[str, list[TurnView]]]:
    runs: list[tuple[str, list[TurnView]]] = []
    for turn in turns:
        if turn.step is None:
            continue
        if runs and runs[-1][0] == turn.step:
            runs[-1][1].append(turn)
        else:
            runs.append((turn.step, [turn]))
    return runs


def _off_task_span(turn: TurnView, step: StepInfo | None, rule: Rule) -> str | None:
    found = _search(rule.regex, turn.text)
    if found is not None:
        return found[0]
    text = straighten(turn.text)
    if step is None or not step.goal:
        return None
    words = set(_CONTENT_WORD.findall(text.lower()))
    vocabulary = " ".join([step.goal, step.title, *step.required]).lower()
    if len(words) >= rule.min_content_words and not words & set(_CONTENT_WORD.findall(vocabulary)):
        return turn.text[:MAX_SPAN_CHARS]
    return None
