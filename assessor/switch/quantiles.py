"""Percentiles in bounded memory: exact while few values have been seen, then a log histogram.

A switch run can record millions of requests; their latencies must not all be kept. Up to
EXACT_LIMIT values the percentiles are exact (every test and most runs); above it each value
falls into a bucket [g^k, g^(k+1)) with g = 1 + RELATIVE_ERROR, so a percentile is off by at
most that fraction, and the number of buckets is bounded by the range of values, not their count.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter

EXACT_LIMIT = 50_000
RELATIVE_ERROR = 0.001
_LOG_G = math.log1p(RELATIVE_ERROR)
_FLOOR = 1e-3  # values at or below this (ms) share bucket "zero"


class Quantiles:
    __slots__ = ("_buckets", "_exact", "count", "max")

    def __init__(self) -> None:
        self._exact: array[float] | None = array("d")
        self._buckets: Counter[int] = Counter()
        self.count = 0
        self.max: float | None = None

    def add(self, value: float) -> None:
        if not math.isfinite(value):
            return
        self.count += 1
        self.max = value if self.max is None or value > self.max else self.max
        if self._exact is not None:
            self._exact.append(value)
            if len(self._exact) > EXACT_LIMIT:
                for v in self._exact:
                    self._buckets[_bucket(v)] += 1
                self._exact = None
            return
        self._buckets[_bucket(value)] += 1

    def summary(self) -> dict[str, float | None]:
        if not self.count or self.max is None:
            return {"p50": None, "p90": None, "p99": None, "max": None}
        return {
            "p50": self._pick(0.50),
            "p90": self._pick(0.90),
            "p99": self._pick(0.99),
            "max": round(self.max, 3),
        }

    def _pick(self, q: float) -> float:
        rank = min(self.count - 1, int(q * self.count))  # the same rank as sorted(values)[int(q * n)]
        if self._exact is not None:
            return round(sorted(self._exact)[rank], 3)
        seen = 0
        for key in sorted(self._buckets):
            seen += self._buckets[key]
            if seen > rank:
                return round(min(_value(key), self.max if self.max is not None else math.inf), 3)
        return round(self.max or 0.0, 3)


def _bucket(value: float) -> int:
    return -(10**9) if value <= _FLOOR else math.floor(math.log(value) / _LOG_G)


def _value(key: int) -> float:
    """The middle of the bucket: within RELATIVE_ERROR / 2 of every value in it."""
    return 0.0 if key == -(10**9) else math.exp((key + 0.5) * _LOG_G)
