"""Write the plan directory: idempotent, and never over a file the operator has edited (unless --force)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from assessor.atomicwrite import staged_directory, write_text

LOCK = ".assess-plan.json"


@dataclass(slots=True)
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited by the operator: left alone

    def to_dict(self) -> dict[str, list[str]]:
        return {"written": self.written, "unchanged": self.unchanged, "keptEdited": self.kept}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def write_plan(out: Path, files: dict[str, str], force: bool = False) -> WriteReport:
    """files: relative path → content. A file differs from what the last run wrote ⇒ edited ⇒ kept.

    All or nothing: the plan is written into a stage beside `out` and swapped in whole, so a full
    disk or a crash leaves the previous plan (or none), never half of the new one.
    """
    report = WriteReport()
    lock_path = out / LOCK
    try:
        lock: dict[str, str] = json.loads(lock_path.read_text()) if lock_path.exists() else {}
    except (OSError, ValueError):
        lock = {}
    if not isinstance(lock, dict):
        lock = {}
    todo: dict[str, str] = {}
    for rel, text in sorted(files.items()):
        path = out / rel
        new = _digest(text)
        if path.exists():
            current = _digest(path.read_text(encoding="utf-8", errors="replace"))
            if current == new:
                report.unchanged.append(rel)
                lock[rel] = new
                continue
            if current != lock.get(rel) and not force:
                report.kept.append(rel)
                continue
        todo[rel] = text
        lock[rel] = new
        report.written.append(rel)
    with staged_directory(out) as stage:
        for rel, text in todo.items():
            path = stage / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, text, 0o600 if rel.endswith("registries.yaml") else 0o644)
        write_text(stage / LOCK, json.dumps(lock, indent=2, sort_keys=True) + "\n", 0o644)
    return report
