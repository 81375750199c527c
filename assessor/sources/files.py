"""Manifest files and directories, `helm template` output, stdin, and `kubectl get -o yaml` dumps."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from assessor.model.objects import K8sObject
from assessor.model.problems import Problems
from assessor.sources.classify import objects_from_document
from assessor.sources.documents import DEFAULT_MAX_BYTES, oversize_message, parse_documents, read_text
from assessor.sources.result import SourceResult

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def scan_paths(paths: Iterable[str], max_bytes: int | None = DEFAULT_MAX_BYTES) -> SourceResult:
    path_list = list(paths)
    result = SourceResult(kind="manifests", description={"type": "manifests", "paths": path_list})
    for name, raw in _read_inputs(path_list, result.problems, max_bytes):
        result.files_read += 1
        result.objects.extend(objects_from_bytes(raw, name, result.problems, max_bytes=max_bytes))
    return result


def load_snapshot(path: str) -> SourceResult:
    """A `kubectl get … -o yaml|json` dump: one big List, read without size limit.

    Lines are found as for manifests (the node tree is composed only when a finding asks), so the
    same evidence gets the same line whether the file is read here or by `assess manifests`.
    """
    result = SourceResult(kind="snapshot", description={"type": "snapshot", "path": path})
    for name, raw in _read_inputs([path], result.problems, None):
        result.files_read += 1
        result.objects.extend(objects_from_bytes(raw, name, result.problems, max_bytes=None))
    return result


def objects_from_bytes(
    raw: bytes,
    name: str,
    problems: Problems,
    *,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    locate: bool = True,
) -> Iterator[K8sObject]:
    text = read_text(raw, name, problems, max_bytes)
    if text is None:
        return
    before = len(problems.items)
    documents = 0
    for doc in parse_documents(text, name, problems, locate=locate):
        documents += 1
        yield from objects_from_document(doc, name, problems)
    if documents == 0 and len(problems.items) == before:
        problems.note(name, "no YAML documents, only comments; nothing to scan")


def _read_inputs(paths: list[str], problems: Problems, max_bytes: int | None) -> Iterator[tuple[str, bytes]]:
    for given in paths:
        if given == "-":
            yield "<stdin>", sys.stdin.buffer.read()
            continue
        path = Path(given)
        if path.is_dir():
            for file in _walk(path):
                data = _read(file, problems, max_bytes)
                if data is not None:
                    yield str(file), data
        elif path.exists():
            data = _read(path, problems, max_bytes)
            if data is not None:
                yield given, data
        else:
            problems.error(given, "no such file or directory")


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        # Hidden folders are VCS metadata and tool caches, never manifests.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            if filename.lower().endswith(MANIFEST_SUFFIXES):
                yield Path(dirpath) / filename


def _read(path: Path, problems: Problems, max_bytes: int | None) -> bytes | None:
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            problems.error(str(path), oversize_message(path.stat().st_size, max_bytes))
            return None
        return path.read_bytes()
    except OSError as exc:
        problems.error(str(path), f"cannot read: {exc.strerror or exc}")
        return None
