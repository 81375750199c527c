"""Write the plan directory: idempotent, and never over a file the operator has edited (unless --force)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

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


def _atomic_write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_plan(out: Path, files: dict[str, str], force: bool = False) -> WriteReport:
    """files: relative path → content. A file differs from what the last run wrote ⇒ edited ⇒ kept."""
    report = WriteReport()
    lock_path = out / LOCK
    try:
        lock: dict[str, str] = json.loads(lock_path.read_text()) if lock_path.exists() else {}
    except (OSError, ValueError):
        lock = {}
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
        mode = 0o600 if rel.endswith("registries.yaml") else 0o644
        _atomic_write(path, text, mode)
        lock[rel] = new
        report.written.append(rel)
    _atomic_write(lock_path, json.dumps(lock, indent=2, sort_keys=True) + "\n")
    return report
