"""The one writer of a switch test's artifacts beside requests.jsonl and events.jsonl: summary.json,
report.html and, when asked, JUnit XML; each through its renderer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assessor.atomicwrite import write_text
from assessor.render.options import RenderOptions
from assessor.render.registry import Kind, render
from assessor.switch.record import read_jsonl
from assessor.switch.report_html import render_report

# Everything a run writes into --out: what --force removes before a new run.
RUN_FILES = ("requests.jsonl", "events.jsonl", "command.log", "summary.json", "report.html")


def write_artifacts(out_dir: Path, summary: dict[str, Any], junit: Path | None = None) -> list[Path]:
    """Write them and return their paths; OSError propagates for the caller to report."""
    options = RenderOptions(artifacts=str(out_dir))
    files = {
        out_dir / "summary.json": render(Kind.switch, "json", summary, options),
        out_dir / "report.html": render_report(summary, read_jsonl(out_dir / "events.jsonl")),
    }
    if junit is not None:
        files[junit] = render(Kind.switch, "junit", summary, options)
    for path, text in files.items():
        write_text(path, text)
    return list(files)
