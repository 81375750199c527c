"""The default terminal view: findings grouped by severity, then what to do, then coverage."""

from __future__ import annotations

import io
import os
import shutil
import sys
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from assessor.render.common import (
    Row,
    active_findings,
    by_severity,
    coverage_lines,
    destination_label,
    group_rows,
    rules_seen,
    source_label,
    target_label,
)
from assessor.render.options import RenderOptions
from assessor.render.sanitize.terminal import terminal_doc
from assessor.render.versions import (
    forecast_rows,
    hop_rows,
    node_rows,
    plan_lines,
    plan_lines_summary,
    summary_lines,
    written_lines,
)

STYLES = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def _terminal() -> tuple[int, bool]:
    """Width and colour as a terminal would want them; a pipe or file gets 140 columns, no colour."""
    if sys.stdout.isatty():
        return shutil.get_terminal_size((140, 24)).columns, "NO_COLOR" not in os.environ
    return int(os.environ.get("COLUMNS", "0") or 0) or 140, False


def render(doc: dict[str, Any], options: RenderOptions) -> str:
    doc = terminal_doc(doc)  # every value from the input, inert on a terminal
    width, color = _terminal()
    width = options.width or width
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False)
    findings = active_findings(doc)
    summary = doc["summary"]
    console.print(Text(f"Docker Engine dependencies in {source_label(doc)}", style="bold"))
    if destination_label(doc):
        console.print(destination_label(doc))
    console.print(
        f"{summary['objectsScanned']} objects: {summary['workloadsScanned']} workloads, "
        f"{summary['nodesScanned']} nodes, {summary['configMapsScanned']} ConfigMaps; {target_label(doc)}"
    )
    if not findings:
        console.print(Text("No Docker Engine dependencies found.", style="green"))
    for severity, group in by_severity(findings):
        rows = group_rows(group)
        title = f"{severity.upper()} ({len(group)})" + (f", {len(rows)} rows" if len(rows) != len(group) else "")
        console.print(Text(title, style=STYLES[severity]))
        for row in rows:
            _print_row(console, row, width)
    if findings:
        console.print(Text("What to do", style="bold"))
        for f in rules_seen(findings):
            _print_unbroken(console, f"  {f['ruleId']} {f['title']}: {f['remediation']}", 4)
            _print_unbroken(console, f"    {f['docs']}", 4, style="dim")
    if "versions" in doc:
        _versions(console, doc["versions"])
    if "plan" in doc:
        _plan(console, doc["plan"])
    counts = ", ".join(f"{n} {s}" for s, n in summary["bySeverity"].items() if n)
    suppressed = f"; {summary['suppressed']} suppressed" if summary["suppressed"] else ""
    console.print(f"\n{summary['findings']} findings" + (f" ({counts})" if counts else "") + suppressed)
    gaps = coverage_lines(doc)
    if gaps:
        console.print(Text("Coverage: INCOMPLETE — the scan could not see everything:", style="bold yellow"))
        for line in gaps:
            console.print(f"  - {line}")
    return buffer.getvalue()


RULE_WIDTH = 11  # "  DOCK001  ": the lines below a row's first line start under its object


def _print_row(console: Console, row: Row, width: int) -> None:
    """A row as lines that never break a `file:line`, an object name or a URL: the object on the
    rule's line, then where, then the evidence wrapped between words."""
    head = f"  {row.rule_id:<{RULE_WIDTH - 3}} {row.object_label}"
    if row.containers:
        head += f" [{', '.join(row.containers)}]"
    _print_unbroken(console, head, RULE_WIDTH, style="bold")
    room = max(width - RULE_WIDTH, 20)
    if row.locations:
        where = ", ".join(shorten_location(loc, room) for loc in row.locations)
        _print_unbroken(console, " " * RULE_WIDTH + where, RULE_WIDTH)
    for message in row.messages:
        _print_unbroken(console, " " * RULE_WIDTH + message, RULE_WIDTH)


def _print_unbroken(console: Console, text: str, indent: int, style: str = "") -> None:
    """Wrap between words only, continuing lines indent columns in: a word longer than the line
    (a URL, a long object name) runs past the edge rather than being cut."""
    lead = len(text) - len(text.lstrip(" "))
    line = text[:lead]
    for word in text[lead:].split(" "):
        if line.strip() and len(line) + 1 + len(word) > console.width:
            console.print(Text(line, style=style), overflow="ignore", crop=False, no_wrap=True)
            line = " " * indent + word
        else:
            line = f"{line} {word}" if line.strip() else line + word
    console.print(Text(line, style=style), overflow="ignore", crop=False, no_wrap=True)


def shorten_location(label: str, room: int) -> str:
    """`fixtures/clusters/seed-rke1.yaml:2263` in room columns, cut from the left at a `/`
    (`…/clusters/seed-rke1.yaml:2263`), never inside the file name or the line."""
    if len(label) <= room or "/" not in label:
        return label
    parts = label.split("/")
    for start in range(1, len(parts)):
        candidate = "…/" + "/".join(parts[start:])
        if len(candidate) <= room:
            return candidate
    return "…/" + parts[-1]


def _versions(console: Console, versions: dict[str, Any]) -> None:
    console.print(Text("\nVersions", style="bold"))
    for line in summary_lines(versions):
        console.print(f"  {line}")
    nodes = node_rows(versions)
    if nodes:
        _print_rows(console, ("NODE", "ROLES", "KUBELET", "RUNTIME", "OS"), nodes, show_lines=False)
    hops = hop_rows(versions)
    if hops:
        console.print(Text(f"Upgrade path: {len(hops)} step(s)", style="bold"))
        _print_rows(console, ("HOP", "KUBERNETES", "RKE RELEASES", "REQUIRED CHANGES", "BLOCKERS"), hops)
    for line in plan_lines(versions):
        console.print(f"  {line}")


def _plan(console: Console, plan: dict[str, Any]) -> None:
    console.print(Text("\nMigration plan", style="bold"))
    for line in plan_lines_summary(plan):
        console.print(f"  {line}")
    rows = forecast_rows(plan)
    title = f"Disruption forecast ({plan['strategy']}): {len(rows)} workload(s) drop requests"
    console.print(Text(title, style="bold"))
    if rows:
        _print_rows(console, ("WORKLOAD", "RISK", "ERROR WINDOWS", "WHY", "FIX"), rows)
    for line in written_lines(plan):
        console.print(f"  {line}")


def _print_rows(console: Console, columns: tuple[str, ...], rows: list[list[str]], *, show_lines: bool = True) -> None:
    table = Table(box=box.SIMPLE_HEAD, show_lines=show_lines)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)
