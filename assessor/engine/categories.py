"""The finding category vocabulary, read from rules/categories.yaml and checked once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assessor.model.yamlloader import Loader
from assessor.paths import rules_dir


class CategoryError(ValueError):
    """rules/categories.yaml is malformed; names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    meaning: str
    docker_dependency: bool  # must be fixed before the switch (see the file's header)


def parse_categories(data: Any, file: Path) -> dict[str, Category]:
    entries = data.get("categories") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries or not isinstance(data.get("source"), str):
        raise CategoryError(f"{file}: expected a mapping with 'source' and a non-empty 'categories' list")
    out: dict[str, Category] = {}
    for i, entry in enumerate(entries):
        where = f"{file}: categories[{i}]"
        if not isinstance(entry, dict) or set(entry) != {"name", "meaning", "dockerDependency"}:
            raise CategoryError(f"{where}: needs exactly name, meaning and dockerDependency")
        name, meaning, dep = entry["name"], entry["meaning"], entry["dockerDependency"]
        if not isinstance(name, str) or not isinstance(meaning, str) or not isinstance(dep, bool):
            raise CategoryError(f"{where}: name and meaning are strings, dockerDependency a boolean")
        if name in out:
            raise CategoryError(f"{where}: {name} is listed twice")
        out[name] = Category(name, meaning, dep)
    return out


def read_categories(file: Path) -> dict[str, Category]:
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CategoryError(f"{file}: {exc}") from None
    return parse_categories(data, file)


@lru_cache(maxsize=1)
def load_categories() -> dict[str, Category]:
    """Every category by name, in the file's order (reports list them in it)."""
    return read_categories(rules_dir() / "categories.yaml")


def docker_dependency_categories() -> frozenset[str]:
    return frozenset(c.name for c in load_categories().values() if c.docker_dependency)
