"""`assess rules` and `assess rules show`: the rule set, as data."""

from __future__ import annotations

from typing import Annotated

import typer

from assessor.cli.app import fail, rules_app
from assessor.cli.common import emit, load_rules_or_exit
from assessor.cli.options import Command, Output, command
from assessor.render.options import RenderOptions
from assessor.render.registry import Kind


@command(Kind.rules, rules_app.callback())
def rules_list(ctx: typer.Context, out: Output) -> None:
    """List every rule: id, severity, category, title."""
    if ctx.invoked_subcommand is None:
        emit(out, Kind.rules, [r.to_dict() for r in load_rules_or_exit()], RenderOptions())


@command(Kind.rule, rules_app.command("show", cls=Command))
def rules_show(
    rule_id: Annotated[str, typer.Argument(metavar="RULE", help="A rule id (DOCK001) or slug (docker-socket-mount).")],
    out: Output,
) -> None:
    """Explain one rule: why it matters, what to do, what it matches."""
    wanted = rule_id.strip().lower()
    for rule in load_rules_or_exit():
        if wanted in (rule.id.lower(), rule.slug.lower()):
            emit(out, Kind.rule, rule.to_dict(), RenderOptions())
            return
    raise fail(f"no rule {rule_id!r}; `assess rules` lists them")
