"""What a sweep implies before it runs: grid size, sessions, model calls and a token estimate.

The token estimate is an upper-bound sketch, not a quote: every session is assumed to run
all `max_turns` exchanges (real ones may end earlier); each prompt is a fixed part per role
(sizes measured on the shipped protocols and personas) plus the transcript so far.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from simulator.sweeps.grid import persona_variants
from simulator.sweeps.loading import LoadedSpec, protocol_accepts

THERAPIST_PROMPT = 3000  # protocol overview, step guidance, intake
PATIENT_PROMPT = 900  # persona card and state
TRACKER_PROMPT = 650  # the step and one exchange
TURN_TOKENS = 120  # one spoken turn in the transcript
THERAPIST_OUTPUT = 150
PATIENT_OUTPUT = 60  # a JSON reply
TRACKER_OUTPUT = 35
JUDGE_PROMPT = 2500  # rubric and instructions, before the transcript
JUDGE_OUTPUT = 400
CALLS_PER_EXCHANGE = 3  # therapist, patient, tracker


class DryRun(BaseModel):
    """The size of a sweep, from its spec alone."""

    name: str = Field(description="Sweep name.")
    base_personas: int = Field(description="Personas sampled or read.")
    twins_per_persona: float = Field(description="Mean twin-set size (1 without twins).")
    severities: int = Field(description="Severity strata per persona (1 = as they are).")
    protocols: int = Field(description="Protocols.")
    therapists: int = Field(description="Therapists under test.")
    repeats: int = Field(description="Repeats of each identical session.")
    skipped_modality: int = Field(
        description="Persona x protocol pairs left out because modalities differ."
    )
    sessions: int = Field(description="Sessions the grid holds.")
    sessions_by_therapist: dict[str, int] = Field(description="Sessions per therapist label.")
    model_calls: int = Field(description="Model calls at most (no retries counted).")
    estimated_tokens: int = Field(description="Estimated tokens, prompt + completion, at most.")
    judges: int = Field(description="Judges per session (0: judging off).")


def session_tokens(max_turns: int, judges: int) -> int:
    tokens = 0
    for exchange in range(max_turns):
        before = 2 * exchange * TURN_TOKENS
        tokens += THERAPIST_PROMPT + before + THERAPIST_OUTPUT
        tokens += PATIENT_PROMPT + before + TURN_TOKENS + PATIENT_OUTPUT
        tokens += TRACKER_PROMPT + 2 * TURN_TOKENS + TRACKER_OUTPUT
    transcript = 2 * max_turns * TURN_TOKENS
    tokens += judges * (JUDGE_PROMPT + transcript + JUDGE_OUTPUT)
    return tokens


def dry_run(loaded: LoadedSpec) -> DryRun:
    spec = loaded.spec
    strata = max(1, len(spec.severities))
    variants = sessions = skipped = 0
    for base in loaded.base_personas:
        count = sum(1 for _ in persona_variants(loaded, base))
        variants += count
        accepted = sum(protocol_accepts(p, base) for p in loaded.protocols.values())
        skipped += len(loaded.protocols) - accepted
        sessions += count * accepted * len(spec.therapists) * spec.repeats
    per_therapist = sessions // len(spec.therapists)
    n_base = len(loaded.base_personas)
    judges = len(loaded.judges)
    return DryRun(
        name=spec.name,
        base_personas=n_base,
        twins_per_persona=round(variants / strata / max(1, n_base), 2),
        severities=strata,
        protocols=len(loaded.protocols),
        therapists=len(spec.therapists),
        repeats=spec.repeats,
        skipped_modality=skipped,
        sessions=sessions,
        sessions_by_therapist={t.label: per_therapist for t in spec.therapists},
        model_calls=sessions * (spec.max_turns * CALLS_PER_EXCHANGE + judges),
        estimated_tokens=sessions * session_tokens(spec.max_turns, judges),
        judges=judges,
    )


def describe(summary: DryRun) -> str:
    lines = [
        f"sweep {summary.name}: dry run (nothing stored, no model called)",
        f"  grid: {summary.base_personas} personas x {summary.twins_per_persona:g} twins x "
        f"{summary.severities} severities x {summary.protocols} protocols x "
        f"{summary.therapists} therapists x {summary.repeats} repeats",
    ]
    if summary.skipped_modality:
        lines.append(
            f"  ({summary.skipped_modality} persona x protocol pairs skipped: modality differs)"
        )
    lines += [
        f"  sessions: {summary.sessions}"
        + "".join(f"\n    {label}: {n}" for label, n in summary.sessions_by_therapist.items()),
        f"  model calls: at most {summary.model_calls:,} "
        f"({summary.judges} judge call(s) per session)",
        f"  estimated tokens: about {summary.estimated_tokens:,} (upper bound: every session "
        "runs all its turns)",
    ]
    return "\n".join(lines)
