"""The statistics of a holdout comparison: two shares and the confidence interval of their difference.

Method: Newcombe's hybrid score interval for a difference of two independent proportions (his method
10, from Wilson score intervals without continuity correction: R. G. Newcombe, "Interval estimation
for the difference between independent proportions: comparison of eleven methods", Statistics in
Medicine 17, 873-890, 1998). It behaves well for small groups and shares near 0 or 1, where the
textbook (Wald) interval does not, and needs nothing beyond the normal quantile, which the standard
library's :class:`statistics.NormalDist` gives. The difference is called significant when its 95%
interval does not contain 0.
"""

from __future__ import annotations

from math import sqrt
from statistics import NormalDist
from typing import NamedTuple

Z95 = NormalDist().inv_cdf(0.975)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of the share ``k / n`` (``n`` > 0)."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n > 0, got k={k}, n={n}")
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


class Difference(NamedTuple):
    """``k1/n1 - k2/n2`` with its confidence interval."""

    diff: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


def difference(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> Difference:
    """Newcombe's hybrid score interval (method 10) for ``k1/n1 - k2/n2``."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    d = p1 - p2
    return Difference(d, d - sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))
