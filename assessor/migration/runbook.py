"""runbook.md and manual-steps.md: ordered steps with commands and check boxes."""

from __future__ import annotations

from typing import Any

from assessor.migration.manual_steps import ManualStep
from assessor.migration.rke2config import TOKEN_FILE, Rke2Plan
from assessor.migration.strategy import Strategy


def _box(text: str) -> str:
    return f"- [ ] {text}"


def runbook(
    cluster: str,
    rke2: Rke2Plan,
    rke2_version: str | None,
    recommended: str,
    reasons: list[str],
    strategy: Strategy,
    blockers: list[str],
    secret_files: list[str],
    forecast: list[dict[str, Any]],
    rke1_hops: list[str] | None = None,
) -> str:
    version = rke2_version or "<the RKE2 release of your current minor>"
    servers = [n for n in rke2.nodes if n.role == "server"]
    agents = [n for n in rke2.nodes if n.role == "agent"]
    first = servers[0].name if servers else "<first server>"
    out = [f"# Runbook: {cluster} from RKE1 to RKE2 ({version})", ""]
    out += [f"Recommended strategy: **{recommended}**.", ""]
    out += [f"- {r}" for r in reasons]
    out += ["", "## 1. Before either strategy", ""]
    out.append(_box("Fix every Docker Engine dependency at high or critical (`assess cluster` lists them):"))
    out += [f"  - {b}" for b in blockers] or ["  - none found"]
    out.append(
        _box(
            "Check what no API shows: node scripts and cron jobs calling docker, SSH runbooks, host "
            "agents, dashboards and alerts on docker.* metrics, log pipelines, image build jobs, registry "
            "mirrors in /etc/docker/daemon.json"
        )
    )
    out.append(_box("Take an etcd snapshot: `rke etcd snapshot-save --config cluster.yml --name pre-rke2`"))
    out.append(_box("Work through manual-steps.md"))
    if forecast:
        out.append(_box("Apply the fixes the disruption forecast names (see the table at the end)"))
    out += ["", "## 2. Blue/green: a new RKE2 cluster, then move the traffic", ""]
    out.append(
        _box(
            "Provision new nodes; give each one the matching file from nodes/<name>/config.yaml "
            "(change node-name and node-ip to the new machine)"
        )
    )
    out.append(
        _box(
            f"On the first server: `install -d -m 700 /etc/rancher/rke2 && openssl rand -hex 32 > {TOKEN_FILE} "
            f"&& chmod 600 {TOKEN_FILE}`; copy the same file to every other node"
        )
    )
    out.append(
        _box(
            "Copy config.yaml to /etc/rancher/rke2/config.yaml and, if present, registries.yaml to "
            "/etc/rancher/rke2/registries.yaml on every node"
        )
    )
    for path in secret_files:
        out.append(
            _box(
                f"Put the registry password in {path} (mode 600) and fill it in: "
                f'`sed -i "s|__FROM_FILE__{path}|$(cat {path})|" /etc/rancher/rke2/registries.yaml`'
            )
        )
    out.append(
        _box(
            f"First server ({first}): `curl -sfL https://get.rke2.io | INSTALL_RKE2_VERSION={version} sh - "
            "&& systemctl enable --now rke2-server`"
        )
    )
    out.append(_box("Copy helmchartconfigs/*.yaml to /var/lib/rancher/rke2/server/manifests/ on the first server"))
    for n in servers[1:]:
        out.append(_box(f"Server {n.name}: same install, `systemctl enable --now rke2-server`"))
    for n in agents:
        out.append(
            _box(
                f"Agent {n.name}: `curl -sfL https://get.rke2.io | INSTALL_RKE2_VERSION={version} "
                "INSTALL_RKE2_TYPE=agent sh - && systemctl enable --now rke2-agent`"
            )
        )
    out.append(
        _box(
            "`kubectl --kubeconfig /etc/rancher/rke2/rke2.yaml get nodes -o wide`: every node Ready, "
            "CONTAINER-RUNTIME containerd://"
        )
    )
    out.append(
        _box(
            "Deploy the workloads from their source of truth (GitOps, Helm) or restore them (Velero); "
            "move PersistentVolume data"
        )
    )
    out.append(_box("Load-test the new cluster directly, before it takes production traffic"))
    out.append(_box("Shift traffic at the load balancer or DNS gradually, with connection draining; watch errors"))
    out.append(_box("Rollback: shift traffic back; keep the RKE1 cluster untouched until the new one has run clean"))
    out.append(_box("Decommission the RKE1 cluster"))
    out += ["", "## 3. In place, node by node", ""]
    out.append(
        "RKE2 cannot join an RKE1 control plane: the servers move first, by restoring the RKE1 etcd snapshot "
        "into RKE2 (rancher/migration-agent, marked experimental by its authors). Treat that part as "
        "**needs a person** and rehearse it on a copy."
    )
    out.append("")
    if rke1_hops:
        out.append(
            _box(
                f"First bring the RKE1 cluster to the same minor as the RKE2 release, one minor per rke up: "
                f"{' → '.join(rke1_hops)} (`assess rke` lists what each hop needs)"
            )
        )
    out.append(_box("Servers: follow migration-agent's procedure with the snapshot above, one server at a time"))
    batch = strategy.batch
    refused = strategy.rke.worker.error
    if refused is not None:
        out.append(
            _box(
                f"Fix upgrade_strategy.max_unavailable_worker before any `rke up`: {refused} (RKE stops there); "
                "until then these steps take one worker at a time"
            )
        )
    out.append(f"Workers, {batch} at a time (max_unavailable_worker), each one:")
    out.append("")
    for n in agents:
        out.append(_box(f"{n.name}: take it out of the load balancer and wait for the health check to mark it down"))
        out.append(
            _box(
                f"`kubectl cordon {n.name} && kubectl drain {n.name} --ignore-daemonsets "
                f"--delete-emptydir-data --timeout={strategy.drain_timeout}s`"
            )
        )
        out.append(
            _box(
                f"On {n.name}: `docker stop $(docker ps -q) && systemctl disable --now docker`; write "
                f"nodes/{n.name}/config.yaml to /etc/rancher/rke2/config.yaml; install the RKE2 agent "
                f"({version}) and `systemctl enable --now rke2-agent`"
            )
        )
        out.append(
            _box(
                f"`kubectl wait --for=condition=Ready node/{n.name} --timeout=10m && kubectl uncordon "
                f"{n.name}`; put it back into the load balancer"
            )
        )
    out += ["", "Later upgrades in place: system-upgrade-controller, with the same batch and drain:", "", "```yaml"]
    out += [
        "apiVersion: upgrade.cattle.io/v1",
        "kind: Plan",
        "metadata: {name: rke2-agent, namespace: system-upgrade}",
        "spec:",
        f"  concurrency: {batch}",
        "  nodeSelector:",
        "    matchExpressions: [{key: node-role.kubernetes.io/control-plane, operator: DoesNotExist}]",
        "  serviceAccountName: system-upgrade",
        "  cordon: true",
        "  drain: {force: false, ignoreDaemonSets: true, deleteEmptydirData: true, "
        f"timeout: {strategy.drain_timeout}s}}",
        "  upgrade: {image: rancher/rke2-upgrade}",
        f"  version: {version}",
        "```",
    ]
    if forecast:
        out += [
            "",
            "## Disruption forecast (in place)",
            "",
            "| Workload | Risk | Error windows | Why | Fix |",
            "| --- | --- | --- | --- | --- |",
        ]
        for p in forecast:
            w = p["workload"]
            windows = ", ".join(f"{x['node']} ~{x['seconds']:g} s" for x in p["errorWindows"]) or "-"
            name = f"{w['kind']} {w['namespace'] + '/' if w['namespace'] else ''}{w['name']}"
            out.append(
                f"| {name} | {p['risk']} | {windows} | {'<br>'.join(p['reasons'])} | "
                f"{'<br>'.join(p['fixes'])} |".replace("\n", " ")
            )
    return "\n".join(out) + "\n"


def manual_steps(steps: list[ManualStep]) -> str:
    out = ["# Manual steps", "", "cluster.yml fields with no RKE2 equivalent, and what to do about each.", ""]
    if not steps:
        return "\n".join([*out, "Nothing: every field maps to RKE2 configuration."]) + "\n"
    out += ["| cluster.yml field | why | what to do |", "| --- | --- | --- |"]
    out += [f"| `{s.field}` | {s.why} | {s.todo} |" for s in steps]
    out.append("")
    out += [_box(f"`{s.field}`: {s.todo}") for s in steps]
    return "\n".join(out) + "\n"
