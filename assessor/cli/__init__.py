"""The `assess` command line: thin functions per command over shared option groups; the work happens below."""

from __future__ import annotations

# isort: off
# --help lists the commands in the order they are imported: the scans first, then the rest
from assessor.cli import scan, nodes, report, switch, rules

# isort: on
from assessor.cli.app import app, main
from assessor.cli.options import parse_duration

__all__ = ["app", "main", "nodes", "parse_duration", "report", "rules", "scan", "switch"]
