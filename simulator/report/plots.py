"""The report's PNG figures (matplotlib, Agg backend: no display needed).

Each function writes one PNG and returns its file name; with no data to show it writes
nothing and returns a `NoFigure` that says why (the report prints that sentence, never a
placeholder image).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.analysis import SEVERITY_ORDER
from simulator.report.tables import Tables

DPI = 90
MAX_PANELS = 6
MAX_FOREST_ROWS = 30  # flagged tests first, then the largest gaps


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path, *, left: float | None = None) -> str:
    if left is None:
        fig.tight_layout()
    else:  # long tick labels: a fixed margin, which tight_layout sometimes gets wrong
        fig.subplots_adjust(left=left, right=0.97, top=0.92, bottom=0.12)
    fig.savefig(path, dpi=DPI, format="png")
    _pyplot().close(fig)
    return path.name


@dataclass(frozen=True)
class NoFigure:
    """A figure with nothing to draw, and why."""

    title: str
    why: str

    @property
    def sentence(self) -> str:
        return f"No {self.title} figure: {self.why}."


def _empty(path: Path, title: str, message: str) -> NoFigure:
    path.unlink(missing_ok=True)  # a figure from an earlier report in this folder is stale
    return NoFigure(title, message)


def _severity_key(severity: str) -> tuple[int, str]:
    order = list(SEVERITY_ORDER)
    return (order.index(severity) if severity in order else len(order), severity)


def crisis_cliff_plot(tables: Tables, metrics: Sequence[str], path: Path) -> str | NoFigure:
    """Mean (95% CI) of each metric by severity stratum, one line per therapist."""
    cells = [c for c in tables.crisis_cliff.cells if c.metric in metrics and c.mean is not None]
    shown = [m for m in metrics if any(c.metric == m for c in cells)][:MAX_PANELS]
    if not shown:
        return _empty(path, "Crisis cliff", "no scored metric to show by severity")
    plt = _pyplot()
    cols = min(3, len(shown))
    rows = (len(shown) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    severities = sorted({c.severity for c in cells}, key=_severity_key)
    for ax, metric in zip(axes.flat, shown, strict=False):
        for therapist in sorted({c.therapist for c in cells}):
            points = {
                c.severity: c for c in cells if c.metric == metric and c.therapist == therapist
            }
            xs = [i for i, s in enumerate(severities) if s in points]
            means = [points[severities[i]].mean for i in xs]
            low = [m - (points[severities[i]].ci_low or m) for i, m in zip(xs, means, strict=True)]
            high = [
                (points[severities[i]].ci_high or m) - m for i, m in zip(xs, means, strict=True)
            ]
            ax.errorbar(xs, means, yerr=[low, high], marker="o", capsize=3, label=therapist)
        ax.set_title(metric)
        ax.set_xticks(range(len(severities)), severities, rotation=20)
        ax.set_ylim(-0.05, 1.05)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle("Crisis cliff: mean score (95% CI) by severity")
    return _save(fig, path)


def trajectories_plot(points: Sequence[dict[str, Any]], path: Path) -> str | NoFigure:
    """Mean SUDS and belief by turn, one line per therapist x severity, with a shaded 95%
    interval of the mean."""
    series: dict[str, dict[tuple[str, str], list[tuple[int, float]]]] = {
        "suds": defaultdict(list),
        "belief": defaultdict(list),
    }
    bands: dict[str, dict[tuple[str, str], list[tuple[int, float, float]]]] = {
        "suds": defaultdict(list),
        "belief": defaultdict(list),
    }
    for p in points:
        for measure in series:
            if p[measure] is not None:
                key = (p["therapist"], p["severity"])
                series[measure][key].append((p["turn"], p[measure]))
                if p.get(f"{measure}_ci"):
                    bands[measure][key].append((p["turn"], *p[f"{measure}_ci"]))
    shown = [m for m in series if series[m]]
    if not shown:
        return _empty(path, "SUDS and belief trajectories", "no patient states stored")
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(shown), figsize=(6 * len(shown), 3.6), squeeze=False)
    for ax, measure in zip(axes.flat, shown, strict=True):
        for (therapist, severity), values in sorted(series[measure].items()):
            turns, means = zip(*sorted(values), strict=True)
            (line,) = ax.plot(turns, means, marker=".", label=f"{therapist} / {severity}")
            band = sorted(bands[measure].get((therapist, severity), []))
            if band:
                xs, lows, highs = zip(*band, strict=True)
                ax.fill_between(xs, lows, highs, color=line.get_color(), alpha=0.15)
        ax.set_title("SUDS (0-100)" if measure == "suds" else "Belief in the thought (0-100)")
        ax.set_xlabel("turn")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _save(fig, path)


def demographic_forest_plot(tables: Tables, path: Path) -> str | NoFigure:
    """Largest gap per therapist x attribute x metric with its 95% CI; flagged in red."""
    tests = [
        (entry.therapist, t)
        for entry in tables.demographic_robustness.therapists
        for t in entry.tests
        if t.gap is not None
    ]
    if not tests:
        return _empty(path, "Demographic gaps", "no demographic test could run (no twins?)")
    total = len(tests)
    tests = sorted(tests, key=lambda item: (not item[1].flagged, -(item[1].gap or 0.0)))
    tests = tests[:MAX_FOREST_ROWS]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(11, 0.55 * len(tests) + 1.6))
    for y, (_, t) in enumerate(reversed(tests)):
        low = t.gap - (t.gap_ci_low if t.gap_ci_low is not None else t.gap)
        high = (t.gap_ci_high if t.gap_ci_high is not None else t.gap) - t.gap
        color = "tab:red" if t.flagged else "tab:blue"
        ax.errorbar([t.gap], [y], xerr=[[max(low, 0)], [max(high, 0)]], fmt="o", color=color)
    ax.set_yticks(
        range(len(tests)),
        [
            f"{th}: {t.metric} by {t.attribute}\n{_short(t.high_value)} vs {_short(t.low_value)}"
            for th, t in reversed(tests)
        ],
        fontsize=7,
    )
    threshold = tests[0][1].threshold
    ax.axvline(threshold, color="grey", linestyle="--", label=f"gate {threshold:g}")
    ax.axvline(0, color="black", linewidth=0.5)
    ax.set_xlabel("largest gap between attribute values (95% CI); red = flagged")
    ax.legend(fontsize=8)
    shown = f" (largest {len(tests)} of {total})" if total > len(tests) else ""
    ax.set_title(f"Demographic robustness: gaps{shown}")
    return _save(fig, path, left=0.4)


def _short(value: str | None, width: int = 34) -> str:
    value = value or "?"
    return value if len(value) <= width else value[: width - 1] + "…"


def failure_modes_plot(tables: Tables, path: Path) -> str | NoFigure:
    """Share of therapist turns per detector label, per therapist (all severities)."""
    labels = tables.failure_modes.labels
    rows = [r for r in tables.failure_modes.rows if r.severity == "all" and r.turns]
    if not labels or not rows:
        return _empty(path, "Failure modes", "no detector hits in this run")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(labels) + 2), 3.8))
    width = 0.8 / len(rows)
    for i, row in enumerate(rows):
        xs = [j + i * width for j in range(len(labels))]
        ax.bar(xs, [row.rates.get(label) or 0 for label in labels], width, label=row.therapist)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(labels))], labels, rotation=25)
    ax.set_ylabel("share of therapist turns")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    ax.set_title("Failure-mode rates (detectors)")
    return _save(fig, path)


def judge_agreement_plot(tables: Tables, path: Path) -> str | NoFigure:
    """Krippendorff's alpha per metric (metrics without an alpha are listed, not drawn)."""
    entries = tables.judge_agreement.metrics
    drawn = [m for m in entries if m.alpha is not None]
    if not drawn:
        why = "no judge panel scores" if not entries else entries[0].reason or "alpha undefined"
        return _empty(path, "Judge agreement", f"no alpha to show: {why}")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(drawn) + 2), 3.8))
    ax.bar(range(len(drawn)), [m.alpha for m in drawn], color="tab:green")
    ax.axhline(0.667, color="grey", linestyle="--", label="0.667 (tentative agreement)")
    ax.set_xticks(range(len(drawn)), [m.metric for m in drawn], rotation=30, fontsize=8)
    ax.set_ylim(min(0, min(m.alpha for m in drawn)) - 0.05, 1.05)
    ax.set_ylabel("Krippendorff's alpha")
    ax.legend(fontsize=8)
    ax.set_title("Judge agreement")
    return _save(fig, path)
