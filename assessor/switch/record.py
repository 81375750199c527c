"""JSONL files written by a thread, so the request loop never waits for the disk.

Every line is flushed as it is written: an interrupted or crashed run keeps everything
already recorded.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

_STOP = object()


class JsonlWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._fh: TextIO = path.open("w", encoding="utf-8")  # a run starts its records afresh
        self._thread = threading.Thread(target=self._drain, name=f"jsonl-{path.name}", daemon=True)
        self._thread.start()
        self.count = 0

    def put(self, item: dict[str, Any]) -> None:
        self._queue.put(item)  # never blocks
        self.count += 1

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            self._fh.write(json.dumps(item, separators=(",", ":")) + "\n")
            if self._queue.empty():
                self._fh.flush()
        self._fh.flush()

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30)
        self._fh.close()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return list(iter_jsonl(path))


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The file's objects one at a time: a run's requests.jsonl can hold millions of lines."""
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                item = json.loads(line)
            except ValueError:
                continue  # a line cut by a crash
            if isinstance(item, dict):
                yield item
