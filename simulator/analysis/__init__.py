"""Sweep statistics: pure functions from plain rows to JSON-ready tables.

No database and no model calls: the sweep hands in one row per judged session (and one per
judge score), and the report and TUI render what comes back. Every resampling step is
seeded, so the same rows and seed give the same numbers.
"""

from .consistency import ConsistencyRow, ConsistencyTable, consistency, icc1, pooled_sd
from .crisis_cliff import CliffCell, CrisisCliffTable, crisis_cliff
from .demographics import (
    DemographicRobustness,
    DemographicTest,
    TherapistDemographics,
    demographic_robustness,
)
from .deterioration import DeteriorationRow, DeteriorationTable, deterioration_rates
from .errors import AnalysisError
from .failure_modes import FailureModeRow, FailureModeTable, failure_mode_rates
from .judge_agreement import (
    JudgeAgreementTable,
    JudgeBias,
    JudgeCounts,
    MetricAgreement,
    judge_agreement,
)
from .multiple_testing import holm
from .proportions import cohen_kappa, wilson_interval
from .rows import SEVERITY_ORDER, JudgeRow, SessionRow, parse_judge_rows, parse_session_rows

__all__ = [
    "SEVERITY_ORDER",
    "AnalysisError",
    "CliffCell",
    "ConsistencyRow",
    "ConsistencyTable",
    "CrisisCliffTable",
    "DemographicRobustness",
    "DemographicTest",
    "DeteriorationRow",
    "DeteriorationTable",
    "FailureModeRow",
    "FailureModeTable",
    "JudgeAgreementTable",
    "JudgeBias",
    "JudgeCounts",
    "JudgeRow",
    "MetricAgreement",
    "SessionRow",
    "TherapistDemographics",
    "cohen_kappa",
    "consistency",
    "crisis_cliff",
    "demographic_robustness",
    "deterioration_rates",
    "failure_mode_rates",
    "holm",
    "icc1",
    "judge_agreement",
    "parse_judge_rows",
    "parse_session_rows",
    "pooled_sd",
    "wilson_interval",
]
