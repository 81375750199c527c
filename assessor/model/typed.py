"""Typed reads of untrusted values: finite numbers within sane bounds, and Kubernetes int-or-percent.

Everything a scan reads comes from a file or an API server someone else controls: YAML gives `.inf`,
`.nan`, 400-digit integers, booleans where numbers belong and strings where maps belong. The source
boundary (the inventory) checks each field it hands on with these functions, once; code further down
uses them again only as a second wall, so a value of the wrong type never reaches arithmetic.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

# Bounds well past anything real, well inside what float and int arithmetic handle.
MAX_SECONDS = 10 * 365 * 24 * 3600  # ten years: grace periods, probe timings, sleeps
MAX_COUNT = 1_000_000  # replicas, probe thresholds


def finite(value: Any, lo: float = -math.inf, hi: float = math.inf) -> float | None:
    """value as a float when it is a real number (not a bool) in [lo, hi]; else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return None  # float(10**400) raises; anything this large is out of every bound anyway
    number = float(value)
    if not math.isfinite(number) or not lo <= number <= hi:
        return None
    return number


def whole(value: Any, lo: int, hi: int) -> int | None:
    """value as an int when it is an integer (not a bool, not 1.5) in [lo, hi]; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not lo <= value <= hi:
        return None
    return value


def type_name(value: Any) -> str:
    """How a problem message names a value's type, or the value itself when it is a bad number."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return f"{value}" if -(10**12) < value < 10**12 else f"a {len(str(abs(value)))}-digit number"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a string" if isinstance(value, str) else type(value).__name__


# Kubernetes IntOrString as the API server validates it for PodDisruptionBudget minAvailable and
# maxUnavailable (ValidatePositiveIntOrPercent): a non-negative integer, or a string of digits and "%".
_PERCENT = re.compile(r"([0-9]+)%")


@dataclass(frozen=True, slots=True)
class IntOrPercent:
    value: int
    percent: bool

    def scaled(self, total: int, round_up: bool) -> int:
        """intstr.GetScaledValueFromIntOrPercent: a percentage of total, rounded as asked."""
        if not self.percent:
            return self.value
        exact = self.value * total
        return -(-exact // 100) if round_up else exact // 100


def int_or_percent(value: Any) -> IntOrPercent | None:
    """A Kubernetes int-or-percent (PDB semantics), or None when the API server would refuse it.

    Not RKE's max_unavailable (assessor/rke/strategy.py): RKE parses a string with intstr.Parse, so "5"
    is the number 5 there and invalid here, and RKE rounds a percentage down and never below 1, where a
    PodDisruptionBudget's minAvailable rounds up. tests/test_typed.py pins the difference.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return IntOrPercent(value, False) if 0 <= value <= 2**31 - 1 else None
    if isinstance(value, str):
        match = _PERCENT.fullmatch(value)
        if match and len(match.group(1)) <= 10:
            return IntOrPercent(int(match.group(1)), True)
    return None
