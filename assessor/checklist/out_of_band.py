"""The checks no API can answer, read from rules/checklist/out-of-band.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assessor.engine.tables import TableError, read_table
from assessor.paths import rules_dir

FIELDS = {"id": str, "text": str, "nodeRules": list}
_ID = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class OutOfBandCheck:
    id: str
    text: str
    node_rules: tuple[str, ...] = ()  # rules over node reports that answer it


def read_out_of_band(file: Path) -> tuple[OutOfBandCheck, ...]:
    checks: dict[str, OutOfBandCheck] = {}
    for i, entry in enumerate(read_table(file, "checks", FIELDS)):
        if not _ID.match(entry["id"]) or entry["id"] in checks:
            raise TableError(f"{file}: checks[{i}]: id must be unique, lower-case words and dashes")
        rules = entry["nodeRules"]
        if not all(isinstance(r, str) and r for r in rules):
            raise TableError(f"{file}: checks[{i}]: nodeRules must be a list of rule ids")
        checks[entry["id"]] = OutOfBandCheck(entry["id"], entry["text"], tuple(rules))
    return tuple(checks.values())


@lru_cache(maxsize=1)
def load_out_of_band() -> tuple[OutOfBandCheck, ...]:
    return read_out_of_band(rules_dir() / "checklist" / "out-of-band.yaml")
