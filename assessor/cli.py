"""The `assess` command line: one thin function per command; the work happens in the pipeline."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from assessor import __version__
from assessor.document import build_document
from assessor.engine.rules import Rule, RuleError, load_rules
from assessor.gcpause import paused_gc
from assessor.migration.build import MigrationOptions
from assessor.model.findings import Severity
from assessor.model.kversion import Minor, VersionError
from assessor.render import RENDERERS
from assessor.render.junit import render as junit_render
from assessor.scan import ScanOptions, scan
from assessor.sources.documents import DEFAULT_MAX_BYTES
from assessor.sources.readlimit import SWITCH_SUMMARY_MAX_BYTES, read_bounded
from assessor.sources.result import SourceResult
from assessor.suppress import BaselineError, baseline_document, load_baseline
from assessor.versions.assessment import VersionInputs

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3

# Commands that load, scan and exit: millions of acyclic objects, no collection needed (see gcpause).
# `switch` runs for minutes with threads and sockets, so it keeps the collector.
GC_PAUSED_COMMANDS = frozenset({"cluster", "manifests", "rke", "plan", "report"})

app = typer.Typer(
    help="Find what depends on Docker Engine before Kubernetes moves to containerd.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="List the rules, or explain one.", invoke_without_command=True)
app.add_typer(rules_app, name="rules")

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"
    markdown = "markdown"
    sarif = "sarif"
    junit = "junit"


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"
    markdown = "markdown"


def _fail_on(value: str) -> str:
    if value != "none":
        try:
            Severity.parse(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


OutputOpt = Annotated[OutputFormat, typer.Option("-o", "--output", help="Output format.")]
OutputFileOpt = Annotated[Path | None, typer.Option("--output-file", help="Write the report here instead of stdout.")]
FailOnOpt = Annotated[
    str,
    typer.Option(
        "--fail-on",
        callback=_fail_on,
        help="Exit 1 when a finding has this severity or worse: critical, high, medium, low, info, none.",
    ),
]
AllowPartialOpt = Annotated[
    bool,
    typer.Option("--allow-partial", help="Exit 0 rather than 3 when the scan could not read everything."),
]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="Do not print notes about skipped input.")]
BaselineOpt = Annotated[
    Path | None,
    typer.Option(
        "--baseline", help="Accepted findings (a Baseline file): only findings not in it count for --fail-on."
    ),
]
WriteBaselineOpt = Annotated[
    Path | None,
    typer.Option("--write-baseline", help="Write the current findings as a Baseline file to edit and commit."),
]
TargetOpt = Annotated[
    str | None,
    typer.Option(
        "--target",
        help="Kubernetes version to plan for, e.g. v1.25 (default: the newest minor RKE1 runs, then RKE2).",
    ),
]
BaselineDaysOpt = Annotated[
    int, typer.Option("--baseline-expiry-days", min=1, help="Expiry of entries that --write-baseline writes.")
]


@dataclass(frozen=True, slots=True)
class GateOptions:
    """What every scanning command does with its findings: render, gate, baseline."""

    output: OutputFormat
    output_file: Path | None
    fail_on: str
    allow_partial: bool
    quiet: bool
    baseline: Path | None
    write_baseline: Path | None
    baseline_days: int
    target: str | None = None


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


def parse_duration(text: str) -> float:
    """kubectl's --request-timeout style: 30, 30s, 1m, 1m30s, 500ms."""
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise typer.BadParameter(f"{text!r} is not a duration like 30s, 1m or 1m30s")
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)


def _report_problems(source: SourceResult, quiet: bool) -> None:
    for problem in source.problems.items:
        if quiet and problem.level == "note":
            continue
        stderr.print(problem.one_line(), markup=False)


def _target(text: str | None) -> Minor | None:
    if text is None:
        return None
    try:
        return Minor.parse(text)
    except VersionError as exc:
        raise typer.BadParameter(str(exc), param_hint="--target") from None


