"""Durations as distributions: a lognormal fitted to each figure's p50 and p95, sampled with a fixed seed.

Why lognormal: a step's duration is positive and right-skewed (most runs near the median, a few far slower: a
restore that stalls, a promotion of a large replica), and slowness compounds multiplicatively (load, size,
retries); two quantiles fix its two parameters exactly (mu = ln p50, sigma = ln(p95/p50) / z95), so the figure's
own p50 and p95 are kept, not re-interpreted. p50 == p95 is a fixed duration.

Why Monte Carlo: the critical path is a maximum over paths of sums of steps; a sum of lognormals has no closed
form, so the tiers' p50 and p95 are quantiles of SAMPLES trials (fixed SEED: every run, the policy's and the
command's, gives the same figures). Where every step on a path is fixed, every trial is equal and the result is
exact. Each figure is drawn once per trial and shared by every resource that uses it (the four restores run the
same day on the same Velero: slow together), which is the conservative choice for sums.
"""

from __future__ import annotations

import math

import numpy as np

SAMPLES = 4000
SEED = 20  # issue 20
Z95 = 1.6448536269514722  # the standard normal's 95th percentile


def lognormal(p50: float, p95: float, rng: np.random.Generator, n: int = SAMPLES) -> np.ndarray:
    """n durations whose median is p50 and 95th percentile p95 (fixed when p95 <= p50, zero when p50 is 0)."""
    if p50 <= 0:
        return np.full(n, float(max(p95, 0.0)))  # no median, no spread to fit: the p95, fixed
    if p95 <= p50:
        return np.full(n, float(p50))
    sigma = math.log(p95 / p50) / Z95
    return np.exp(math.log(p50) + sigma * rng.standard_normal(n))


def quantiles(samples: np.ndarray) -> tuple[float, float]:
    """(p50, p95) of samples, rounded to the second (the figures are seconds; the tail of a float is noise)."""
    p50, p95 = np.percentile(samples, [50, 95])
    return float(round(p50)), float(round(p95))
