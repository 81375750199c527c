"""`assess report`: read the inputs, assemble the checklist (assessor.checklist.assemble), render it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assessor.cli.app import EXIT_FINDINGS, EXIT_OK, app, fail, stderr
from assessor.cli.common import (
    cluster_source,
    emit,
    load_rules_or_exit,
    read_baseline,
    read_nodes,
    refusing_special_files,
    report_problems,
    rke_inputs,
    target,
    write_baseline,
)
from assessor.cli.options import (
    BaselineFiles,
    ClusterAccess,
    Command,
    DirectOpt,
    NodesDirOpt,
    Output,
    RkeVersionOpt,
    ScanSettings,
    command,
)
from assessor.render.options import RenderOptions
from assessor.render.registry import Kind
from assessor.versions.assessment import VersionInputs


@command(Kind.report, app.command(cls=Command), default_format=None)
def report(
    access: ClusterAccess,
    baseline: BaselineFiles,
    out: Output,
    settings: ScanSettings,
    rke_yml: Annotated[
        Path | None,
        typer.Option("--rke", metavar="CLUSTER_YML", help="The RKE1 cluster.yml: versions, plan, forecast."),
    ] = None,
    rke_version: RkeVersionOpt = None,
    direct: DirectOpt = False,
    manifests_paths: Annotated[
        list[str] | None,
        typer.Option("--manifests", metavar="PATH", help="Manifest files or folders to include (repeatable)."),
    ] = None,
    switch_results: Annotated[
        Path | None, typer.Option("--switch-results", metavar="DIR", help="The --out folder of an assess switch run.")
    ] = None,
    nodes_dir: NodesDirOpt = None,
) -> None:
    """One go/no-go document: inventory, versions, plan and forecast, switch test, what no API can see."""
    from assessor.checklist.assemble import ReportInputs, SwitchResultsError, assemble_report
    from assessor.sources.files import scan_paths

    if not (access.given or rke_yml or manifests_paths or nodes_dir):
        raise typer.BadParameter("give a cluster (--snapshot, --kubeconfig/--context), --rke, --manifests or --nodes")
    inputs = ReportInputs(
        rules=load_rules_or_exit(),
        target=target(settings.target),
        destination=settings.destination,
        switch_results=switch_results,
        report_dir=out.output_file.parent if out.output_file is not None else Path("."),
        baseline=read_baseline(baseline),
        baseline_name=str(baseline.baseline),
        nodes=read_nodes(nodes_dir),
        nodes_label=str(nodes_dir) if nodes_dir is not None else None,
    )
    if rke_yml is not None:
        inputs.cluster, inputs.versions = rke_inputs(rke_yml, rke_version, access, direct)
        inputs.rke_label = str(rke_yml)
        inputs.input_files.append(("cluster.yml", str(rke_yml)))
        name = inputs.versions.config.get("cluster_name") if inputs.versions.config else None
        inputs.cluster_name = str(name) if name else None
    elif access.given:
        inputs.cluster = cluster_source(access)
        inputs.versions = VersionInputs(server_version=inputs.cluster.description.get("serverVersion"))
    if inputs.cluster is not None:
        report_problems(inputs.cluster, settings.quiet)
        if access.given:
            inputs.cluster_label = str(access.snapshot or access.context or "current context")
            if access.snapshot is not None:
                inputs.input_files.append(("snapshot", str(access.snapshot)))
            snapshot_name = access.snapshot.name if access.snapshot is not None else None
            inputs.cluster_name = inputs.cluster_name or access.context or snapshot_name
    if manifests_paths:
        inputs.manifests = refusing_special_files(lambda: scan_paths(manifests_paths))
        inputs.manifests_label = ", ".join(manifests_paths)
        inputs.input_files += [("manifests", p) for p in manifests_paths]
        report_problems(inputs.manifests, settings.quiet)
    if switch_results is not None:
        inputs.input_files.append(("switch test", str(switch_results)))
    try:
        assembled = assemble_report(inputs)
    except SwitchResultsError as exc:
        raise fail(str(exc)) from None
    write_baseline(baseline, assembled.findings)
    emit(out, Kind.report, assembled.doc, RenderOptions())
    decision = assembled.doc["decision"]
    where = f": wrote {out.output_file}" if out.output_file is not None else ""
    stderr.print(f"{decision['result'].upper()}{where}", markup=False)
    for reason in decision["reasons"]:
        stderr.print(f"  - {reason}", markup=False)
    raise typer.Exit(EXIT_OK if decision["result"] == "go" else EXIT_FINDINGS)
