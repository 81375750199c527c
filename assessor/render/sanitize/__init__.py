"""Sanitisers, one module per medium: every value from the input is made inert for where it is shown.

The document keeps the values as they were read (after redaction); each renderer passes what it
prints through its medium's sanitiser at render time: terminal (table, stderr), xml (JUnit),
markdown (scan, checklist). HTML reports escape with html.escape where they build the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def deep(value: Any, clean: Callable[[str], str]) -> Any:
    """`value` with every string in it (keys included) passed through `clean`; other scalars as they are."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {deep(k, clean): deep(v, clean) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [deep(v, clean) for v in value]
    return value
