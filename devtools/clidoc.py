"""Generate docs/cli.md from the typer app: every command's --help, and the formats each renders.

Run: python -m devtools.docgen (it writes this page with the others; a test fails when it is stale).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import typer
from typer.core import TyperGroup

from assessor.cli import app
from assessor.cli.options import GROUPS, render_kind
from assessor.render.registry import SUFFIX_FORMATS, formats

WIDTH = 100  # fixed, so the page does not depend on the terminal it was generated in

INTRO = """\
# Command line

Generated from the typer app by `python -m devtools.docgen`; do not edit by hand. Each
section is the command's `--help`.

Every command takes `-o/--output FORMAT` and `--output-file PATH`. `-o` is always a format;
without it, the format is the one `--output-file`'s suffix names (below), if the command renders
it, else the command's default. A format the command does not render exits 2 and
lists the ones it does.

Suffixes: {suffixes}.
"""


def _formats_table(commands: list[tuple[str, Any]]) -> list[str]:
    """The registry's formats for the document kind each command renders (options.command records it)."""
    out = ["## Formats", "", "| command | document | formats |", "| --- | --- | --- |"]
    for path, cmd in commands:
        kind = render_kind(cmd.callback)
        if kind is not None:
            out.append(f"| `{path}` | {kind.value} | {', '.join(formats(kind))} |")
    return [*out, ""]


def _commands(command: Any, path: list[str]) -> list[tuple[str, Any]]:
    out = [(" ".join(path), command)]
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            out += _commands(sub, [*path, name])
    return out


def _groups_table(commands: list[tuple[str, Any]]) -> list[str]:
    """Each option group (assessor/cli/options.py): its own options, and the commands that take them."""
    out = ["## Option groups", "", "The same flags and help wherever they appear.", ""]
    out += ["| group | options | commands |", "| --- | --- | --- |"]
    for group in GROUPS:
        inherited = {
            f.name for base in group.__mro__[1:] if dataclasses.is_dataclass(base) for f in dataclasses.fields(base)
        }
        names = [f.name for f in dataclasses.fields(group) if f.name not in inherited]
        users = [(path, cmd) for path, cmd in commands if names[0] in {p.name for p in cmd.params}]
        flags = ["/".join(p.opts) for p in users[0][1].params if p.name in names] if users else []
        what = (group.__doc__ or "").strip().split(":")[0]
        out.append(f"| {what} | {', '.join(f'`{f}`' for f in flags)} | {', '.join(path for path, _ in users)} |")
    return [*out, ""]


def _context(command: Any, name: str, parent: typer.Context | None) -> typer.Context:
    return typer.Context(command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH)


def _sections(command: Any, path: list[str], parent: typer.Context | None) -> list[str]:
    """`command`'s help, then its subcommands' (typer vendors click, so the types stay loose here)."""
    ctx = _context(command, path[-1], parent)
    out = [f"## {' '.join(path)}", "", "```text", command.get_help(ctx), "```", ""]
    if isinstance(command, TyperGroup):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                out += _sections(sub, [*path, name], ctx)
    return out


def render_cli() -> str:
    suffixes = ", ".join(f"`{s}` {f}" for s, f in SUFFIX_FORMATS.items())
    root = typer.main.get_command(app)
    commands = _commands(root, ["assess"])
    out = [INTRO.format(suffixes=suffixes), *_groups_table(commands), *_formats_table(commands)]
    out += _sections(root, ["assess"], None)
    return "\n".join(out).rstrip() + "\n"
