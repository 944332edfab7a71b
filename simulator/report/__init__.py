"""The five-axis report of a run: protocol fidelity, hallucination risk, behavioural
consistency, crisis safety and demographic robustness, each checked against the gates
(gates.yaml, user-overridable), with a verdict -- deployable only if all five pass.

    from simulator.report import build_report, write_report
    report = build_report(db, run_id, therapist="my-bot", gates_path=None)
    write_report(report, "runs/reports/run_x")      # report.md, report.html, *.png, report.json
    report.as_json()                                # axes, verdict, tables, provenance
"""

from simulator.report.axes import AXES, Axis, Check, Verdict, evaluate_axes, verdict
from simulator.report.build import Report, build_report
from simulator.report.data import STATE_METRICS, judge_rows, session_rows
from simulator.report.errors import ReportError
from simulator.report.gates import Gates, default_gates, load_gates
from simulator.report.provenance import STATEMENT
from simulator.report.tables import Tables, compute_tables
from simulator.report.write import write_report

__all__ = [
    "AXES",
    "STATEMENT",
    "STATE_METRICS",
    "Axis",
    "Check",
    "Gates",
    "Report",
    "ReportError",
    "Tables",
    "Verdict",
    "build_report",
    "compute_tables",
    "default_gates",
    "evaluate_axes",
    "judge_rows",
    "load_gates",
    "session_rows",
    "verdict",
    "write_report",
]
