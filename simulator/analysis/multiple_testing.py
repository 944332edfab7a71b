"""Holm's step-down correction for a family of p-values."""

from __future__ import annotations

from collections.abc import Sequence

from statsmodels.stats.multitest import multipletests


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm-adjusted p-values; None entries (tests that could not run) stay None.

    The family is the tests that ran, so an undefined test neither counts towards the
    correction nor gets an adjusted value.
    """
    present = [(i, p) for i, p in enumerate(p_values) if p is not None]
    adjusted: list[float | None] = [None] * len(p_values)
    if not present:
        return adjusted
    _, corrected, _, _ = multipletests([p for _, p in present], method="holm")
    for (i, _), value in zip(present, corrected, strict=True):
        adjusted[i] = float(value)
    return adjusted
