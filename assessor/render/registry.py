"""Which renderer turns which document into which format: one table, keyed by document kind and format.

A command asks for its document kind's formats (to list them in --help and to reject any
other with exit 2) and renders through `render`; every renderer gets the same RenderOptions.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

from assessor.render import checklist, json_, junit, markdown, rules, sarif, switch, table, yaml_
from assessor.render.options import RenderOptions

Renderer = Callable[[Any, RenderOptions], str]


class Kind(StrEnum):
    scan = "scan"  # the Assessment document of cluster, manifests, rke and plan
    report = "report"  # the checklist document of `assess report`
    rules = "rules"  # the list of rule dicts of `assess rules`
    rule = "rule"  # one rule dict, `assess rules show`
    switch = "switch"  # the SwitchTest summary


REGISTRY: dict[Kind, dict[str, Renderer]] = {
    Kind.scan: {
        "table": table.render,
        "json": json_.render,
        "yaml": yaml_.render,
        "markdown": markdown.render,
        "sarif": sarif.render,
        "junit": junit.render_scan,
    },
    Kind.report: {
        "markdown": checklist.render_markdown,
        "html": checklist.render_html,
        "json": json_.render,
        "yaml": yaml_.render,
    },
    Kind.rules: {
        "table": rules.list_table,
        "json": json_.render,
        "yaml": yaml_.render,
        "markdown": rules.list_markdown,
    },
    Kind.rule: {"table": rules.show_table, "json": json_.render, "yaml": yaml_.render, "markdown": rules.show_markdown},
    Kind.switch: {"table": switch.render, "json": json_.render, "yaml": yaml_.render, "junit": junit.render_switch},
}

# --output-file's suffix names the format when -o is not given
SUFFIX_FORMATS = {
    ".txt": "table",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".md": "markdown",
    ".sarif": "sarif",
    ".xml": "junit",
    ".html": "html",
    ".htm": "html",
}


class UnknownFormat(ValueError):
    """A format the document kind has no renderer for; the message lists the ones it has."""


def formats(kind: Kind) -> tuple[str, ...]:
    return tuple(REGISTRY[kind])


def choose_format(kind: Kind, requested: str | None, output_file: Path | None, default: str | None) -> str:
    """-o if given, else the format --output-file's suffix names (when this kind renders it), else default."""
    if requested is None:
        inferred = SUFFIX_FORMATS.get(output_file.suffix.lower()) if output_file is not None else None
        if inferred in REGISTRY[kind]:
            return str(inferred)
        if default is None:
            where = f"{output_file}'s suffix" if output_file is not None else "the command line"
            raise UnknownFormat(f"cannot tell the format from {where}; give -o, one of: {', '.join(formats(kind))}")
        return default
    if requested not in REGISTRY[kind]:
        raise UnknownFormat(f"{requested!r} is not a format here; use one of: {', '.join(formats(kind))}")
    return requested


def render(kind: Kind, fmt: str, doc: Any, options: RenderOptions) -> str:
    renderer = REGISTRY[kind].get(fmt)
    if renderer is None:
        raise UnknownFormat(f"{fmt!r} is not a format here; use one of: {', '.join(formats(kind))}")
    return renderer(doc, options)
