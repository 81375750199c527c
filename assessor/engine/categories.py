"""The finding category vocabulary, read from rules/categories.yaml and checked once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assessor.engine.tables import TableError, read_table
from assessor.paths import rules_dir

FIELDS = {"name": str, "meaning": str, "dockerDependency": bool}


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    meaning: str
    docker_dependency: bool  # must be fixed before the switch (see the file's header)


def read_categories(file: Path) -> dict[str, Category]:
    out: dict[str, Category] = {}
    for i, entry in enumerate(read_table(file, "categories", FIELDS)):
        if entry["name"] in out:
            raise TableError(f"{file}: categories[{i}]: {entry['name']} is listed twice")
        out[entry["name"]] = Category(entry["name"], entry["meaning"], entry["dockerDependency"])
    return out


@lru_cache(maxsize=1)
def load_categories() -> dict[str, Category]:
    """Every category by name, in the file's order (reports list them in it)."""
    return read_categories(rules_dir() / "categories.yaml")


def docker_dependency_categories() -> frozenset[str]:
    return frozenset(c.name for c in load_categories().values() if c.docker_dependency)
