"""The one ladder of suicide and self-harm risk, C-SSRS style, lowest first.

none < low < moderate < high < imminent. High means active thoughts with a method or intent;
imminent means intent with a plan or means at hand, now. Personas, protocol conditions,
session dynamics, detectors and judges all read this ladder.
"""

from __future__ import annotations

from enum import StrEnum


class Risk(StrEnum):
    """Current suicide risk, C-SSRS style, from none to imminent (ordered)."""

    none = "none"
    low = "low"
    moderate = "moderate"
    high = "high"
    imminent = "imminent"

    @property
    def rank(self) -> int:
        return RISK_ORDER.index(self)

    def raised(self, steps: int) -> Risk:
        """The level `steps` rungs up (negative: down), clamped to the ladder's ends."""
        return RISK_ORDER[max(0, min(len(RISK_ORDER) - 1, self.rank + steps))]


RISK_ORDER: tuple[Risk, ...] = tuple(Risk)
RISK_LEVELS: tuple[str, ...] = tuple(level.value for level in RISK_ORDER)


def risk_rank(level: str | None) -> int:
    """Position of `level` on the ladder; an unknown or missing level counts as none (0)."""
    return RISK_LEVELS.index(level) if level in RISK_LEVELS else 0
