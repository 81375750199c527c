"""What several commands do the same way: read rules and inputs, apply a baseline, render, exit."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from assessor.atomicwrite import write_text
from assessor.catalog import bundled_rules
from assessor.cli.app import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, fail, stderr
from assessor.cli.options import BaselineFiles, ClusterAccess, Gate, Output, ScanSettings, duration
from assessor.document import build_document
from assessor.engine.rules import Rule, RuleError
from assessor.model.findings import Finding, Severity
from assessor.model.kversion import Minor, VersionError
from assessor.model.rke import RkeConfig
from assessor.nodescan import NodeDirError, NodeInput, read_node_dir
from assessor.render.options import RenderOptions
from assessor.render.registry import Kind, render
from assessor.scan import ScanOptions, scan
from assessor.sources.result import SourceResult
from assessor.suppress import BaselineEntry, BaselineError, baseline_document, load_baseline
from assessor.versions.assessment import VersionInputs

if TYPE_CHECKING:  # imported by the plan command itself: other commands start without the planner
    from assessor.migration.build import MigrationOptions


def load_rules_or_exit(planner: bool = True) -> list[Rule]:
    try:
        return bundled_rules(planner=planner)
    except RuleError as exc:
        raise fail(str(exc)) from None


def target(text: str | None) -> Minor | None:
    if text is None:
        return None
    try:
        return Minor.parse(text)
    except VersionError as exc:
        raise typer.BadParameter(str(exc), param_hint="--target") from None


def read_nodes(directory: Path | None) -> list[NodeInput] | None:
    """The node reports of --nodes DIR; an unusable file is a one-line usage error naming it and the field."""
    if directory is None:
        return None
    try:
        return read_node_dir(directory)
    except NodeDirError as exc:
        raise fail(str(exc)) from None


def report_problems(source: SourceResult, quiet: bool) -> None:
    for problem in source.problems.items:
        if quiet and problem.level == "note":
            continue
        stderr.print(problem.one_line(), markup=False)


def read_baseline(files: BaselineFiles) -> list[BaselineEntry]:
    if files.baseline is None:
        return []
    try:
        return load_baseline(files.baseline)
    except BaselineError as exc:
        raise fail(str(exc)) from None


def write_baseline(files: BaselineFiles, findings: list[Finding]) -> None:
    if files.write_baseline is None:
        return
    expires = dt.date.today() + dt.timedelta(days=files.baseline_days)
    text = baseline_document(findings, expires, "accepted when the baseline was written: say why")
    try:
        write_text(files.write_baseline, text)
    except OSError as exc:
        raise fail(f"{files.write_baseline}: cannot write the baseline: {exc.strerror or exc}") from None
    accepted = sum(f.suppressed is None for f in findings)
    stderr.print(f"wrote {files.write_baseline} ({accepted} findings accepted)", markup=False)


def emit(out: Output, kind: Kind, doc: Any, options: RenderOptions) -> None:
    """Render `doc` in the chosen format to --output-file, or to stdout."""
    text = render(kind, out.format, doc, options)
    if out.output_file is None:
        sys.stdout.write(text)
        return
    try:
        write_text(out.output_file, text)
    except OSError as exc:
        raise fail(f"{out.output_file}: cannot write: {exc.strerror or exc}") from None


def refusing_special_files(read: Callable[[], SourceResult]) -> SourceResult:
    """A FIFO, device or socket named on the command line is a usage error (exit 2), not a partial scan."""
    from assessor.sources.readlimit import NotRegularFile

    try:
        return read()
    except NotRegularFile as exc:
        raise fail(str(exc)) from None


def cluster_source(access: ClusterAccess) -> SourceResult:
    """A snapshot file or the live cluster, read-only; usage and connection errors exit 2."""
    if access.snapshot is not None:
        if access.live_requested:
            raise typer.BadParameter("--snapshot reads a file; it does not combine with --kubeconfig, --context or -n")
        from assessor.sources.files import load_snapshot

        snapshot = str(access.snapshot)
        return refusing_special_files(lambda: load_snapshot(snapshot))
    if access.namespace and access.all_namespaces:
        raise typer.BadParameter("-n and -A exclude each other")
    from assessor.sources.live import LiveCluster, LiveError, LiveOptions, collect

    options = LiveOptions(
        kubeconfig=access.kubeconfig,
        context=access.context,
        namespaces=access.namespaces,
        request_timeout=duration(access.request_timeout, "--request-timeout") or 0,
        page_size=access.chunk_size,
        scan_timeout=duration(access.scan_timeout, "--timeout"),
    )
    try:
        live = LiveCluster(options)
        if stderr.is_terminal:
            with stderr.status("reading the cluster…") as status:
                source = collect(live, progress=lambda msg: status.update(msg))
        else:
            source = collect(live)
    except LiveError as exc:
        raise fail(str(exc)) from None
    if not source.objects and all(c.status != "complete" for c in source.coverage):
        for entry in source.coverage:
            stderr.print(f"error: {entry.resource}: {entry.status} {entry.message or ''}".rstrip(), markup=False)
    return source


def rke_inputs(
    cluster_yml: Path, rke_version: str | None, access: ClusterAccess, direct: bool = False
) -> tuple[SourceResult, VersionInputs]:
    """cluster.yml (exit 2 if unusable), plus the cluster when a snapshot or live access is given."""
    from assessor.model.kversion import rke_version_key
    from assessor.model.rke import RkeConfigError
    from assessor.sources.rke import load_rke_config

    try:
        config = load_rke_config(str(cluster_yml))
    except RkeConfigError as exc:
        raise fail(str(exc)) from None
    if rke_version is not None:
        try:
            rke_version_key(rke_version)
        except VersionError as exc:
            raise typer.BadParameter(str(exc), param_hint="--rke-version") from None
    if access.given:
        source = cluster_source(access)
        source.description = {"type": "rke", "path": str(cluster_yml), "cluster": source.description}
    else:
        source = SourceResult(kind="rke", description={"type": "rke", "path": str(cluster_yml)})
    source.problems.items[:0] = config.problems.items
    source.files_read += 1
    server_version = (source.description.get("cluster") or {}).get("serverVersion")
    return source, VersionInputs(config=config, rke_version=rke_version, server_version=server_version, direct=direct)


def run_scan(
    source: SourceResult,
    gate: Gate,
    baseline: BaselineFiles,
    out: Output,
    settings: ScanSettings,
    versions: VersionInputs | None = None,
    plan: MigrationOptions | None = None,
    plan_dir: Path | None = None,
    force: bool = False,
    nodes: list[NodeInput] | None = None,
    node_cluster: RkeConfig | None = None,
) -> None:
    """Scan, write the baseline and the plan, render the document, and exit by the README's table."""
    rules = load_rules_or_exit(planner=plan is not None)  # the planner's rules run only in a plan
    options = ScanOptions(
        target=target(settings.target),
        versions=versions,
        plan=plan,
        baseline=read_baseline(baseline),
        baseline_name=str(baseline.baseline),
        nodes=nodes,
        node_cluster=node_cluster,
        destination=settings.destination,
    )
    result = scan(source, rules, options)
    report_problems(result.source, settings.quiet)
    if not result.usable:
        raise fail("nothing could be read from the input")
    write_baseline(baseline, result.findings)
    if plan_dir is not None and result.plan is not None:
        from assessor.migration.writer import PlanPathError, write_plan

        try:
            written = write_plan(plan_dir, result.plan.files, force=force)
        except PlanPathError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            raise fail(f"{plan_dir}: cannot write the plan: {exc.strerror or exc}") from None
        result.plan.written = written.to_dict()
        for rel in written.kept:
            stderr.print(
                f"note: {plan_dir / rel}: edited since the last run; kept (use --force to overwrite)", markup=False
            )
    emit(out, Kind.scan, build_document(result), RenderOptions(fail_on=gate.fail_on))
    worst = result.worst()
    if gate.fail_on != "none" and worst is not None and worst >= Severity.parse(gate.fail_on):
        raise typer.Exit(EXIT_FINDINGS)
    if not result.source.complete and not gate.allow_partial:
        raise typer.Exit(EXIT_INCOMPLETE)
    raise typer.Exit(EXIT_OK)