def _run(
    source: SourceResult,
    rules: list[Rule],
    gate: GateOptions,
    versions: VersionInputs | None = None,
    plan_options: MigrationOptions | None = None,
    out_dir: Path | None = None,
    force: bool = False,
) -> None:
    options = ScanOptions(
        target=_target(gate.target), versions=versions, plan=plan_options, baseline_name=str(gate.baseline)
    )
    if gate.baseline is not None:
        try:
            options.baseline = load_baseline(gate.baseline)
        except BaselineError as exc:
            stderr.print(f"error: {exc}", markup=False)
            raise typer.Exit(EXIT_USAGE) from None
    result = scan(source, rules, options)
    _report_problems(result.source, gate.quiet)
    if not result.usable:
        stderr.print("error: no Kubernetes objects could be read from the input", markup=False)
        raise typer.Exit(EXIT_USAGE)
    if gate.write_baseline is not None:
        expires = dt.date.today() + dt.timedelta(days=gate.baseline_days)
        text = baseline_document(result.findings, expires, "accepted when the baseline was written: say why")
        gate.write_baseline.write_text(text, encoding="utf-8")
        stderr.print(f"wrote {gate.write_baseline} ({len(result.active())} findings accepted)", markup=False)
    if out_dir is not None and result.plan is not None:
        from assessor.migration.writer import write_plan

        try:
            report = write_plan(out_dir, result.plan.files, force=force)
        except OSError as exc:
            stderr.print(f"error: {out_dir}: cannot write the plan: {exc.strerror or exc}", markup=False)
            raise typer.Exit(EXIT_USAGE) from None
        result.plan.written = report.to_dict()
        for rel in report.kept:
            stderr.print(
                f"note: {out_dir / rel}: edited since the last run; kept (use --force to overwrite)", markup=False
            )
    doc = build_document(result)
    text = junit_render(doc, gate.fail_on) if gate.output == OutputFormat.junit else RENDERERS[gate.output.value](doc)
    if gate.output_file is not None:
        gate.output_file.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    worst = result.worst()
    if gate.fail_on != "none" and worst is not None and worst >= Severity.parse(gate.fail_on):
        raise typer.Exit(EXIT_FINDINGS)
    if not result.source.complete and not gate.allow_partial:
        raise typer.Exit(EXIT_INCOMPLETE)
    raise typer.Exit(EXIT_OK)


