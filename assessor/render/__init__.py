"""Renderers: each takes the result document and returns text; none computes anything new."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assessor.render import json_, junit, markdown, sarif, table, yaml_

Renderer = Callable[[dict[str, Any]], str]

RENDERERS: dict[str, Renderer] = {
    "table": table.render,
    "json": json_.render,
    "yaml": yaml_.render,
    "markdown": markdown.render,
    "sarif": sarif.render,
    "junit": junit.render,
}
