"""The chart template behind a `helm template` document, found on disk, and the line that holds a value.

`# Source: chart/templates/x.yaml` names the template relative to where helm ran, which is
usually the rendered file's folder or one of its parents, or the working directory. A line is
given only when the value is written literally on it: a templated value (`{{ .Values.x }}`)
has no line in the template that holds it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

MAX_TEMPLATE_BYTES = 1024 * 1024  # chart templates are small; anything bigger is not one


def template_path(rendered_file: str | None, template: str) -> Path | None:
    """The template file on disk, or None when it cannot be found."""
    relative = Path(template)
    if relative.is_absolute() or ".." in relative.parts:
        return None
    bases = [Path.cwd()]
    if rendered_file and not rendered_file.startswith("<"):
        folder = Path(rendered_file).resolve().parent
        bases = [folder, *folder.parents, *bases]
    for base in bases:
        candidate = base / relative
        try:
            if candidate.is_file():
                return candidate
        except OSError:
            continue
    return None


def template_line(rendered_file: str | None, template: str, value: str, key: str | None = None) -> int | None:
    """The line (1-based) of the template that holds value: with key, the first line that sets
    `key: value` (a templated `key: {{ … }}` holds no value); without, the first line that
    contains value (a line of ConfigMap data). None when no line does."""
    needle = value.strip()
    if not needle:
        return None
    path = template_path(rendered_file, template)
    if path is None:
        return None
    lines = _lines(str(path))
    if key:
        keyed = re.compile(rf"^\s*-?\s*{re.escape(key)}\s*:\s*[\"']?{re.escape(needle)}[\"']?\s*$")
        for number, line in enumerate(lines, start=1):
            if keyed.match(line):
                return number
        return None
    for number, line in enumerate(lines, start=1):
        if needle in line:
            return number
    return None


@lru_cache(maxsize=256)
def _lines(path: str) -> tuple[str, ...]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_TEMPLATE_BYTES + 1)
    except OSError:
        return ()
    if len(raw) > MAX_TEMPLATE_BYTES:
        return ()
    return tuple(raw.decode("utf-8", errors="replace").splitlines())
