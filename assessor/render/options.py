"""The one options object every renderer receives, whatever it renders."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RenderOptions:
    fail_on: str = "high"  # a severity name or "none": what a CI format marks as failing
    width: int | None = None  # columns for the table; None: the terminal's, or 140 off a terminal
    artifacts: str | None = None  # where a switch test wrote its files, for the summary to point at
