"""Judging whole sessions: a panel of model judges, deterministic detectors, calibration, ingest.

- `judge_session(db, session_id, judges, rubric_path, seeds)` scores a stored session with the
  panel and the detectors, stores both, and returns `judgment_summary(db, session_id)`.
- `detect(turns, states, protocol, modality)` runs the detectors alone ("judge zero");
  `detect_session(db, session_id)` runs and stores them for a stored session.
- Importing this package registers `scripted/judge` (the deterministic reference judge) with
  the scripted provider.
- `calibrate(judges)` measures detectors and panel against the shipped reference transcripts.
- `ingest_files(db, paths, fmt)` stores external conversations (jsonl, vera-mh) as sessions.

The default panel is three copies of the small embedded model with different seeds: it keeps
everything offline and testable, but real studies need strong judges, preferably from
different vendors (`--judges` or `[models.judges]` in patientsim.toml), and a calibration run
before a sweep.
"""

from simulator.judges.aggregate import (
    REVIEW_RANGE,
    JudgeResult,
    aggregate_scores,
    panel_failure_modes,
)
from simulator.judges.calibrate import calibrate
from simulator.judges.detectors import Hit, detect, detect_view, hits_by_label
from simulator.judges.errors import JudgeError
from simulator.judges.ingest import (
    FORMATS,
    Conversation,
    ingest_files,
    parse_file,
    store_conversations,
)
from simulator.judges.panel import (
    default_judges,
    detect_session,
    judge_problem,
    judge_session,
    judge_view,
    panel_agreement,
)
from simulator.judges.references import ReferenceTranscript, load_references
from simulator.judges.rubric import Rubric, load_rubric
from simulator.judges.rules import DetectorRules, load_rules
from simulator.judges.scripted_judge import judge as _scripted_judge
from simulator.judges.storage import judgment_summary
from simulator.judges.stored_session import record_validity
from simulator.judges.validity import Validity, check_simulator
from simulator.judges.view import SessionView, StepInfo, TurnView, build_view
from simulator.models.scripted.behaviours import register_behaviour

# `scripted/judge`, the deterministic reference judge, answers whenever judging can run.
register_behaviour("judge", _scripted_judge)

__all__ = [
    "FORMATS",
    "REVIEW_RANGE",
    "Conversation",
    "DetectorRules",
    "Hit",
    "JudgeError",
    "JudgeResult",
    "ReferenceTranscript",
    "Rubric",
    "SessionView",
    "StepInfo",
    "TurnView",
    "Validity",
    "aggregate_scores",
    "build_view",
    "calibrate",
    "check_simulator",
    "default_judges",
    "detect",
    "detect_session",
    "detect_view",
    "hits_by_label",
    "ingest_files",
    "judge_problem",
    "judge_session",
    "judge_view",
    "judgment_summary",
    "load_references",
    "load_rubric",
    "load_rules",
    "panel_agreement",
    "panel_failure_modes",
    "parse_file",
    "record_validity",
    "store_conversations",
]
