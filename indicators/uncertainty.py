"""95 % intervals for shares and means, and the rule for a significant difference.

Shares get a Wilson score interval (it stays inside 0-1 and behaves for small
n and for shares near 0 or 1). Means computed from pupil-level data get a
t interval from the sample standard deviation. Well-being means get an
*approximate* normal interval from an assumed pupil-level standard deviation
(the extracts carry no spread; see ``catalogue.assumed_sd``), so a change at
school level can be called "ikke signifikant" where it is noise. Where the
spread is unknown (aggregated means, absence means, exam grades) there is no
interval: NULL.

Two values (a year and the next, an institution and its municipality) are
called significantly different only when their two 95 % intervals do not
overlap (``significant``). This is conservative (two intervals can overlap while the
difference is significant at 5 %); a leadership dialogue is better served by
missing a small real change than by reading noise as one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Z95 = 1.959963984540054

# Student's t, two-sided 95 % (the 0.975 quantile), for 1-30 degrees of freedom.
_T975 = (
    12.7062,
    4.3027,
    3.1824,
    2.7764,
    2.5706,
    2.4469,
    2.3646,
    2.3060,
    2.2622,
    2.2281,
    2.2010,
    2.1788,
    2.1604,
    2.1448,
    2.1314,
    2.1199,
    2.1098,
    2.1009,
    2.0930,
    2.0860,
    2.0796,
    2.0739,
    2.0687,
    2.0639,
    2.0595,
    2.0555,
    2.0518,
    2.0484,
    2.0452,
    2.0423,
)


def t975(df) -> np.ndarray:
    """The 0.975 quantile of Student's t for each df (table up to 30, Cornish-Fisher beyond).

    >>> [round(float(x), 3) for x in t975([4, 30, 100, 10**6])]
    [2.776, 2.042, 1.984, 1.96]
    """
    df = np.asarray(df, dtype="float64")
    z = Z95
    big = np.maximum(df, 1.0)
    # Cornish-Fisher expansion of t in powers of 1/df; its error is below 1e-4 from df = 30 on.
    approx = (
        z
        + (z**3 + z) / (4 * big)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * big**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * big**3)
    )
    table = np.asarray(_T975)[np.clip(df, 1, 30).astype(int) - 1]
    out = np.where(df <= 30, table, approx)
    return np.where(df >= 1, out, np.nan)


def wilson(successes, trials, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for successes out of trials (vectorised; NaN where trials <= 0).

    >>> lo, hi = wilson([8], [10]); round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.4902, 0.9433)
    """
    x = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    bad = ~(n > 0)
    return np.where(bad, np.nan, centre - half), np.where(bad, np.nan, centre + half)


def t_interval(total, total_sq, count) -> tuple[np.ndarray, np.ndarray]:
    """t interval for a mean given the sum, the sum of squares and the count (NaN where count < 2).

    >>> lo, hi = t_interval([6.0], [14.0], [3]); round(float(lo[0]), 3), round(float(hi[0]), 3)
    (-0.484, 4.484)
    """
    s = np.asarray(total, dtype="float64")
    s2 = np.asarray(total_sq, dtype="float64")
    n = np.asarray(count, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s / n
        var = np.maximum(s2 - s * s / n, 0.0) / (n - 1)
        half = t975(n - 1) * np.sqrt(var / n)
    bad = ~(n >= 2)
    return np.where(bad, np.nan, mean - half), np.where(bad, np.nan, mean + half)


def normal_interval(
    mean, sd: float, count, low: float = -np.inf, high: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """mean ± 1.96·sd/√count for a known (assumed) sd, clipped to the scale [low, high]
    (NaN where count < 1 or the mean is missing).

    >>> lo, hi = normal_interval([3.8], 0.6, [36], 1, 5); round(float(lo[0]), 4), round(float(hi[0]), 4)
    (3.604, 3.996)
    """
    m = np.asarray(mean, dtype="float64")
    n = np.asarray(count, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        half = Z95 * sd / np.sqrt(n)
    bad = ~(n >= 1) | np.isnan(m)
    return (np.where(bad, np.nan, np.clip(m - half, low, high)), np.where(bad, np.nan, np.clip(m + half, low, high)))


def significant(lower_a, upper_a, lower_b, upper_b) -> bool | None:
    """Whether two values differ significantly, from their 95 % intervals: True when the intervals do not
    overlap, False when they do, None when either is unknown (missing or NaN).

    The one rule for every comparison a page, a report or a goal sentence makes: a change from one
    school year to the next, and an institution against its municipality.

    >>> significant(0.70, 0.78, 0.74, 0.82), significant(0.60, 0.70, 0.72, 0.80), significant(float("nan"), 1, 2, 3)
    (False, True, None)
    """
    values = (lower_a, upper_a, lower_b, upper_b)
    if any(pd.isna(v) for v in values):
        return None
    return bool(upper_a < lower_b or upper_b < lower_a)
