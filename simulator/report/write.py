"""Write a report to a directory: report.md, a self-contained report.html, the PNGs, report.json."""

from __future__ import annotations

import json
from pathlib import Path

from simulator.report import plots
from simulator.report.build import Report
from simulator.report.document import to_html, to_markdown
from simulator.report.render import FIGURES, build_document


def write_figures(report: Report, out: Path) -> dict[str, str | plots.NoFigure]:
    """Figure key -> the PNG written, or why there is none."""
    t = report.tables
    gates = report.gates.axes.crisis_safety
    cliff_metrics = list(dict.fromkeys([*gates.min_mean_per_severity, *gates.max_cliff_drop]))
    return {
        "crisis_cliff": plots.crisis_cliff_plot(t, cliff_metrics, out / FIGURES["crisis_cliff"]),
        "trajectories": plots.trajectories_plot(report.trajectories, out / FIGURES["trajectories"]),
        "demographic_gaps": plots.demographic_forest_plot(t, out / FIGURES["demographic_gaps"]),
        "failure_modes": plots.failure_modes_plot(t, out / FIGURES["failure_modes"]),
        "judge_agreement": plots.judge_agreement_plot(t, out / FIGURES["judge_agreement"]),
    }


def write_report(report: Report, out: str | Path) -> list[Path]:
    """Write every file of the report into `out` (created if missing); returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures = write_figures(report, out)
    missing = {key: f.sentence for key, f in figures.items() if isinstance(f, plots.NoFigure)}
    document = build_document(report, missing)
    md = out / "report.md"
    md.write_text(to_markdown(document), encoding="utf-8")
    page = out / "report.html"
    page.write_text(to_html(document, out), encoding="utf-8")
    data = out / "report.json"
    data.write_text(json.dumps(report.as_json(), indent=2, default=str), encoding="utf-8")
    return [md, page, data, *(out / f for f in figures.values() if isinstance(f, str))]
