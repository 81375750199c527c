"""The version section as plain lines and rows, shared by the table and Markdown renderers."""

from __future__ import annotations

from typing import Any


def summary_lines(versions: dict[str, Any]) -> list[str]:
    cur = versions["current"]
    lines = []
    k8s = cur.get("kubernetes") or "unknown"
    source = {"api-server": "API server", "kubelets": "newest control-plane kubelet", "cluster.yml": "cluster.yml"}
    origin = source.get(cur.get("kubernetesFrom") or "", "")
    lines.append(
        f"Kubernetes  {k8s}" + (f" (from {origin})" if origin else "") + f" → target v{versions['target']}"
        if versions.get("target")
        else f"Kubernetes  {k8s}"
    )
    if cur.get("rke"):
        lines.append(f"RKE         {cur['rke']}")
    if cur.get("distribution"):
        lines.append(f"Platform    {cur['distribution'].upper()}")
    if cur.get("docker"):
        count = sum(1 for n in cur.get("nodes", []) if n.get("docker"))
        lines.append(f"Docker      {', '.join(cur['docker'])} on {count} node(s)")
    return lines


def node_rows(versions: dict[str, Any]) -> list[list[str]]:
    return [
        [
            n["name"],
            ",".join(n["roles"]) or "-",
            n.get("kubelet") or "-",
            n.get("containerRuntime") or "-",
            n.get("os") or "-",
        ]
        for n in versions["current"].get("nodes", [])
    ]


def _release_range(r: dict[str, Any], hop_version: str | None) -> str:
    """v1.3.19–v1.3.24: every release of the range accepts the hop's kubernetes_version; a range that accepts
    another version says which."""
    text = r["first"] if r["first"] == r["last"] else f"{r['first']}–{r['last']}"
    return text if r.get("kubernetes") in (None, hop_version) else f"{text} ({r['kubernetes']})"


def hop_rows(versions: dict[str, Any]) -> list[list[str]]:
    rows = []
    for h in versions["hops"]:
        name = f"v{h['from']} → v{h['to']}" if h["from"] != h["to"] else f"v{h['to']} → RKE2"
        rke = (
            "; ".join(_release_range(r, h.get("kubernetes")) for r in h["rke"])
            if h["rke"]
            else ("RKE2" if h["platform"] == "rke2" else "-")
        )
        blockers = [b["text"] for b in h["blockers"]]
        warnings = [w["text"] for w in h["warnings"]]
        rows.append(
            [
                name,
                h.get("kubernetes") or "-",
                rke,
                "\n".join(h["required_changes"]) or "-",
                "\n".join([*blockers, *("warning: " + w for w in warnings)]) or "none",
            ]
        )
    return rows


def plan_lines(versions: dict[str, Any]) -> list[str]:
    lines = [b["text"] for b in versions.get("blockers", [])]
    return lines + [f"note: {n}" for n in versions.get("notes", [])]


def plan_lines_summary(plan: dict[str, Any]) -> list[str]:
    lines = [f"Strategy    {plan['strategy']} (recommended: {plan['recommended']})"]
    if plan.get("rke2Version"):
        lines.append(f"RKE2        {plan['rke2Version']}")
    lines += [f"  - {r}" for r in plan["reasons"]]
    return lines


def forecast_rows(plan: dict[str, Any]) -> list[list[str]]:
    rows = []
    for p in plan["forecast"]:
        w = p["workload"]
        windows = ", ".join(f"{x['node']} ~{x['seconds']:g} s" for x in p["errorWindows"]) or "-"
        rows.append(
            [
                f"{w['kind']} {w['namespace'] + '/' if w['namespace'] else ''}{w['name']}",
                p["risk"],
                windows,
                "\n".join(p["reasons"]),
                "\n".join(p["fixes"]),
            ]
        )
    return rows


def written_lines(plan: dict[str, Any]) -> list[str]:
    written = plan.get("written")
    if not written:
        return [f"files: {', '.join(plan['files'])}"]
    out = []
    for key, label in (("written", "written"), ("unchanged", "unchanged"), ("keptEdited", "kept (edited)")):
        if written[key]:
            out.append(f"{label}: {', '.join(written[key])}")
    return out