def _load_rules_or_exit() -> list[Rule]:
    try:
        return load_rules()
    except RuleError as exc:
        stderr.print(f"error: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None


KubeconfigOpt = Annotated[
    str | None,
    typer.Option("--kubeconfig", help="Path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config)."),
]
ContextOpt = Annotated[str | None, typer.Option("--context", help="The kubeconfig context to use.")]
NamespaceOpt = Annotated[list[str] | None, typer.Option("-n", "--namespace", help="Only this namespace (repeatable).")]
AllNamespacesOpt = Annotated[
    bool, typer.Option("-A", "--all-namespaces", help="All namespaces (the default without -n).")
]
RequestTimeoutOpt = Annotated[
    str, typer.Option("--request-timeout", help="Timeout for each API request, e.g. 30s or 1m.")
]
ChunkSizeOpt = Annotated[int, typer.Option("--chunk-size", min=1, max=10000, help="Objects per list page.")]
SnapshotOpt = Annotated[
    Path | None,
    typer.Option("--snapshot", help="Read a `kubectl get … -A -o yaml|json` dump instead of a live cluster."),
]


@dataclass(frozen=True, slots=True)
class ClusterAccess:
    kubeconfig: str | None
    context: str | None
    namespaces: tuple[str, ...]
    all_namespaces: bool
    request_timeout: str
    chunk_size: int
    snapshot: Path | None

    @property
    def live_requested(self) -> bool:
        return bool(self.kubeconfig or self.context or self.namespaces)


def _refusing_special_files(read: Callable[[], SourceResult]) -> SourceResult:
    """A FIFO, device or socket named on the command line is a usage error (exit 2), not a partial scan."""
    from assessor.sources.readlimit import NotRegularFile

    try:
        return read()
    except NotRegularFile as exc:
        stderr.print(f"error: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None


def _cluster_source(access: ClusterAccess) -> SourceResult:
    """A snapshot file or the live cluster, read-only; usage and connection errors exit 2."""
    if access.snapshot is not None:
        if access.live_requested:
            raise typer.BadParameter("--snapshot reads a file; it does not combine with --kubeconfig, --context or -n")
        from assessor.sources.files import load_snapshot

        return _refusing_special_files(lambda: load_snapshot(str(access.snapshot)))
    if access.namespaces and access.all_namespaces:
        raise typer.BadParameter("-n and -A exclude each other")
    from assessor.sources.live import LiveCluster, LiveError, LiveOptions, collect

    options = LiveOptions(
        kubeconfig=access.kubeconfig,
        context=access.context,
        namespaces=access.namespaces,
        request_timeout=parse_duration(access.request_timeout),
        page_size=access.chunk_size,
    )
    try:
        live = LiveCluster(options)
        if stderr.is_terminal:
            with stderr.status("reading the cluster…") as status:
                source = collect(live, progress=lambda msg: status.update(msg))
        else:
            source = collect(live)
    except LiveError as exc:
        stderr.print(f"error: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    if not source.objects and all(c.status != "complete" for c in source.coverage):
        for entry in source.coverage:
            stderr.print(f"error: {entry.resource}: {entry.status} {entry.message or ''}".rstrip(), markup=False)
    return source


@app.command()
def cluster(
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    namespace: NamespaceOpt = None,
    all_namespaces: AllNamespacesOpt = False,
    request_timeout: RequestTimeoutOpt = "30s",
    chunk_size: ChunkSizeOpt = 500,
    snapshot: SnapshotOpt = None,
    output: OutputOpt = OutputFormat.table,
    output_file: OutputFileOpt = None,
    fail_on: FailOnOpt = "high",
    allow_partial: AllowPartialOpt = False,
    quiet: QuietOpt = False,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    baseline_days: BaselineDaysOpt = 90,
    target: TargetOpt = None,
) -> None:
    """Scan a live cluster (read-only) or a snapshot of one, with its versions and upgrade path."""
    gate = GateOptions(
        output, output_file, fail_on, allow_partial, quiet, baseline, write_baseline, baseline_days, target
    )
    rules = _load_rules_or_exit()
    access = ClusterAccess(
        kubeconfig, context, tuple(namespace or ()), all_namespaces, request_timeout, chunk_size, snapshot
    )
    source = _cluster_source(access)
    _run(source, rules, gate, VersionInputs(server_version=source.description.get("serverVersion")))


def _rke_inputs(
    cluster_yml: Path, rke_version: str | None, access: ClusterAccess
) -> tuple[SourceResult, VersionInputs]:
    """cluster.yml (exit 2 if unusable), plus the cluster when a snapshot or live access is given."""
    from assessor.model.kversion import rke_version_key
    from assessor.model.rke import RkeConfigError
    from assessor.sources.rke import load_rke_config

    try:
        config = load_rke_config(str(cluster_yml))
    except RkeConfigError as exc:
        stderr.print(f"error: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    if rke_version is not None:
        try:
            rke_version_key(rke_version)
        except VersionError as exc:
            raise typer.BadParameter(str(exc), param_hint="--rke-version") from None
    if access.snapshot is not None or access.live_requested:
        source = _cluster_source(access)
        source.description = {"type": "rke", "path": str(cluster_yml), "cluster": source.description}
    else:
        source = SourceResult(kind="rke", description={"type": "rke", "path": str(cluster_yml)})
    source.problems.items[:0] = config.problems.items
    source.files_read += 1
    server_version = (source.description.get("cluster") or {}).get("serverVersion")
    return source, VersionInputs(config=config, rke_version=rke_version, server_version=server_version)


@app.command()
def rke(
    cluster_yml: Annotated[Path, typer.Argument(help="The RKE1 cluster.yml.", metavar="CLUSTER_YML")],
    rke_version: Annotated[
        str | None,
        typer.Option(
            "--rke-version",
            help="The rke binary in use, e.g. v1.3.2 (its default applies when cluster.yml has no kubernetes_version).",
        ),
    ] = None,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    namespace: NamespaceOpt = None,
    request_timeout: RequestTimeoutOpt = "30s",
    chunk_size: ChunkSizeOpt = 500,
    snapshot: SnapshotOpt = None,
    output: OutputOpt = OutputFormat.table,
    output_file: OutputFileOpt = None,
    fail_on: FailOnOpt = "high",
    allow_partial: AllowPartialOpt = False,
    quiet: QuietOpt = False,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    baseline_days: BaselineDaysOpt = 90,
    target: TargetOpt = None,
) -> None:
    """Check an RKE1 cluster.yml and plan the upgrade path minor by minor (with the cluster, if given)."""
    gate = GateOptions(
        output, output_file, fail_on, allow_partial, quiet, baseline, write_baseline, baseline_days, target
    )
    rules = _load_rules_or_exit()
    access = ClusterAccess(kubeconfig, context, tuple(namespace or ()), False, request_timeout, chunk_size, snapshot)
    source, versions = _rke_inputs(cluster_yml, rke_version, access)
    _run(source, rules, gate, versions)


@app.command()
def plan(
    cluster_yml: Annotated[Path, typer.Argument(help="The RKE1 cluster.yml.", metavar="CLUSTER_YML")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the RKE2 files and the runbook.")],
    strategy: Annotated[
        str,
        typer.Option("--strategy", help="Forecast disruption for: in-place (node by node) or blue-green."),
    ] = "in-place",
    force: Annotated[bool, typer.Option("--force", help="Overwrite files the operator has edited.")] = False,
    include_secrets: Annotated[
        bool, typer.Option("--include-secrets", help="Write registry passwords into registries.yaml.")
    ] = False,
    rke_version: Annotated[
        str | None, typer.Option("--rke-version", help="The rke binary in use, e.g. v1.3.2.")
    ] = None,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    namespace: NamespaceOpt = None,
    request_timeout: RequestTimeoutOpt = "30s",
    chunk_size: ChunkSizeOpt = 500,
    snapshot: SnapshotOpt = None,
    output: OutputOpt = OutputFormat.table,
    output_file: OutputFileOpt = None,
    fail_on: FailOnOpt = "high",
    allow_partial: AllowPartialOpt = False,
    quiet: QuietOpt = False,
    baseline: BaselineOpt = None,
    target: TargetOpt = None,
) -> None:
    """Write RKE2 config.yaml per node, registries.yaml, HelmChartConfigs and a runbook; forecast disruption."""
    from assessor.migration.build import MigrationOptions
    from assessor.migration.strategy import STRATEGIES

    if strategy not in STRATEGIES:
        raise typer.BadParameter(f"use one of {', '.join(STRATEGIES)}", param_hint="--strategy")
    gate = GateOptions(output, output_file, fail_on, allow_partial, quiet, baseline, None, 90, target)
    rules = _load_rules_or_exit()
    source, versions = _rke_inputs(
        cluster_yml,
        rke_version,
        ClusterAccess(kubeconfig, context, tuple(namespace or ()), False, request_timeout, chunk_size, snapshot),
    )
    # Nothing is written from input that could not be read whole.
    broken = source.problems.errors
    if broken or (snapshot is not None and not source.objects):
        _report_problems(source, quiet)
        stderr.print(
            f"error: {cluster_yml if broken else snapshot}: cannot plan from incomplete input; nothing written",
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE)
    plan_options = MigrationOptions(strategy=strategy, include_secrets=include_secrets)
    _run(source, rules, gate, versions, plan_options, out_dir=out, force=force)


@app.command()
def manifests(
    paths: Annotated[list[str], typer.Argument(help="Files, directories (recursive) or - for stdin.")],
    output: OutputOpt = OutputFormat.table,
    output_file: OutputFileOpt = None,
    fail_on: FailOnOpt = "high",
    allow_partial: AllowPartialOpt = False,
    quiet: QuietOpt = False,
    max_file_size: Annotated[
        int, typer.Option("--max-file-size", min=1, help="Skip files larger than this many MiB.")
    ] = DEFAULT_MAX_BYTES // (1024 * 1024),
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    baseline_days: BaselineDaysOpt = 90,
    target: TargetOpt = None,
) -> None:
    """Scan manifest files, `helm template` output and `kubectl get -o yaml` dumps."""
    gate = GateOptions(
        output, output_file, fail_on, allow_partial, quiet, baseline, write_baseline, baseline_days, target
    )
    from assessor.sources.files import scan_paths

    rules = _load_rules_or_exit()
    source = _refusing_special_files(lambda: scan_paths(paths, max_bytes=max_file_size * 1024 * 1024))
    _run(source, rules, gate)


def _seconds_opt(value: str | None, name: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except typer.BadParameter as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None


@app.command()
def report(
    output_path: Annotated[Path, typer.Option("-o", "--output", help="FILE.md or FILE.html (or FILE.json).")],
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    namespace: NamespaceOpt = None,
    request_timeout: RequestTimeoutOpt = "30s",
    chunk_size: ChunkSizeOpt = 500,
    snapshot: SnapshotOpt = None,
    rke_yml: Annotated[
        Path | None, typer.Option("--rke", help="The RKE1 cluster.yml: versions, plan, forecast.")
    ] = None,
    rke_version: Annotated[str | None, typer.Option("--rke-version", help="The rke binary in use.")] = None,
    manifests_paths: Annotated[
        list[str] | None, typer.Option("--manifests", help="Manifest files or folders to include (repeatable).")
    ] = None,
    switch_results: Annotated[
        Path | None, typer.Option("--switch-results", help="The --out folder of an assess switch run.")
    ] = None,
    target: TargetOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """One go/no-go document: inventory, versions, plan and forecast, switch test, what no API can see."""
    from assessor.checklist.build import build_checklist
    from assessor.checklist.render import render_html, render_markdown
    from assessor.migration.build import MigrationOptions
    from assessor.sources.files import scan_paths

    suffix = output_path.suffix.lower()
    if suffix not in (".md", ".html", ".htm", ".json"):
        raise typer.BadParameter("the report is FILE.md, FILE.html or FILE.json", param_hint="-o")
    access = ClusterAccess(kubeconfig, context, tuple(namespace or ()), False, request_timeout, chunk_size, snapshot)
    has_cluster = snapshot is not None or access.live_requested
    if not (has_cluster or rke_yml or manifests_paths):
        raise typer.BadParameter("give a cluster (--snapshot, --kubeconfig/--context), --rke, or --manifests")
    rules = _load_rules_or_exit()
    options = ScanOptions(target=_target(target))
    cluster_doc = None
    sources: dict[str, Any] = {}
    if has_cluster or rke_yml:
        if rke_yml is not None:
            source, versions = _rke_inputs(rke_yml, rke_version, access)
            options.plan = MigrationOptions()
            sources["rke"] = str(rke_yml)
        else:
            source = _cluster_source(access)
            versions = VersionInputs(server_version=source.description.get("serverVersion"))
        options.versions = versions
        _report_problems(source, quiet)
        sources["cluster"] = str(snapshot) if snapshot else (context or "current context") if has_cluster else None
        cluster_doc = build_document(scan(source, rules, options))
    manifests_doc = None
    if manifests_paths:
        msource = _refusing_special_files(lambda: scan_paths(manifests_paths))
        _report_problems(msource, quiet)
        manifests_doc = build_document(scan(msource, rules, ScanOptions(target=_target(target))))
        sources["manifests"] = ", ".join(manifests_paths)
    switch_summary, switch_link = None, None
    if switch_results is not None:
        summary_file = switch_results / "summary.json"
        try:
            raw = read_bounded(summary_file, SWITCH_SUMMARY_MAX_BYTES, "a switch summary")
            switch_summary = json.loads(raw.decode("utf-8"))
        except (OSError, ValueError) as exc:
            stderr.print(f"error: {summary_file}: cannot read the switch test summary: {exc}", markup=False)
            raise typer.Exit(EXIT_USAGE) from None
        if (switch_results / "report.html").exists():
            switch_link = os.path.relpath(switch_results / "report.html", output_path.parent.resolve())
        sources["switch test"] = str(switch_results)
    doc = build_checklist(cluster_doc, manifests_doc, switch_summary, switch_link, sources)
    if suffix == ".json":
        text = json.dumps(doc, indent=2) + "\n"
    elif suffix == ".md":
        text = render_markdown(doc)
    else:
        text = render_html(doc)
    output_path.write_text(text, encoding="utf-8")
    decision = doc["decision"]
    stderr.print(f"{decision['result'].upper()}: wrote {output_path}", markup=False)
    for reason in decision["reasons"]:
        stderr.print(f"  - {reason}", markup=False)
    raise typer.Exit(EXIT_OK if decision["result"] == "go" else EXIT_FINDINGS)


@app.command(context_settings={"allow_interspersed_args": False})
def switch(
    url: Annotated[list[str], typer.Option("--url", help="URL to send requests to (repeatable).")],
    command: Annotated[
        list[str] | None, typer.Argument(help="The switch command, after --, e.g. -- rke up --config cluster.yml")
    ] = None,
    rate: Annotated[
        float, typer.Option("--rate", min=0.1, max=10000, help="Requests per second, per URL and sampler.")
    ] = 5.0,
    duration: Annotated[str, typer.Option("--duration", help="Length of a run without a command, e.g. 10m.")] = "10m",
    baseline: Annotated[str, typer.Option("--baseline", help="Load before the command starts.")] = "30s",
    cooldown: Annotated[str, typer.Option("--cooldown", help="Load after the command ends.")] = "30s",
    samplers: Annotated[
        str, typer.Option("--samplers", help="new, keepalive, or both (new,keepalive).")
    ] = "new,keepalive",
    timeout: Annotated[str, typer.Option("--timeout", help="Per-request timeout.")] = "5s",
    max_in_flight: Annotated[
        int, typer.Option("--max-in-flight", min=1, help="Requests in flight before new ones are dropped.")
    ] = 1000,
    command_timeout: Annotated[str, typer.Option("--command-timeout", help="Stop the command after this long.")] = "2h",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for requests.jsonl, events.jsonl, summary.json, report.html."),
    ] = None,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    max_errors: Annotated[int, typer.Option("--max-errors", min=0, help="Fail above this many failed requests.")] = 0,
    max_error_ratio: Annotated[
        float | None, typer.Option("--max-error-ratio", help="Fail above this share of failed requests.")
    ] = None,
    max_disrupted_seconds: Annotated[
        str | None, typer.Option("--max-disrupted-seconds", help="Fail above this much time in intervals.")
    ] = None,
    max_interval: Annotated[
        str | None, typer.Option("--max-interval", help="Fail when one interval is longer.")
    ] = None,
    max_p99: Annotated[
        str | None, typer.Option("--max-p99", help="Fail when latency p99 of good requests is higher, e.g. 500ms.")
    ] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write a JUnit XML report here.")] = None,
    output: OutputOpt = OutputFormat.table,
) -> None:
    """Send constant-rate requests while the switch runs; line every failure up with cluster events; verdict."""
    import asyncio
    import datetime as dt

    from assessor.switch.analysis import Thresholds
    from assessor.switch.http import Target
    from assessor.switch.pacer import SAMPLERS
    from assessor.switch.run import LiveView, SwitchOptions, run_switch

    chosen = tuple(s.strip() for s in samplers.split(",") if s.strip())
    if not chosen or any(s not in SAMPLERS for s in chosen):
        raise typer.BadParameter(f"use {', '.join(SAMPLERS)} or both", param_hint="--samplers")
    for u in url:
        try:
            Target.parse(u)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--url") from None
    p99 = _seconds_opt(max_p99, "--max-p99")
    thresholds = Thresholds(
        max_errors=max_errors,
        max_error_ratio=max_error_ratio,
        max_disrupted_seconds=_seconds_opt(max_disrupted_seconds, "--max-disrupted-seconds"),
        max_interval=_seconds_opt(max_interval, "--max-interval"),
        max_p99_ms=p99 * 1000 if p99 is not None else None,
    )
    out_dir = out or Path(f"assess-switch-{dt.datetime.now():%Y%m%d-%H%M%S}")
    opts = SwitchOptions(
        urls=list(url),
        rate=rate,
        out_dir=out_dir,
        duration=parse_duration(duration),
        baseline=parse_duration(baseline),
        cooldown=parse_duration(cooldown),
        samplers=chosen,
        timeout=parse_duration(timeout),
        max_in_flight=max_in_flight,
        command=list(command or []),
        command_timeout=parse_duration(command_timeout),
        thresholds=thresholds,
    )
    watcher_factory = None
    if kubeconfig or context:
        from assessor.sources.live import LiveCluster, LiveError, LiveOptions
        from assessor.switch.watch import ClusterWatcher

        try:
            live = LiveCluster(LiveOptions(kubeconfig=kubeconfig, context=context))
        except LiveError as exc:
            stderr.print(f"error: {exc}", markup=False)
            raise typer.Exit(EXIT_USAGE) from None

        def watcher_factory(sink: Any) -> Any:
            return ClusterWatcher(live, sink)

    view = LiveView()
    summary = asyncio.run(_switch_with_progress(opts, view, watcher_factory, run_switch))
    from assessor.switch.junit import junit_xml
    from assessor.switch.record import read_jsonl
    from assessor.switch.report_html import render_report

    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    events = read_jsonl(out_dir / "events.jsonl")
    (out_dir / "report.html").write_text(render_report(summary, events), encoding="utf-8")
    if junit is not None:
        junit.write_text(junit_xml(summary), encoding="utf-8")
    if output == OutputFormat.json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    elif output == OutputFormat.yaml:
        import yaml

        sys.stdout.write(yaml.safe_dump(summary, sort_keys=False))
    else:
        from assessor.render.switch import render_switch

        sys.stdout.write(render_switch(summary, str(out_dir)))
    result = summary["verdict"]["result"]
    raise typer.Exit({"pass": EXIT_OK, "fail": EXIT_FINDINGS}.get(result, EXIT_INCOMPLETE))


async def _switch_with_progress(opts: Any, view: Any, watcher_factory: Any, run_switch: Any) -> Any:
    """Run the test; on a terminal, redraw a status line every half second and show the command's output."""
    import asyncio
    import time as _time

    from rich.live import Live
    from rich.text import Text

    def status() -> Text:
        elapsed = max(0.001, _time.monotonic() - view.started)
        failing = ""
        if view.failing_since is not None:
            failing = (
                f"  FAILING since {_time.strftime('%H:%M:%S', _time.localtime(view.failing_since))} "
                f"({view.current_errors} errors)"
            )
        return Text(
            f"{view.phase:<9} {elapsed:6.0f} s  sent {view.sent} ({view.sent / elapsed:.1f}/s)  "
            f"OK {view.ok}  KO {view.ko}{failing}",
            style="bold red" if failing else "bold",
        )

    if not stderr.is_terminal:
        return await run_switch(
            opts,
            view,
            echo=lambda line: stderr.print(line, markup=False, highlight=False),
            watcher_factory=watcher_factory,
        )
    with Live(status(), console=stderr, refresh_per_second=4, transient=True) as live:
        task = asyncio.create_task(
            run_switch(
                opts, view, echo=lambda line: live.console.print(line, markup=False), watcher_factory=watcher_factory
            )
        )
        while not task.done():
            live.update(status())
            await asyncio.sleep(0.5)
        return await task


@rules_app.callback()
def rules_list(
    ctx: typer.Context,
    output: Annotated[
        ListFormat, typer.Option("-o", "--output", help="table, json, yaml or markdown.")
    ] = ListFormat.table,
) -> None:
    """List every rule: id, severity, category, title."""
    if ctx.invoked_subcommand is not None:
        return
    from assessor.render.rules import render_rule_list

    sys.stdout.write(render_rule_list(_load_rules_or_exit(), output.value))


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="A rule id (DOCK001) or slug (docker-socket-mount).")],
    output: Annotated[
        ListFormat, typer.Option("-o", "--output", help="table, json, yaml or markdown.")
    ] = ListFormat.table,
) -> None:
    """Explain one rule: why it matters, what to do, what it matches."""
    from assessor.render.rules import render_rule

    rules = _load_rules_or_exit()
    wanted = rule_id.strip().lower()
    for rule in rules:
        if wanted in (rule.id.lower(), rule.slug.lower()):
            sys.stdout.write(render_rule(rule, output.value))
            return
    stderr.print(f"error: no rule {rule_id!r}; `assess rules` lists them", markup=False)
    raise typer.Exit(EXIT_USAGE)


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
