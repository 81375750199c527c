"""`assess node` (this node, or a copy of its filesystem) and `assess nodes` (every node of cluster.yml over SSH)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Annotated

import typer

from assessor.atomicwrite import write_text
from assessor.cli.app import EXIT_INCOMPLETE, EXIT_OK, app, fail
from assessor.cli.common import run_scan
from assessor.cli.options import BaselineFiles, Command, Duration, Gate, Output, ScanSettings, command, duration
from assessor.nodescan import NodeInput
from assessor.render.registry import Kind
from assessor.render.sanitize.terminal import terminal
from assessor.sources.result import SourceResult

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@command(Kind.scan, app.command(cls=Command))
def node(
    gate: Gate,
    baseline: BaselineFiles,
    out: Output,
    settings: ScanSettings,
    docker_host: Annotated[
        str | None,
        typer.Option(
            "--docker-host",
            metavar="URL",
            help="Docker Engine to read (default: $DOCKER_HOST, then unix:///var/run/docker.sock).",
        ),
    ] = None,
    root: Annotated[
        Path, typer.Option("--root", metavar="DIR", help="The node's filesystem root, or a copy of it.")
    ] = Path("/"),
    timeout: Annotated[str, Duration("--timeout", "Timeout for each Docker Engine API call, e.g. 10s.")] = "10s",
    rke_yml: Annotated[
        Path | None,
        typer.Option(
            "--rke",
            metavar="CLUSTER_YML",
            help="The cluster.yml to compare RKE's own containers' flags and binds with.",
        ),
    ] = None,
) -> None:
    """Read this node's Docker Engine and host files (read-only): what no Kubernetes API shows."""
    from assessor.model.rke import RkeConfigError
    from assessor.nodes.collect import collect_node
    from assessor.sources.rke import load_rke_config

    cluster = None
    if rke_yml is not None:
        try:
            cluster = load_rke_config(str(rke_yml))
        except RkeConfigError as exc:
            raise fail(str(exc)) from None
    if not root.is_dir():
        raise typer.BadParameter(f"{root}: not a directory", param_hint="--root")
    report = collect_node(docker_host, root, duration(timeout, "--timeout") or 10.0)
    source = SourceResult(
        kind="node",
        description={"type": "node", "hostname": report.hostname, "dockerHost": report.docker_host, "root": str(root)},
    )
    if report.engine_error:
        source.problems.error("Docker Engine", f"not read: {report.engine_error}")
    for note in report.notes:
        source.problems.note(str(root), note)
    source.files_read = 1
    run_scan(source, gate, baseline, out, settings, nodes=[NodeInput(report)], node_cluster=cluster)


def _node_file(directory: Path, name: str) -> Path:
    return directory / f"{_SAFE_NAME.sub('_', name) or 'node'}.json"


def _write_json(directory: Path, name: str, data: dict[str, object]) -> Path:
    """Write atomically: a reader of DIR never sees half a file (mode 600: a node's own facts)."""
    target = _node_file(directory, name)
    write_text(target, json.dumps(data, sort_keys=True, indent=1) + "\n", 0o600)
    return target


@app.command(cls=Command)
def nodes(
    rke_yml: Annotated[
        Path, typer.Option("--rke", metavar="CLUSTER_YML", help="The RKE1 cluster.yml whose nodes to read.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="Directory for one JSON file per node.")],
    parallel: Annotated[int, typer.Option("--parallel", metavar="N", min=1, max=64, help="Nodes read at once.")] = 4,
    timeout: Annotated[str, Duration("--timeout", "Time allowed per node, e.g. 60s or 2m.")] = "60s",
    ssh_config: Annotated[
        Path | None, typer.Option("--ssh-config", metavar="PATH", help="An ssh_config file for ssh -F.")
    ] = None,
) -> None:
    """Read every node of an RKE1 cluster.yml over SSH, as rke up reaches them; one JSON per node in DIR."""
    from assessor.model.rke import RkeConfigError
    from assessor.nodes.ssh import OK, NodeOutcome, collect_many, targets_from_rke
    from assessor.sources.rke import load_rke_config

    seconds = duration(timeout, "--timeout") or 60.0
    try:
        config = load_rke_config(str(rke_yml))
    except RkeConfigError as exc:
        raise fail(str(exc)) from None
    targets = targets_from_rke(config)
    if not targets:
        raise fail(f"{rke_yml}: no nodes")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"{out_dir}: cannot create: {exc.strerror or exc}") from None
    width = max(len(t.name) for t in targets)

    def line(outcome: NodeOutcome) -> None:
        where = ""
        if outcome.status == OK and outcome.report is not None:
            # Named as Kubernetes names the node (hostname_override, else address): how findings,
            # the plan's nodes/<name>/ and the cluster's Node objects name it.
            report = dataclasses.replace(outcome.report, hostname=outcome.target.name)
            where = str(_write_json(out_dir, outcome.target.name, report.to_dict()))
        else:
            # A file from an earlier run would pass for this node's state: --nodes DIR must not read it.
            stale = _node_file(out_dir, outcome.target.name)
            if stale.is_file():
                stale.unlink()
                where = f"{outcome.reason} (removed {stale} of an earlier run)"
        detail = where or outcome.reason
        # The reason may quote what a node's SSH server said: shown escaped, never run by the terminal.
        typer.echo(terminal(f"{outcome.target.name:<{width}}  {outcome.status:<11}  {outcome.seconds:6.1f}s  {detail}"))

    try:
        outcomes = collect_many(
            targets,
            parallel=parallel,
            timeout=seconds,
            call_timeout=min(10.0, seconds / 3),
            ssh_config=str(ssh_config) if ssh_config else None,
            on_done=line,
        )
    except OSError as exc:
        raise fail(f"{out_dir}: cannot write: {exc.strerror or exc}") from None
    failed = [o for o in outcomes if o.status != OK]
    typer.echo(f"{len(outcomes) - len(failed)} of {len(outcomes)} nodes read; files in {out_dir}")
    raise typer.Exit(EXIT_INCOMPLETE if failed else EXIT_OK)
