"""Shares with Wilson intervals, and Cohen's kappa for two binary raters."""

from __future__ import annotations

from collections.abc import Sequence

from statsmodels.stats.proportion import proportion_confint


def wilson_interval(successes: int, total: int) -> tuple[float, float] | None:
    """Wilson 95% interval of a share; None when there is nothing to share out."""
    if total <= 0:
        return None
    low, high = proportion_confint(successes, total, alpha=0.05, method="wilson")
    return float(low), float(high)


def cohen_kappa(first: Sequence[bool], second: Sequence[bool]) -> tuple[float | None, str | None]:
    """Cohen's kappa of two paired binary ratings; None when chance agreement is total."""
    n = len(first)
    if n != len(second):
        raise ValueError("both raters must rate the same items")
    if n == 0:
        return None, "no item rated by both"
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    p_first, p_second = sum(first) / n, sum(second) / n
    expected = p_first * p_second + (1 - p_first) * (1 - p_second)
    if expected >= 1.0 - 1e-12:
        return None, "kappa undefined: both raters gave one constant, identical rating"
    return (observed - expected) / (1.0 - expected), None
