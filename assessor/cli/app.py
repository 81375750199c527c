"""The `assess` application: the root command, exit codes, and the process exit."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Annotated

import typer

from assessor import __version__
from assessor.gcpause import paused_gc
from assessor.render.sanitize.terminal import SafeConsole

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3

# Commands that load, scan and exit: millions of acyclic objects, no collection needed (see gcpause).
# `switch` runs for minutes with threads and sockets, so it keeps the collector.
GC_PAUSED_COMMANDS = frozenset({"cluster", "manifests", "rke", "plan", "report", "node"})

app = typer.Typer(
    help="Find what depends on Docker Engine before Kubernetes moves to containerd.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="List the rules, or explain one.", invoke_without_command=True)
app.add_typer(rules_app, name="rules")

# Everything on stderr names input (files, objects, servers): escape sequences in it are shown, not run.
stderr = SafeConsole(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print `error: message` and return the exit to raise."""
    stderr.print(f"error: {message}", markup=False)
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"assess {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Find what depends on Docker Engine before Kubernetes moves to containerd."""
    if ctx.invoked_subcommand in GC_PAUSED_COMMANDS:
        ctx.with_resource(paused_gc())  # resumed when the command ends


def main() -> None:
    prog = "kubectl assess" if os.path.basename(sys.argv[0]).startswith("kubectl-") else "assess"
    try:
        app(prog_name=prog)
    except KeyboardInterrupt:
        stderr.print("interrupted", markup=False)
        _exit_now(130)
    except SystemExit as exc:
        _exit_now(exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1)
    _exit_now(0)


def _exit_now(code: int) -> None:
    """Exit without tearing down the heap: freeing millions of objects one by one takes seconds
    after a big scan, and the operating system reclaims the memory at once anyway."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe must not hide the exit code
            stream.flush()
    os._exit(code)
