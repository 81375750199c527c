"""Build the checklist document: sections of items with a status, and the go/no-go decision.

Statuses: done, open (work to do), blocked (cannot proceed as planned), needs-a-person (no API
can tell). The decision is no-go while any Docker dependency at medium or above is open,
a hop is blocked, a workload is forecast to drop requests, the switch test failed, or nodes
still run Docker without a migration plan proven by a passing switch test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from assessor import __version__
from assessor.checklist.out_of_band import load_out_of_band
from assessor.engine.categories import docker_dependency_categories
from assessor.model.findings import Severity, object_label

SCHEMA_VERSION = "1.0"
STATUSES = ("blocked", "open", "needs-a-person", "done")
# what the inventory section lists: the Docker dependencies, and API versions a hop removes
WORKLOAD_CATEGORIES = docker_dependency_categories() | {"removed-api"}


@dataclass(slots=True)
class Item:
    id: str
    status: str
    title: str
    detail: list[str] = field(default_factory=list)
    owner: str | None = None
    link: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "title": self.title,
            "detail": self.detail,
            "owner": self.owner,
            "link": self.link,
        }


def _inventory(findings: list[dict[str, Any]]) -> tuple[list[Item], list[str]]:
    items, reasons = [], []
    by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in findings:
        if f["category"] in WORKLOAD_CATEGORIES and not f["suppressed"]:
            by_cat[f["category"]].append(f)
    for category, group in sorted(by_cat.items(), key=lambda kv: -max(Severity[f["severity"]] for f in kv[1])):
        worst = max(Severity[f["severity"]] for f in group)
        namespaces: dict[str, set[str]] = defaultdict(set)
        for f in group:
            namespaces[f["object"].get("namespace") or "(cluster)"].add(
                f"{object_label(f)} ({f['ruleId']} {f['severity']})"
            )
        detail = [f"namespace {ns}: {', '.join(sorted(objs))}" for ns, objs in sorted(namespaces.items())]
        owners = sorted(ns for ns in namespaces if ns != "(cluster)")
        status = "open" if worst >= Severity.medium else "done"
        title = f"{category}: {len(group)} finding(s), worst {worst.name}"
        items.append(Item(f"inventory-{category}", status, title, detail, ", ".join(owners) or "platform team"))
        if status == "open":
            names = sorted({object_label(f) for f in group if Severity[f["severity"]] >= Severity.medium})
            reasons.append(f"{category}: {', '.join(names[:4])}{' …' if len(names) > 4 else ''}")
    if not by_cat:
        items.append(Item("inventory", "done", "No workload depends on Docker Engine"))
    return items, reasons


def _out_of_band(findings: list[dict[str, Any]], node_reports: int) -> list[Item]:
    """The checks no API answers; with node reports, those their rules answer become open or done."""
    items = []
    for check in load_out_of_band():
        if not node_reports or not check.node_rules:
            items.append(Item(f"oob-{check.id}", "needs-a-person", check.text, owner="platform team"))
            continue
        hits = [
            f
            for f in findings
            if f["ruleId"] in check.node_rules and not f.get("suppressed") and f["severity"] != "info"
        ]
        detail = [
            f"{f['ruleId']} {f['object']['name']}: {f['title']}: {f['message']}"
            + (f" ({f['location']['file']}:{f['location']['line']})" if (f.get("location") or {}).get("line") else "")
            for f in hits[:50]
        ]
        if len(hits) > 50:
            detail.append(f"… and {len(hits) - 50} more")
        answered = f"answered by {node_reports} node report(s)"
        status = "open" if hits else "done"
        title = f"{check.text}: {len(hits)} finding(s), {answered}" if hits else f"{check.text}: none, {answered}"
        items.append(Item(f"oob-{check.id}", status, title, detail, "platform team"))
    return items


def build_checklist(
    cluster_doc: dict[str, Any] | None,
    manifests_doc: dict[str, Any] | None,
    switch: dict[str, Any] | None,
    switch_link: str | None,
    sources: dict[str, Any],
    *,
    forecast: dict[str, list[dict[str, Any]]] | None = None,
    header: dict[str, Any] | None = None,
) -> dict[str, Any]:
    findings = [*(cluster_doc or {}).get("findings", []), *(manifests_doc or {}).get("findings", [])]
    no_go: list[str] = []
    pending: list[str] = []
    sections: list[dict[str, Any]] = []

    inventory, dependency_reasons = _inventory(findings)
    if dependency_reasons:
        no_go.append("workloads still depend on Docker Engine — " + "; ".join(dependency_reasons))
    sections.append({"id": "inventory", "title": "Inventory: what depends on Docker Engine", "items": inventory})

    versions = (cluster_doc or {}).get("versions")
    plan = (cluster_doc or {}).get("plan")
    version_items = []
    all_nodes = (versions or {}).get("current", {}).get("nodes", [])
    docker_nodes = [n["name"] for n in all_nodes if str(n.get("containerRuntime") or "").startswith("docker://")]
    crosses_dockershim = False
    if versions:
        cur = versions["current"]
        version_items.append(
            Item(
                "versions-current",
                "done",
                f"Current: Kubernetes {cur.get('kubernetes')} ({cur.get('distribution') or '?'}), "
                f"target v{versions.get('target')}",
                [f"Docker {', '.join(cur.get('docker') or []) or '-'} on {len(docker_nodes)} node(s)"],
                "platform team",
            )
        )
        for b in versions.get("blockers", []):
            if b["level"] == "blocker":
                version_items.append(Item(f"versions-{b['kind']}", "blocked", b["text"], owner="platform team"))
                no_go.append(b["text"])
        for hop in versions["hops"]:
            name = f"v{hop['from']} → v{hop['to']}" if hop["from"] != hop["to"] else f"v{hop['to']} → RKE2"
            blockers = [b["text"] for b in hop["blockers"]]
            warnings = [w["text"] for w in hop["warnings"]]
            if any(w["kind"] == "dockershim-removed" for w in hop["warnings"]) or any(
                b["kind"] == "dockershim-removed" for b in hop["blockers"]
            ):
                crosses_dockershim = True
            status = "blocked" if blockers else "open"
            version_items.append(
                Item(
                    f"hop-{hop['from']}-{hop['to']}-{hop['platform']}",
                    status,
                    f"Hop {name} ({hop.get('kubernetes') or '?'})",
                    [*hop["required_changes"], *blockers, *(f"warning: {w}" for w in warnings)],
                    "platform team",
                )
            )
            no_go += [f"hop {name} blocked: {b}" for b in blockers if "dockershim" not in b]
        if not versions["hops"]:
            version_items.append(Item("versions-path", "done", "Already at the target version"))
    else:
        version_items.append(Item("versions", "needs-a-person", "Versions not assessed (no cluster given)"))
    sections.append({"id": "versions", "title": "Versions: the path to the target", "items": version_items})

    plan_items = []
    proven = bool(plan) and switch is not None and switch["verdict"]["result"] == "pass"
    if plan:
        plan_items.append(
            Item(
                "plan-strategy",
                "needs-a-person",
                f"Approve the strategy: {plan['strategy']} (recommended: {plan['recommended']})",
                plan["reasons"],
                "change board",
            )
        )
        risky = [p for p in plan["forecast"] if Severity[p["risk"]] >= Severity.high]
        for p in plan["forecast"]:
            w = p["workload"]
            windows = ", ".join(f"{x['node']} ~{x['seconds']:g} s" for x in p["errorWindows"])
            plan_items.append(
                Item(
                    f"forecast-{w['kind']}-{w['namespace']}-{w['name']}",
                    "open",
                    f"{w['kind']} {w['namespace'] + '/' if w['namespace'] else ''}{w['name']}: "
                    f"{p['risk']} risk of dropped requests" + (f" ({windows})" if windows else ""),
                    [*p["reasons"], *(f"fix: {fix}" for fix in p["fixes"])],
                    w["namespace"] or "platform team",
                )
            )
        if risky:
            no_go.append(
                "the switch is forecast to drop requests — "
                + "; ".join(
                    f"{p['workload']['kind']} {p['workload']['namespace']}/{p['workload']['name']}"
                    f" ({len(p['errorWindows'])} error window(s))"
                    for p in risky
                )
            )
        if not plan["forecast"]:
            plan_items.append(Item("forecast", "done", "No workload that takes traffic is forecast to drop requests"))
    else:
        plan_items.append(Item("plan", "open", "No migration plan yet (give --rke cluster.yml)", owner="platform team"))
    sections.append({"id": "plan", "title": "Plan: strategy and disruption forecast", "items": plan_items})

    if docker_nodes or crosses_dockershim:
        what = f"{len(docker_nodes)} node(s) run Docker Engine" if docker_nodes else "the path crosses v1.24"
        node_item = Item(
            "nodes-runtime",
            "open" if proven else "blocked",
            f"{what}: move them to containerd (RKE2)",
            ["past v1.23 the kubelet has no dockershim: cri-dockerd or RKE2 is required"],
            "platform team",
        )
        version_items.append(node_item)
        if not proven:
            if docker_nodes:
                runtimes = sorted({str(n.get("containerRuntime")) for n in all_nodes if n["name"] in docker_nodes})
                every = "every node" if len(docker_nodes) == len(all_nodes) else "nodes"
                share = f"{len(docker_nodes)}/{len(all_nodes)}"
                no_go.append(f"Docker Engine runs on {every} ({share}: {', '.join(runtimes)})")
            no_go.append(
                "the v1.24 hop is blocked: dockershim is gone, and neither cri-dockerd nor a move to RKE2 "
                "is proven by a passing switch test"
            )

    switch_items = []
    if switch:
        verdict = switch["verdict"]
        status = {"pass": "done", "fail": "blocked"}.get(verdict["result"], "needs-a-person")
        detail = [*verdict["reasons"], *(i["headline"] for i in switch["intervals"][:10])]
        switch_items.append(
            Item(
                "switch-test",
                status,
                f"Switch test: {verdict['result']} "
                f"({switch['totals']['errors']} error(s) in {switch['totals']['requests']} requests)",
                detail,
                "platform team",
                switch_link,
            )
        )
        if verdict["result"] == "fail":
            no_go.append(f"the switch test failed: {'; '.join(verdict['reasons'])}")
        elif verdict["result"] != "pass":
            pending.append("the switch test was inconclusive")
    else:
        switch_items.append(
            Item("switch-test", "open", "Run the switch test in a rehearsal (assess switch)", owner="platform team")
        )
    sections.append({"id": "switch", "title": "Switch test", "items": switch_items})

    oob = _out_of_band(findings, (cluster_doc or {}).get("summary", {}).get("nodeReports", 0))
    sections.append({"id": "out-of-band", "title": "Checks no API can see", "items": oob})
    manual = sum(1 for i in oob if i.status == "needs-a-person")
    if manual:
        pending.append(f"{manual} checks that no API can see")

    gaps = []
    for doc in (cluster_doc, manifests_doc):
        if not doc:
            continue
        cov = doc["summary"]["coverage"]
        for r in cov["resources"]:
            if r["status"] not in ("complete", "not-served"):
                where = f" in namespace {r['namespace']}" if r.get("namespace") else ""
                gaps.append(
                    f"{r['resource']}{where}: {r['status']}" + (f" ({r['message']})" if r.get("message") else "")
                )
        for p in doc.get("problems", []):
            if p["level"] == "error":
                gaps.append(f"{p['file']}{':' + str(p['line']) if p.get('line') else ''}: {p['message']}")
    if gaps:
        pending.append(f"{len(gaps)} part(s) of the cluster the scan could not see")
    sections.append(
        {
            "id": "coverage",
            "title": "What the scan could not see",
            "items": [Item(f"gap-{i}", "needs-a-person", gap, owner="platform team") for i, gap in enumerate(gaps)]
            or [Item("coverage", "done", "Everything requested was read")],
        }
    )

    for section in sections:
        items = [i.to_dict() for i in section["items"]]
        section["items"] = items
        section["counts"] = {s: sum(1 for i in items if i["status"] == s) for s in STATUSES}
    checklist: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "kind": "MigrationChecklist",
        "tool": {"name": "assessor", "version": __version__},
        "header": header,
        "sources": sources,
        "decision": {"result": "no-go" if no_go else "go", "reasons": no_go, "pending": pending},
        "sections": sections,
    }
    if forecast is not None:
        # predicted against observed: only when both a forecast and a switch test were given
        checklist["forecastCheck"] = forecast
    return checklist
