"""Seeded, vectorised resampling: bootstrap intervals and within-stratum permutations."""

from __future__ import annotations

import zlib

import numpy as np

from .errors import AnalysisError

CI_LEVEL = 0.95
# Above this many resampled values per block, bootstrap means are drawn in chunks to bound memory.
_MAX_BLOCK = 2_000_000


def check_settings(
    *, seed: int, n_boot: int, n_perm: int | None = None, alpha: float | None = None
) -> None:
    """Reject resampling settings that cannot mean anything (a caller's mistake, not data)."""
    problems = []
    if seed < 0:
        problems.append(f"seed must be a non-negative integer, got {seed}")
    if n_boot < 1:
        problems.append(f"n_boot must be at least 1, got {n_boot}")
    if n_perm is not None and n_perm < 1:
        problems.append(f"n_perm must be at least 1, got {n_perm}")
    if alpha is not None and not 0.0 < alpha < 1.0:
        problems.append(f"alpha must lie strictly between 0 and 1, got {alpha}")
    if problems:
        raise AnalysisError(problems)


def rng_for(seed: int, *key: str) -> np.random.Generator:
    """A generator that depends only on the seed and the key.

    Each table cell draws from its own stream, so a cell's interval does not change when
    other cells are added to or removed from the input.
    """
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    spawn_key = tuple(zlib.crc32(part.encode()) for part in key)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=spawn_key))


def percentile_interval(samples: np.ndarray, level: float = CI_LEVEL) -> tuple[float, float]:
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(samples, [tail, 100.0 - tail])
    return float(low), float(high)


def bootstrap_means(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Means of n_boot resamples (with replacement) of values."""
    n = values.size
    rows_per_chunk = max(1, _MAX_BLOCK // max(n, 1))
    means = np.empty(n_boot)
    for start in range(0, n_boot, rows_per_chunk):
        stop = min(n_boot, start + rows_per_chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = values[idx].mean(axis=1)
    return means


def stratified_permutations(
    strata: np.ndarray, n_perm: int, rng: np.random.Generator
) -> np.ndarray:
    """(n_perm, N) index arrays, each a random permutation that stays within strata.

    Sorting uniform [0, 1) keys offset by twice the integer stratum id keeps every stratum's
    block in place (the factor 2 leaves a gap that rounding cannot cross) while shuffling
    positions inside it. `strata` must be sorted.
    """
    if np.any(np.diff(strata) < 0):
        raise ValueError("strata must be sorted so that each stratum is one contiguous block")
    keys = 2.0 * strata[None, :].astype(float) + rng.random((n_perm, strata.size))
    return np.argsort(keys, axis=1, kind="stable")
