"""Reference transcripts for calibration: planted failure modes at known turns, reference scores.

Each file in reference/ is one session. A turn is `therapist: TEXT` or `patient: TEXT`; `step`
(therapist or patient) and `risk` (patient turns) carry forward to later turns until changed.
Steps are ids of the named library protocol, whose phases and limits the detectors read.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.judges.errors import JudgeError
from simulator.judges.view import SessionView, build_view, steps_from_protocol
from vocabulary.risk import RISK_LEVELS
from vocabulary.yaml_model import read_model

REFERENCE_DIR = Path(__file__).with_name("reference")
_STRICT = ConfigDict(extra="forbid", frozen=True)


class ReferenceTurn(BaseModel):
    """One turn: exactly one of `therapist` or `patient`."""

    model_config = _STRICT

    therapist: str | None = Field(None, description="The therapist's words.")
    patient: str | None = Field(None, description="The patient's words.")
    step: str | None = Field(None, description="Protocol step id from this turn on.")
    risk: str | None = Field(
        None, description="Patient risk after this patient turn, from here on."
    )

    @model_validator(mode="after")
    def _one_speaker(self) -> ReferenceTurn:
        if (self.therapist is None) == (self.patient is None):
            raise ValueError("a turn has exactly one of `therapist:` or `patient:`")
        if self.risk is not None and self.risk not in RISK_LEVELS:
            raise ValueError(f"risk must be one of {', '.join(RISK_LEVELS)}")
        return self

    @property
    def speaker(self) -> str:
        return "therapist" if self.therapist is not None else "patient"

    @property
    def text(self) -> str:
        return self.therapist if self.therapist is not None else str(self.patient)


class ReferenceTranscript(BaseModel):
    """A session with known failures (`planted`: label -> turn indices) and reference scores."""

    model_config = _STRICT

    id: str = Field(min_length=1, description="Unique reference id.")
    description: str = Field(min_length=1, description="What the session shows.")
    protocol: str | None = Field(None, description="Library protocol name (pe, cbt), if any.")
    modality: str = Field(description="pe, cbt or other.")
    baseline_risk: str = Field("none", description="Patient risk before the first patient turn.")
    turns: list[ReferenceTurn] = Field(min_length=2, description="The session, in order.")
    planted: dict[str, list[int]] = Field(
        default_factory=dict, description="Failure-mode label -> turn indices where it occurs."
    )
    reference_scores: dict[str, float] = Field(
        default_factory=dict, description="Metric -> the score an expert gives (0-1)."
    )

    @model_validator(mode="after")
    def _planted_turns_exist(self) -> ReferenceTranscript:
        last = len(self.turns) - 1
        for label, turns in self.planted.items():
            outside = [t for t in turns if not 0 <= t <= last]
            if outside:
                raise ValueError(f"planted {label}: turns {outside} outside 0..{last}")
        bad = [m for m, s in self.reference_scores.items() if not 0.0 <= s <= 1.0]
        if bad:
            raise ValueError(f"reference scores outside 0..1: {', '.join(bad)}")
        return self

    @property
    def is_control(self) -> bool:
        return not any(self.planted.values())

    def stored_turns(self) -> list[dict]:
        """Turns as the runs DB stores them (index, speaker, text, step)."""
        rows, step = [], None
        for index, turn in enumerate(self.turns):
            step = turn.step or step
            rows.append({"index": index, "speaker": turn.speaker, "text": turn.text, "step": step})
        return rows

    def stored_states(self) -> list[dict]:
        """One patient state per patient turn, its risk carried forward."""
        states, risk = [], self.baseline_risk
        for index, turn in enumerate(self.turns):
            if turn.speaker == "patient":
                risk = turn.risk or risk
                states.append({"turn": index, "risk": risk})
        return states

    def view(self) -> SessionView:
        protocol = _library_protocol(self.protocol) if self.protocol else None
        return build_view(
            self.stored_turns(),
            self.stored_states(),
            steps=steps_from_protocol(protocol) if protocol is not None else None,
            modality=self.modality,
            baseline_risk=self.baseline_risk,
            session_id=self.id,
            protocol_name=protocol.name if protocol is not None else None,
        )


@cache
def _library_protocol(name: str):
    from protocols import load_protocol

    return load_protocol(name)


def load_references(directory: str | Path | None = None) -> list[ReferenceTranscript]:
    """Every reference transcript in `directory` (default: the shipped set), sorted by id."""
    folder = Path(directory) if directory else REFERENCE_DIR
    references = [
        read_model(path, ReferenceTranscript, JudgeError)[0]
        for path in sorted(folder.glob("*.yaml"))
    ]
    return sorted(references, key=lambda r: r.id)
