"""Significance of a count against its expectation: the Poisson upper tail and Benjamini–Hochberg's
false discovery rate over many places at once (pure Python; the counts are small and few)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def poisson_upper_tail(count: int, expected: float) -> float:
    """P(X ≥ count) for X ~ Poisson(expected): how surprising ``count`` cases are when ``expected``
    are usual (1.0 for a count of 0)."""
    if count <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    log_pmf = -expected + count * math.log(expected) - math.lgamma(count + 1)
    if count > expected:
        # Sum the tail itself: terms fall from here on, so precision holds for tiny p-values.
        total, term, i = 0.0, math.exp(log_pmf), count
        while term > total * 1e-16 and i < count + 10_000:
            total += term
            i += 1
            term *= expected / i
        return min(1.0, total)
    # The tail is most of the mass: one minus the terms below ``count``.
    below, term = 0.0, math.exp(-expected)
    for i in range(count):
        below += term
        term *= expected / (i + 1)
    return max(0.0, min(1.0, 1.0 - below))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """The q-values (adjusted p-values) of ``p_values`` in the same order: a place is a discovery at
    a false discovery rate of 5 % when its q-value is below 0.05."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        q[i] = running
    return q


def z_score(count: int, expected: float) -> float:
    """How many Poisson standard deviations ``count`` lies above ``expected``."""
    return (count - expected) / math.sqrt(expected) if expected > 0 else 0.0
