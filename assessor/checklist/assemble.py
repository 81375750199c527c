"""Assemble `assess report`: scan what was given (cluster or RKE, manifests), read the switch test, build the checklist.

The command line reads the inputs (reading errors are usage errors there); everything from
the scans to the checklist document happens here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assessor.checklist.build import build_checklist
from assessor.checklist.forecast_check import forecast_check, node_names
from assessor.checklist.header import report_header
from assessor.docker.context import DEFAULT_DESTINATION
from assessor.document import build_document
from assessor.engine.rules import Rule
from assessor.migration.build import MigrationOptions
from assessor.model.findings import Finding
from assessor.model.kversion import Minor
from assessor.nodescan import NodeInput
from assessor.scan import ScanOptions, scan
from assessor.sources.readlimit import SWITCH_SUMMARY_MAX_BYTES, read_bounded
from assessor.sources.result import SourceResult
from assessor.suppress import BaselineEntry
from assessor.versions.assessment import VersionInputs


class SwitchResultsError(ValueError):
    """The --switch-results folder has no readable summary.json."""


@dataclass(slots=True)
class ReportInputs:
    rules: list[Rule]
    target: Minor | None = None
    destination: str = DEFAULT_DESTINATION  # the runtime the nodes move to (--destination)
    cluster: SourceResult | None = None  # the cluster, or the RKE cluster.yml with the cluster when given
    versions: VersionInputs | None = None
    cluster_label: str | None = None  # how the sources line names the cluster
    rke_label: str | None = None  # the cluster.yml, when the report plans the RKE2 migration
    manifests: SourceResult | None = None
    manifests_label: str | None = None
    switch_results: Path | None = None  # the --out folder of an `assess switch` run
    report_dir: Path = Path(".")  # where the report is written: the switch report link is relative to it
    baseline: list[BaselineEntry] = field(default_factory=list)
    baseline_name: str = "baseline"
    nodes: list[NodeInput] | None = None  # node reports (--nodes DIR)
    nodes_label: str | None = None
    cluster_name: str | None = None  # cluster.yml's cluster_name, the kube context, or the snapshot file
    input_files: list[tuple[str, str]] = field(default_factory=list)  # (role, path) of each file or folder read


@dataclass(frozen=True, slots=True)
class Report:
    doc: dict[str, Any]
    findings: list[Finding]  # of every scan, for --write-baseline


def _summary_problem(summary: Any) -> str | None:
    """What is wrong with a summary.json, in the fields the checklist reads; None if nothing."""
    if not isinstance(summary, dict):
        return "expected an object"
    verdict, totals, intervals = summary.get("verdict"), summary.get("totals"), summary.get("intervals")
    if not isinstance(verdict, dict) or not isinstance(verdict.get("result"), str):
        return "verdict.result must be a string"
    reasons = verdict.get("reasons")
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        return "verdict.reasons must be a list of strings"
    if not isinstance(totals, dict) or not all(
        isinstance(totals.get(k), int) and not isinstance(totals.get(k), bool) for k in ("errors", "requests")
    ):
        return "totals.errors and totals.requests must be whole numbers"
    if not isinstance(intervals, list) or not all(
        isinstance(i, dict) and isinstance(i.get("headline"), str) for i in intervals
    ):
        return "intervals must be a list of objects with a headline"
    return None


def _read_switch(folder: Path, report_dir: Path) -> tuple[dict[str, Any], str | None]:
    summary_file = folder / "summary.json"
    try:
        summary = json.loads(read_bounded(summary_file, SWITCH_SUMMARY_MAX_BYTES, "a switch summary").decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise SwitchResultsError(f"{summary_file}: cannot read the switch test summary: {exc}") from None
    problem = _summary_problem(summary)
    if problem is not None:
        raise SwitchResultsError(f"{summary_file}: not a switch test summary: {problem}")
    link = None
    if (folder / "report.html").exists():
        # both sides resolved: a link from a report written under a symlinked or relative path still lands
        link = os.path.relpath((folder / "report.html").resolve(), report_dir.resolve())
    return summary, link


def assemble_report(inputs: ReportInputs) -> Report:
    """The checklist document of everything given; raises SwitchResultsError for an unreadable switch folder."""
    sources: dict[str, Any] = {}
    findings: list[Finding] = []
    cluster_doc, manifests_doc = None, None
    names: dict[str, str] = {}

    def options() -> ScanOptions:
        return ScanOptions(
            target=inputs.target,
            baseline=inputs.baseline,
            baseline_name=inputs.baseline_name,
            destination=inputs.destination,
        )

    cluster = inputs.cluster
    if cluster is None and inputs.nodes is not None:
        # node reports alone: their findings, with nothing of a cluster
        cluster = SourceResult(kind="node", description={"type": "nodes", "path": inputs.nodes_label})
    if cluster is not None:
        cluster_options = options()
        cluster_options.versions = inputs.versions
        cluster_options.nodes = inputs.nodes
        if inputs.nodes is not None:
            sources["nodes"] = inputs.nodes_label
        if inputs.rke_label is not None:
            cluster_options.plan = MigrationOptions(nodes=tuple(n.report for n in inputs.nodes or ()))
            sources["rke"] = inputs.rke_label
        if inputs.cluster is not None:
            sources["cluster"] = inputs.cluster_label
        sources["destination"] = inputs.destination
        result = scan(cluster, inputs.rules, cluster_options)
        findings += result.findings
        cluster_doc = build_document(result)
        config = inputs.versions.config if inputs.versions else None
        rke_nodes = config.get("nodes") if config is not None else None
        names = node_names([n.raw for n in result.inventory.nodes], rke_nodes if isinstance(rke_nodes, list) else None)
    if inputs.manifests is not None:
        result = scan(inputs.manifests, inputs.rules, options())
        findings += result.findings
        manifests_doc = build_document(result)
        sources["manifests"] = inputs.manifests_label
    switch_summary, switch_link = None, None
    if inputs.switch_results is not None:
        switch_summary, switch_link = _read_switch(inputs.switch_results, inputs.report_dir)
        sources["switch test"] = str(inputs.switch_results)
    check = None
    plan = (cluster_doc or {}).get("plan")
    if plan is not None and switch_summary is not None:
        check = forecast_check(plan["forecast"], switch_summary, names)
    header = report_header(inputs.cluster_name, inputs.input_files)
    doc = build_checklist(
        cluster_doc, manifests_doc, switch_summary, switch_link, sources, forecast=check, header=header
    )
    return Report(doc, findings)
