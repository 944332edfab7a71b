"""One source for every figure: the TUI's sweep screen shows the report's demographic gaps."""

from __future__ import annotations

from simulator.report import build_report
from tui.store_reader import StoreReader
from tui.sweep_numbers import largest_gaps


def test_the_sweep_screen_and_the_report_give_the_same_gaps(planted_run):
    report = build_report(planted_run.db, planted_run.run_id, therapist="biased")
    from_report = {
        (group.therapist, t.attribute, t.metric): (t.gap, t.p_holm, t.flagged)
        for group in report.tables.demographic_robustness.therapists
        for t in group.tests
        if t.gap is not None
    }
    reader = StoreReader(planted_run.db_path)
    try:
        shown = largest_gaps(reader.sweep_gaps(planted_run.run_id), limit=100)
    finally:
        reader.close()
    assert shown and len(shown) == len(from_report)
    for gap in shown:
        assert from_report[(gap.therapist, gap.attribute, gap.metric)] == (
            gap.gap,
            gap.p_holm,
            gap.flagged,
        )
    assert shown[0].gap == max(g for g, _, _ in from_report.values())
    assert any("Black or African American" in (g.high_value, g.low_value) for g in shown)


def test_the_sweep_screen_means_are_the_reports_means(planted_run):
    from tui.sweep_numbers import score_table

    report = build_report(planted_run.db, planted_run.run_id, therapist="biased")
    reader = StoreReader(planted_run.db_path)
    try:
        sessions = reader.sweep_sessions(planted_run.run_id)
    finally:
        reader.close()
    compared = 0
    for cell in report.tables.crisis_cliff.cells:
        if cell.mean is None:
            continue
        mean, n = score_table(sessions, cell.metric).cells[(cell.therapist, cell.severity)]
        assert (round(mean, 9), n) == (round(cell.mean, 9), cell.n), cell
        compared += 1
    assert compared >= 10
