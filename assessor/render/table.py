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

from assessor.model.findings import object_label
from assessor.render.common import (
    active_findings,
    by_severity,
    coverage_lines,
    location_label,
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
    console.print(
        f"{summary['objectsScanned']} objects: {summary['workloadsScanned']} workloads, "
        f"{summary['nodesScanned']} nodes, {summary['configMapsScanned']} ConfigMaps; {target_label(doc)}"
    )
    if not findings:
        console.print(Text("No Docker Engine dependencies found.", style="green"))
    for severity, group in by_severity(findings):
        table = Table(
            title=Text(f"{severity.upper()} ({len(group)})", style=STYLES[severity]),
            title_justify="left",
            box=box.SIMPLE_HEAD,
            expand=False,
        )
        table.add_column("RULE", no_wrap=True)
        table.add_column("OBJECT", overflow="fold")
        table.add_column("CONTAINER", overflow="fold")
        table.add_column("EVIDENCE", overflow="fold")
        table.add_column("WHERE", overflow="fold")
        for f in group:
            table.add_row(f["ruleId"], object_label(f), f["container"] or "", f["message"], location_label(f))
        console.print(table)
    if findings:
        console.print(Text("What to do", style="bold"))
        for f in rules_seen(findings):
            console.print(f"  {f['ruleId']} {f['title']}: {f['remediation']}")
            console.print(f"    {f['docs']}", style="dim")
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
