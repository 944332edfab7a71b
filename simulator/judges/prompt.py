"""The judge's prompt: short instructions, then the session as delimited data.

The transcript goes between <transcript> tags, one line per turn:
`[index] Speaker (step ID, phase PHASE, risk LEVEL): text`. Turn text has its whitespace
collapsed and angle brackets replaced, so nothing a speaker says can start a new turn line,
close the block or open another one. `parse_session_data` reads the same structure back
(the scripted judge uses it) and reads nothing else.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from simulator.judges.normalise import fold
from simulator.judges.rubric import Metric, Rubric
from simulator.judges.view import SessionView, StepInfo, TurnView, with_disclosures

SESSION_OPEN, SESSION_CLOSE = "<session>", "</session>"
TRANSCRIPT_OPEN, TRANSCRIPT_CLOSE = "<transcript>", "</transcript>"
PROTOCOL_OPEN, PROTOCOL_CLOSE = "<protocol>", "</protocol>"
GOAL_WORDS = 60  # step goals are long; the start carries the gist and keeps prompts small

_TURN_LINE = re.compile(r"^\[(\d+)\] (Therapist|Patient)(?: \(([^()]*)\))?: (.*)$")
_STEP_LINE = re.compile(
    r"^Step (\S+) \[phase (\S+)(?:, at most (\d+) exchanges)?\]: Goal: (.*?)"
    r"(?: Required: (.*?))?(?: Forbidden: (.*?))?$"
)
_HEADER_LINE = re.compile(r"^(modality|patient risk at start|protocol): (.*)$")


@cache
def _texts() -> dict[str, str]:
    return yaml.safe_load(
        resources.files(__package__).joinpath("prompts.yaml").read_text(encoding="utf-8")
    )


def judge_messages(
    view: SessionView, rubric: Rubric, metrics: list[Metric], *, compact: bool = False
) -> list[dict]:
    """System instructions with the rubric, the session data, and a one-line request."""
    texts = _texts()
    rubric_lines = [_metric_line(m) for m in metrics]
    label_lines = [f"- {f.id}: {f.description}" for f in rubric.failure_modes]
    instructions = texts["instructions"].format(
        answer=texts["answer_compact" if compact else "answer_full"].strip(),
        metrics="\n".join(rubric_lines),
        failure_modes="\n".join(label_lines) or "- (none)",
    )
    return [
        {"role": "system", "content": instructions.strip()},
        {"role": "system", "content": render_session_data(view)},
        {"role": "user", "content": texts["request"].strip()},
    ]


def _metric_line(metric: Metric) -> str:
    anchors = "; ".join(
        f"{a.score:g} = {a.text}" for a in sorted(metric.anchors, key=lambda a: -a.score)
    )
    return f"- {metric.id}: {metric.question} ({anchors})"


def clean(text: str) -> str:
    """One line, no angle brackets (fullwidth and other lookalike forms folded first): turn
    text can never break the delimited structure."""
    return " ".join(fold(str(text)).split()).replace("<", "\u2039").replace(">", "\u203a")


def render_session_data(view: SessionView) -> str:
    lines = [SESSION_OPEN, f"modality: {view.modality}"]
    if view.protocol_name:
        lines.append(f"protocol: {clean(view.protocol_name)}")
    lines.append(f"patient risk at start: {view.baseline_risk}")
    seen_steps = list(dict.fromkeys(t.step for t in view.turns if t.step in view.steps))
    if seen_steps:
        lines.append(PROTOCOL_OPEN)
        lines.extend(_step_line(view.steps[s]) for s in seen_steps)
        lines.append(PROTOCOL_CLOSE)
    lines.append(TRANSCRIPT_OPEN)
    lines.extend(_turn_line(t) for t in view.turns)
    lines.append(TRANSCRIPT_CLOSE)
    lines.append(SESSION_CLOSE)
    return "\n".join(lines)


def _step_line(step: StepInfo) -> str:
    limit = f", at most {step.max_turns} exchanges" if step.max_turns else ""
    words = clean(step.goal).split()
    goal = " ".join(words[:GOAL_WORDS]) + (" ..." if len(words) > GOAL_WORDS else "")
    line = f"Step {step.id} [phase {step.phase}{limit}]: Goal: {goal}"
    if step.required:
        line += " Required: " + "; ".join(clean(r) for r in step.required) + "."
    if step.forbidden:
        line += " Forbidden: " + "; ".join(clean(f) for f in step.forbidden) + "."
    return line


def _turn_line(turn: TurnView) -> str:
    notes = []
    if turn.step:
        notes.append(f"step {turn.step}")
    if turn.phase:
        notes.append(f"phase {turn.phase}")
    notes.append(f"risk {turn.risk}")
    return f"[{turn.index}] {turn.speaker.title()} ({', '.join(notes)}): {clean(turn.text)}"


def parse_session_data(text: str) -> SessionView | None:
    """Read back the first <session> block in `text`; None if there is none."""
    start = text.find(SESSION_OPEN)
    end = text.find(SESSION_CLOSE, start + 1)
    if start < 0 or end < 0:
        return None
    header: dict[str, str] = {}
    steps: dict[str, StepInfo] = {}
    turns: list[TurnView] = []
    block = None
    for line in text[start + len(SESSION_OPEN) : end].splitlines():
        if line in (TRANSCRIPT_OPEN, PROTOCOL_OPEN):
            block = line
        elif line in (TRANSCRIPT_CLOSE, PROTOCOL_CLOSE):
            block = None
        elif block == TRANSCRIPT_OPEN and (m := _TURN_LINE.match(line)):
            turns.append(_parse_turn(m))
        elif block == PROTOCOL_OPEN and (m := _STEP_LINE.match(line)):
            steps[m[1]] = StepInfo(
                id=m[1],
                phase=m[2],
                goal=m[4],
                max_turns=int(m[3]) if m[3] else None,
                required=tuple(r for r in (m[5] or "").rstrip(".").split("; ") if r),
                forbidden=tuple(f for f in (m[6] or "").rstrip(".").split("; ") if f),
            )
        elif block is None and (m := _HEADER_LINE.match(line)):
            header[m[1]] = m[2]
    return SessionView(
        modality=header.get("modality", "other"),
        turns=with_disclosures(turns),
        steps=steps,
        baseline_risk=header.get("patient risk at start", "none"),
        protocol_name=header.get("protocol"),
    )


def _parse_turn(match: re.Match) -> TurnView:
    notes = dict(
        part.split(" ", 1) for part in (match[3] or "").split(", ") if part.count(" ") == 1
    )
    return TurnView(
        index=int(match[1]),
        speaker=match[2].lower(),
        text=match[4],
        step=notes.get("step"),
        phase=notes.get("phase"),
        risk=notes.get("risk", "none"),
    )
