"""The scanning commands: cluster, rke, plan, manifests. Each reads its input and hands over to run_scan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from assessor.atomicwrite import DestinationError, check_dir_destination
from assessor.cli.app import EXIT_USAGE, app, fail, stderr
from assessor.cli.common import (
    cluster_source,
    read_nodes,
    refusing_special_files,
    report_problems,
    rke_inputs,
    run_scan,
)
from assessor.cli.options import (
    BaselineFiles,
    ClusterAccess,
    Command,
    DirectOpt,
    Gate,
    NodesDirOpt,
    Output,
    RkeVersionOpt,
    ScanSettings,
    command,
)
from assessor.render.registry import Kind
from assessor.sources.documents import DEFAULT_MAX_BYTES
from assessor.versions.assessment import VersionInputs

_SERVER_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?/?$|^https://\[[0-9A-Fa-f:]+\](:\d{1,5})?/?$")
ClusterYmlArg = Annotated[Path, typer.Argument(help="The RKE1 cluster.yml.", metavar="CLUSTER_YML")]


@command(Kind.scan, app.command(cls=Command))
def cluster(
    access: ClusterAccess,
    gate: Gate,
    baseline: BaselineFiles,
    out: Output,
    settings: ScanSettings,
    nodes_dir: NodesDirOpt = None,
) -> None:
    """Scan a live cluster (read-only) or a snapshot of one, with its versions and upgrade path."""
    nodes = read_nodes(nodes_dir)
    source = cluster_source(access)
    versions = VersionInputs(server_version=source.description.get("serverVersion"))
    run_scan(source, gate, baseline, out, settings, versions, nodes=nodes)


@command(Kind.scan, app.command(cls=Command))
def rke(
    cluster_yml: ClusterYmlArg,
    access: ClusterAccess,
    gate: Gate,
    baseline: BaselineFiles,
    out: Output,
    settings: ScanSettings,
    rke_version: RkeVersionOpt = None,
    direct: DirectOpt = False,
) -> None:
    """Check an RKE1 cluster.yml and plan the upgrade path minor by minor (with the cluster, if given)."""
    source, versions = rke_inputs(cluster_yml, rke_version, access, direct)
    run_scan(source, gate, baseline, out, settings, versions)


@command(Kind.scan, app.command(cls=Command))
def plan(
    cluster_yml: ClusterYmlArg,
    plan_dir: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Directory for the RKE2 files and the runbook.")
    ],
    access: ClusterAccess,
    gate: Gate,
    baseline: BaselineFiles,
    out: Output,
    settings: ScanSettings,
    strategy: Annotated[
        str,
        typer.Option(
            "--strategy", metavar="STRATEGY", help="Forecast disruption for: in-place (node by node) or blue-green."
        ),
    ] = "in-place",
    force: Annotated[bool, typer.Option("--force", help="Overwrite files the operator has edited.")] = False,
    include_secrets: Annotated[
        bool, typer.Option("--include-secrets", help="Write registry passwords into registries.yaml.")
    ] = False,
    server_url: Annotated[
        str | None,
        typer.Option(
            "--server-url",
            metavar="URL",
            help="Where joining RKE2 nodes register: a VIP or load balancer, https://HOST:9345 "
            "(default: the first authentication.sans entry, else a placeholder the runbook fills).",
        ),
    ] = None,
    rke_version: RkeVersionOpt = None,
    nodes_dir: NodesDirOpt = None,
    direct: DirectOpt = False,
) -> None:
    """Write RKE2 config.yaml per node, registries.yaml, HelmChartConfigs and a runbook; forecast disruption."""
    from assessor.migration.build import MigrationOptions
    from assessor.migration.strategy import STRATEGIES

    if strategy not in STRATEGIES:
        raise typer.BadParameter(f"use one of {', '.join(STRATEGIES)}", param_hint="--strategy")
    if server_url is not None and not _SERVER_URL.match(server_url):
        raise typer.BadParameter(
            "expected https://HOST:PORT, e.g. https://rke2.example.net:9345", param_hint="--server-url"
        )
    try:
        check_dir_destination(plan_dir, "plan")
    except DestinationError as exc:
        raise fail(str(exc)) from None
    nodes = read_nodes(nodes_dir)
    source, versions = rke_inputs(cluster_yml, rke_version, access, direct)
    # Nothing is written from input that could not be read whole.
    broken = source.problems.errors
    if broken or (access.snapshot is not None and not source.objects):
        report_problems(source, settings.quiet)
        stderr.print(
            f"error: {cluster_yml if broken else access.snapshot}: cannot plan from incomplete input; nothing written",
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE)
    migration = MigrationOptions(
        strategy=strategy,
        include_secrets=include_secrets,
        server_url=server_url,
        nodes=tuple(n.report for n in nodes or ()),
    )
    run_scan(source, gate, baseline, out, settings, versions, migration, plan_dir, force, nodes)


@command(Kind.scan, app.command(cls=Command))
def manifests(
    paths: Annotated[list[str], typer.Argument(metavar="PATH", help="Files, directories (recursive) or - for stdin.")],
    gate: Gate,
    baseline: BaselineFiles,
    out: Output,
    settings: ScanSettings,
    max_file_size: Annotated[
        int, typer.Option("--max-file-size", metavar="MIB", min=1, help="Skip files larger than this many MiB.")
    ] = DEFAULT_MAX_BYTES // (1024 * 1024),
) -> None:
    """Scan manifest files, `helm template` output and `kubectl get -o yaml` dumps."""
    from assessor.sources.files import scan_paths

    source = refusing_special_files(lambda: scan_paths(paths, max_bytes=max_file_size * 1024 * 1024))
    run_scan(source, gate, baseline, out, settings)
