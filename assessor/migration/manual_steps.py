"""The cluster.yml fields RKE2 has no key for, read from rules/migration/manual-steps.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assessor.engine.tables import TableError, read_table
from assessor.paths import rules_dir

FIELDS = {"field": str, "why": str, "todo": str}
_DOTTED = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


@dataclass(frozen=True, slots=True)
class ManualStep:
    field: str
    why: str
    todo: str


def read_manual_steps(file: Path) -> tuple[ManualStep, ...]:
    steps = []
    for i, entry in enumerate(read_table(file, "steps", FIELDS)):
        if not _DOTTED.match(entry["field"]):
            raise TableError(f"{file}: steps[{i}]: field must be a dotted cluster.yml path, got {entry['field']!r}")
        steps.append(ManualStep(entry["field"], entry["why"], entry["todo"]))
    return tuple(steps)


@lru_cache(maxsize=1)
def load_manual_steps() -> tuple[ManualStep, ...]:
    return read_manual_steps(rules_dir() / "migration" / "manual-steps.yaml")
