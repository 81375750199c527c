"""Data tables under rules/: a `source` for their facts and one list of flat, typed entries."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from assessor.model.yamlloader import Loader


class TableError(ValueError):
    """A data table is malformed; names the file and the entry."""


def read_table(file: Path, key: str, fields: Mapping[str, type]) -> list[dict[str, Any]]:
    """The entries under key, each with exactly fields, each of its type; the file must name its source."""
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TableError(f"{file}: {exc}") from None
    return check_table(data, file, key, fields)


def check_table(data: Any, file: Path, key: str, fields: Mapping[str, type]) -> list[dict[str, Any]]:
    entries = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, dict) or set(data) != {"source", key}:
        raise TableError(f"{file}: expected exactly the keys source and {key}")
    source = data["source"]
    if not isinstance(source, str) or not source.strip():
        raise TableError(f"{file}: source must say where the facts come from")
    if not isinstance(entries, list) or not entries:
        raise TableError(f"{file}: {key} must be a non-empty list")
    names = ", ".join(fields)
    for i, entry in enumerate(entries):
        where = f"{file}: {key}[{i}]"
        if not isinstance(entry, dict) or set(entry) != set(fields):
            raise TableError(f"{where}: needs exactly {names}")
        for name, kind in fields.items():
            value = entry[name]
            if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
                raise TableError(f"{where}: {name} must be a {'non-empty ' if kind is str else ''}{kind.__name__}")
    return entries
