"""Group-gap tests behind demographic robustness.

Both tests take one score per unit (a cell: repeats of the identical session averaged) and an
integer group label per unit. The gap is the largest difference of group means.

- Paired (twins): scores are centred within each stratum (twin group x severity) so only
  within-twin differences remain; the null distribution permutes labels within strata.
- Unpaired (no twins): Kruskal-Wallis across groups, epsilon-squared as the effect size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .resampling import bootstrap_means, percentile_interval, stratified_permutations

# Upper bound on floats materialised at once by the permutation loop (about 16 MB).
_MAX_BLOCK = 2_000_000


@dataclass(frozen=True)
class GapResult:
    """What a gap test found; None fields carry their reason in `reason`."""

    group_means: np.ndarray
    group_counts: np.ndarray
    high: int
    low: int
    gap: float
    gap_ci: tuple[float, float] | None
    statistic: float | None
    p_value: float | None
    effect_size: float | None
    reason: str | None


def _range_of_means(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    means = sums / counts
    return means.max(axis=-1) - means.min(axis=-1)


def paired_permutation_test(
    scores: np.ndarray,
    labels: np.ndarray,
    strata: np.ndarray,
    n_groups: int,
    n_perm: int,
    n_boot: int,
    rng_perm: np.random.Generator,
    rng_boot: np.random.Generator,
) -> GapResult:
    """Stratified permutation test of the range of centred group means.

    `strata` must be sorted integer ids 0..S-1 and every group must be present.
    """
    n_strata = int(strata.max()) + 1
    stratum_means = np.bincount(strata, weights=scores) / np.bincount(strata)
    centred = scores - stratum_means[strata]
    counts = np.bincount(labels, minlength=n_groups).astype(float)
    sums = np.bincount(labels, weights=centred, minlength=n_groups)
    means = sums / counts
    high, low = extremes(means)
    gap = float(means[high] - means[low])

    exceed = 0
    per_chunk = max(1, _MAX_BLOCK // scores.size)
    tolerance = 1e-9 * max(1.0, abs(gap))
    for start in range(0, n_perm, per_chunk):
        block = min(per_chunk, n_perm - start)
        permuted = labels[stratified_permutations(strata, block, rng_perm)]
        # Group counts are fixed under within-stratum permutation; only the sums move.
        perm_sums = np.stack(
            [np.where(permuted == g, centred, 0.0).sum(axis=1) for g in range(n_groups)], axis=1
        )
        exceed += int(np.sum(_range_of_means(perm_sums, counts) >= gap - tolerance))
    p_value = (1 + exceed) / (1 + n_perm) if n_perm > 0 else None

    # Cluster bootstrap over strata for the high-minus-low gap.
    cell_sums = np.zeros((n_strata, 2))
    cell_counts = np.zeros((n_strata, 2))
    for column, group in enumerate((high, low)):
        mask = labels == group
        cell_sums[:, column] = np.bincount(strata[mask], weights=centred[mask], minlength=n_strata)
        cell_counts[:, column] = np.bincount(strata[mask], minlength=n_strata)
    gap_ci = None
    if n_strata >= 2 and n_boot > 0:
        idx = rng_boot.integers(0, n_strata, size=(n_boot, n_strata))
        boot_sums, boot_counts = cell_sums[idx].sum(axis=1), cell_counts[idx].sum(axis=1)
        usable = np.all(boot_counts > 0, axis=1)
        if usable.any():
            boot_means = boot_sums[usable] / boot_counts[usable]
            gap_ci = percentile_interval(boot_means[:, 0] - boot_means[:, 1])

    effect, effect_reason = _paired_cohen_d(cell_sums, cell_counts)
    reasons = [effect_reason] if effect_reason else []
    if gap_ci is None:
        reasons.append("gap CI needs 2 or more twin strata")
    return GapResult(
        group_means=means,
        group_counts=counts.astype(int),
        high=high,
        low=low,
        gap=gap,
        gap_ci=gap_ci,
        statistic=gap,
        p_value=p_value,
        effect_size=effect,
        reason="; ".join(reasons) or None,
    )


def _paired_cohen_d(
    cell_sums: np.ndarray, cell_counts: np.ndarray
) -> tuple[float | None, str | None]:
    """Cohen's d_z of per-stratum (high - low) differences, for strata holding both groups."""
    both = np.all(cell_counts > 0, axis=1)
    if both.sum() < 2:
        return None, "effect size needs 2 or more strata holding both groups"
    means = cell_sums[both] / cell_counts[both]
    differences = means[:, 0] - means[:, 1]
    spread = float(np.std(differences, ddof=1))
    if spread <= 1e-12 * max(1.0, float(np.abs(differences).max())):
        if float(np.abs(differences).max()) <= 1e-12:
            return 0.0, None  # every pair scored alike: no effect, not an undefined one
        return None, "paired differences have no variance (a constant gap: d is unbounded)"
    return float(differences.mean() / spread), None


def kruskal_wallis_test(
    scores: np.ndarray,
    labels: np.ndarray,
    n_groups: int,
    n_boot: int,
    rng_boot: np.random.Generator,
) -> GapResult:
    """Kruskal-Wallis H across groups; epsilon-squared; bootstrap CI of the high-low gap."""
    groups = [scores[labels == g] for g in range(n_groups)]
    counts = np.array([g.size for g in groups])
    means = np.array([g.mean() for g in groups])
    high, low = extremes(means)
    gap = float(means[high] - means[low])
    n = scores.size
    reasons: list[str] = []

    statistic = p_value = effect = None
    if np.ptp(scores) == 0.0:
        reasons.append("all scores are identical")
    else:
        h, p = stats.kruskal(*groups)
        statistic, p_value = float(h), float(p)
        effect = statistic / (n - 1)

    gap_ci = None
    if min(counts[high], counts[low]) >= 2 and n_boot > 0:
        boot_high = bootstrap_means(groups[high], n_boot, rng_boot)
        boot_low = bootstrap_means(groups[low], n_boot, rng_boot)
        gap_ci = percentile_interval(boot_high - boot_low)
    else:
        reasons.append("gap CI needs 2 or more units in each compared group")
    return GapResult(
        group_means=means,
        group_counts=counts,
        high=high,
        low=low,
        gap=gap,
        gap_ci=gap_ci,
        statistic=statistic,
        p_value=p_value,
        effect_size=effect,
        reason="; ".join(reasons) or None,
    )


def extremes(means) -> tuple[int, int]:
    """Indices of the highest and the lowest mean; two different groups even when every mean
    is equal (a gap of 0 between two groups, never a group against itself)."""
    high, low = int(np.argmax(means)), int(np.argmin(means))
    if high == low and len(means) > 1:
        low = 1 if high == 0 else 0
    return high, low
