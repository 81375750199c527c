"""Manifest files and directories, `helm template` output, stdin, and `kubectl get -o yaml` dumps."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from assessor.model.objects import K8sObject
from assessor.model.problems import Problems
from assessor.sources.classify import objects_from_document
from assessor.sources.documents import (
    DEFAULT_MAX_BYTES,
    json_document,
    oversize_message,
    parse_documents,
    read_text,
)
from assessor.sources.readlimit import SNAPSHOT_MAX_BYTES, NotRegularFile, TooLarge, check_regular, read_bounded
from assessor.sources.result import SourceResult

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def scan_paths(paths: Iterable[str], max_bytes: int | None = DEFAULT_MAX_BYTES) -> SourceResult:
    """Raises InputRefused when an argument is a FIFO, a device or a socket (a usage error, exit 2)."""
    path_list = list(paths)
    refuse_special_arguments(path_list)
    result = SourceResult(kind="manifests", description={"type": "manifests", "paths": path_list})
    for name, raw in _read_inputs(path_list, result.problems, max_bytes):
        result.files_read += 1
        result.objects.extend(objects_from_bytes(raw, name, result.problems, max_bytes=max_bytes))
    return result


def load_snapshot(path: str) -> SourceResult:
    """A `kubectl get … -o yaml|json` dump: one big List, read up to SNAPSHOT_MAX_BYTES.

    Lines are found as for manifests (the node tree is composed only when a finding asks), so the
    same evidence gets the same line whether the file is read here or by `assess manifests`; a
    snapshot bigger than `assess manifests` reads by default gives the line each object starts on.
    """
    refuse_special_arguments([path])
    result = SourceResult(kind="snapshot", description={"type": "snapshot", "path": path})
    for name, raw in _read_inputs([path], result.problems, SNAPSHOT_MAX_BYTES):
        result.files_read += 1
        # Past the size `assess manifests` reads by default, composing a node tree of the whole file
        # for a finding's line would cost many times the scan (minutes and tens of GiB for a
        # 150,000-pod cluster): findings there name the line where their object starts.
        locate = len(raw) <= DEFAULT_MAX_BYTES
        result.objects.extend(objects_from_bytes(raw, name, result.problems, max_bytes=None, locate=locate))
    return result


def refuse_special_arguments(paths: list[str]) -> None:
    """A named FIFO, device or socket is a mistake on the command line: refuse it before reading anything."""
    for given in paths:
        if given == "-":
            continue
        try:
            check_regular(given)
        except NotRegularFile as exc:
            raise NotRegularFile(f"{given}: {exc}") from None
        except OSError:
            continue  # missing or unreadable: reported per file while reading


def objects_from_bytes(
    raw: bytes,
    name: str,
    problems: Problems,
    *,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    locate: bool = True,
) -> Iterator[K8sObject]:
    if not locate and (max_bytes is None or len(raw) <= max_bytes):
        doc = json_document(raw)  # a big snapshot in JSON: no text copy when msgspec reads it
        if doc is not None:
            yield from objects_from_document(doc, name, problems)
            return
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
            data = _read(None, "<stdin>", problems, max_bytes)
            if data is not None:
                yield "<stdin>", data
            continue
        path = Path(given)
        if path.is_dir():
            for file in _walk(path, problems):
                data = _read(file, str(file), problems, max_bytes)
                if data is not None:
                    yield str(file), data
        elif path.exists():
            data = _read(path, given, problems, max_bytes)
            if data is not None:
                yield given, data
        else:
            problems.error(given, "no such file or directory")


def _walk(root: Path, problems: Problems) -> Iterator[Path]:
    def unreadable(exc: OSError) -> None:
        # A folder we cannot list may hold manifests: the scan is incomplete, and says where.
        reason = exc.strerror or str(exc)
        problems.error(str(exc.filename or root), f"cannot list folder: {reason}; its files were not scanned")

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        # Hidden folders are VCS metadata and tool caches, never manifests.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            if filename.lower().endswith(MANIFEST_SUFFIXES):
                yield Path(dirpath) / filename


def _read(path: Path | None, name: str, problems: Problems, max_bytes: int | None) -> bytes | None:
    """The file's bytes, or None with a problem: a special file found in a folder is a note, the rest errors."""
    limit = max_bytes if max_bytes is not None else SNAPSHOT_MAX_BYTES
    try:
        if path is not None and max_bytes is not None and path.stat().st_size > max_bytes:
            problems.error(name, oversize_message(path.stat().st_size, max_bytes))
            return None
        return read_bounded(path, limit, "--max-file-size" if max_bytes is not None else "a snapshot")
    except NotRegularFile as exc:
        problems.note(name, f"{exc} (skipped)")
    except TooLarge as exc:
        problems.error(name, str(exc))
    except OSError as exc:
        problems.error(name, f"cannot read: {exc.strerror or exc}")
    return None
