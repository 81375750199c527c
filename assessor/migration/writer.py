"""Write the plan directory: idempotent, and never over a file the operator has edited (unless --force)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from assessor.atomicwrite import staged_directory, write_text

LOCK = ".assess-plan.json"
# Files that carry values copied from cluster.yml (extra_args, extra_env, registry credentials):
# readable by their owner only, whatever the values look like.
PRIVATE_PREFIXES = ("nodes/", "helmchartconfigs/")


class PlanPathError(ValueError):
    """A plan file would land outside --out (one line, names the path)."""


@dataclass(slots=True)
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited by the operator: left alone

    def to_dict(self) -> dict[str, list[str]]:
        return {"written": self.written, "unchanged": self.unchanged, "keptEdited": self.kept}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def file_mode(rel: str) -> int:
    private = rel == "registries.yaml" or (rel.startswith(PRIVATE_PREFIXES) and rel.endswith(".yaml"))
    return 0o600 if private else 0o644


def contained(out: Path, rel: str) -> Path:
    """out/rel, or PlanPathError if it is not a plain relative path that stays inside out.

    Resolving follows every symlink already on disk, so a link inside out that points elsewhere
    (nodes -> /etc) is refused like a '..' in the name.
    """
    parts = rel.split("/")
    if "\0" in rel or rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise PlanPathError(f"{out}: refusing to write {rel!a}: not a plain relative path")
    root = out.resolve()
    path = out / rel
    if not path.resolve().is_relative_to(root):
        raise PlanPathError(f"{out}: refusing to write {rel!a}: it resolves outside {out} (a symlink?)")
    return path


def write_plan(out: Path, files: dict[str, str], force: bool = False) -> WriteReport:
    """files: relative path → content. A file differs from what the last run wrote ⇒ edited ⇒ kept.

    Every destination is checked before anything is written: one path outside out, nothing written.
    All or nothing: the plan is written into a stage beside `out` and swapped in whole, so a full
    disk or a crash leaves the previous plan (or none), never half of the new one.
    """
    report = WriteReport()
    paths = {rel: contained(out, rel) for rel in files}
    lock_path = contained(out, LOCK)
    try:
        loaded = json.loads(lock_path.read_text()) if lock_path.exists() else {}
    except (OSError, ValueError):
        loaded = {}
    lock: dict[str, str] = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
    todo: dict[str, str] = {}
    tighten: list[str] = []
    for rel, text in sorted(files.items()):
        path = paths[rel]
        new = _digest(text)
        if path.exists():
            current = _digest(path.read_text(encoding="utf-8", errors="replace"))
            if current == new:
                if file_mode(rel) == 0o600 and path.stat().st_mode & 0o077:
                    tighten.append(rel)  # written by an older version with a looser mode
                report.unchanged.append(rel)
                lock[rel] = new
                continue
            if current != lock.get(rel) and not force:
                report.kept.append(rel)
                continue
        todo[rel] = text
        lock[rel] = new
        report.written.append(rel)
    # In the stage, a file goes where it resolves inside out: a symlink copied into the stage still
    # points into the live folder, and writing through it would bypass the stage.
    root = out.resolve()

    def staged(stage: Path, path: Path) -> Path:
        return stage / path.resolve().relative_to(root)

    with staged_directory(out) as stage:
        for rel in tighten:
            os.chmod(staged(stage, paths[rel]), 0o600)
        for rel, text in todo.items():
            target = staged(stage, paths[rel])
            target.parent.mkdir(parents=True, exist_ok=True)
            write_text(target, text, file_mode(rel))
        write_text(staged(stage, lock_path), json.dumps(lock, indent=2, sort_keys=True) + "\n", 0o644)
    return report
