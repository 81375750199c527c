"""Shared test helpers: scan text or files through the real pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from assessor.model.problems import Problems
from assessor.scan import ScanResult, scan
from assessor.sources.files import objects_from_bytes, scan_paths
from assessor.sources.result import SourceResult


def scan_text(text: str, name: str = "test.yaml") -> ScanResult:
    source = SourceResult(kind="manifests", description={"type": "manifests", "paths": [name]})
    source.objects = list(objects_from_bytes(text.encode(), name, source.problems))
    source.files_read = 1
    return scan(source)


def scan_file(path: Path) -> ScanResult:
    return scan(scan_paths([str(path)]))


def problems_of(text: str | bytes, name: str = "bad.yaml") -> tuple[list[str], int]:
    problems = Problems()
    raw = text.encode() if isinstance(text, str) else text
    objects = list(objects_from_bytes(raw, name, problems))
    return [p.one_line() for p in problems.items], len(objects)


def validate_sarif(log: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless the log is valid SARIF 2.1.0 (OASIS schema in tests/schemas)."""
    schema = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
