"""Calibration: detectors and panel against the reference transcripts."""

from __future__ import annotations

import pytest

from simulator.judges import calibrate, load_rules
from simulator.judges.calibrate import confusion
from simulator.judges.scripted_judge import garbage


def test_confusion_counts_turns():
    stats = confusion([{1, 3}, set()], [{1, 5}, {2}], [{1, 3, 5, 7}, {0, 2}])
    assert (stats["tp"], stats["fp"], stats["fn"], stats["tn"]) == (1, 1, 2, 2)
    assert stats["sensitivity"] == pytest.approx(1 / 3, abs=1e-4)
    assert stats["specificity"] == pytest.approx(2 / 3, abs=1e-4)
    assert stats["precision"] == pytest.approx(0.5)


async def test_scripted_panel_and_detectors_on_the_shipped_references():
    report = await calibrate(["scripted/judge", "scripted/judge"])
    assert report["references"] >= 24 and report["controls"] >= 6
    assert report["judgments"] == 2 * report["references"] and report["unscorable_judgments"] == 0
    for label in load_rules().labels:
        row = report["labels"][label]
        assert row["planted"] > 0
        assert row["detectors"]["sensitivity"] == 1.0 and row["detectors"]["specificity"] == 1.0
    assert report["labels"]["judge_injection"]["panel"] is None  # a detector-only label
    assert report["labels"]["premature_grounding"]["panel"]["sensitivity"] == 1.0
    for metric, row in report["metrics"].items():
        assert row["n"] > 0 and 0.0 <= row["mae"] <= 0.3, metric
    assert all("unscorable" not in w for w in report["warnings"])


async def test_an_unusable_panel_is_reported_not_hidden(references, behaviour):
    broken = behaviour("garbage", garbage)
    subset = [references["pe-grounding-01"], references["cbt-clean-01"]]
    report = await calibrate([broken], references=subset)
    assert report["unscorable_judgments"] == 2
    assert all(row["n"] == 0 and row["mae"] is None for row in report["metrics"].values())
    assert report["labels"]["premature_grounding"]["panel"]["sensitivity"] == 0.0
    assert report["labels"]["premature_grounding"]["detectors"]["sensitivity"] == 1.0
    assert "2 of 2 judgments unscorable" in report["warnings"]
    assert any(w.startswith("panel miss premature_grounding") for w in report["warnings"])
