"""runbook.md and manual-steps.md: ordered steps with commands and check boxes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessor.migration.cleanup import CLEANUP_SOURCE, cleanup_commands, load_cleanup
from assessor.migration.manual_steps import ManualStep
from assessor.migration.rke2config import REGISTRATION_PORT, SERVER_URL_PLACEHOLDER, TOKEN_FILE, Rke2Plan
from assessor.migration.shell import sh
from assessor.migration.strategy import Strategy


def _box(text: str) -> str:
    return f"- [ ] {text}"


@dataclass(slots=True)
class RunbookInputs:
    cluster: str
    rke2: Rke2Plan
    rke2_version: str | None
    rke2_reason: str  # why this RKE2 version
    recommended: str
    reasons: list[str]
    strategy: Strategy
    blockers: list[str]  # Docker dependencies at high or above
    secret_files: list[str]
    forecast: list[dict[str, Any]]
    files: set[str]  # plan-relative paths the plan writes: a step names only these
    rke1_hops: list[str] = field(default_factory=list)
    unserved: list[str] = field(default_factory=list)  # objects whose API the RKE2 version no longer serves
    etcd_warning: str | None = None  # an etcd member count that tolerates no more failures than one less


def _registration_step(rke2: Rke2Plan) -> str:
    port = REGISTRATION_PORT
    if rke2.registration_from == "placeholder":
        return _box(
            f"Choose the fixed registration address: a VIP, DNS name or load balancer in front of the new servers' "
            f"port {port} (and 6443). Every joining node's config.yaml says `server: {SERVER_URL_PLACEHOLDER}`; "
            f"fill it in before copying the files: `sed -i 's|{SERVER_URL_PLACEHOLDER}|https://ADDRESS:{port}|' "
            "nodes/*/config.yaml` (never an RKE1 node's address: the new nodes must join the new cluster)"
        )
    source = "--server-url" if rke2.registration_from == "--server-url" else "cluster.yml authentication.sans (a guess)"
    return _box(
        f"Joining nodes register at `{rke2.registration}` (from {source}): make it a VIP, DNS name or load "
        f"balancer in front of the new servers' port {port} (and 6443) before the second node starts; if it is "
        "something else, replace it in every nodes/*/config.yaml"
    )


def runbook(r: RunbookInputs) -> str:
    version = r.rke2_version or "<the RKE2 release of your current minor>"
    servers = [n for n in r.rke2.nodes if n.role == "server"]
    agents = [n for n in r.rke2.nodes if n.role == "agent"]
    first = servers[0].name if servers else "<first server>"
    charts = sorted(f for f in r.files if f.startswith("helmchartconfigs/"))
    out = [f"# Runbook: {r.cluster} from RKE1 to RKE2 ({version})", ""]
    out += [f"RKE2 version: {r.rke2_reason}", ""]
    out += [f"Recommended strategy: **{r.recommended}**.", ""]
    out += [f"- {reason}" for reason in r.reasons]
    out += ["", "## 1. Before either strategy", ""]
    if r.rke2.registration is not None:
        out.append(_registration_step(r.rke2))
    out.append(_box("Fix every Docker Engine dependency at high or critical (`assess cluster` lists them):"))
    out += [f"  - {b}" for b in r.blockers] or ["  - none found"]
    out.append(
        _box(
            f"Move every object whose API version RKE2 {version} no longer serves to its replacement "
            "(blue/green lands on it directly, so every removal between the running version and it applies at once):"
        )
    )
    out += [f"  - {u}" for u in r.unserved] or ["  - none found"]
    out.append(
        _box(
            "Check what no API shows: node scripts and cron jobs calling docker, SSH runbooks, host "
            "agents, dashboards and alerts on docker.* metrics, log pipelines, image build jobs, registry "
            "mirrors in /etc/docker/daemon.json"
        )
    )
    out.append(_box("Take an etcd snapshot: `rke etcd snapshot-save --config cluster.yml --name pre-rke2`"))
    if "manual-steps.md" in r.files:
        out.append(_box("Work through manual-steps.md"))
    if r.forecast:
        out.append(_box("Apply the fixes the disruption forecast names (see the table at the end)"))
    out += ["", "## 2. Blue/green: a new RKE2 cluster, then move the traffic", ""]
    out.append(
        _box(
            "Provision new nodes; give each one the matching file from nodes/<name>/config.yaml "
            "(change node-name and node-ip to the new machine). The config.yaml files are written with mode "
            "600: they carry extra_args and extra_env from cluster.yml, which may hold secrets; keep them 600 "
            "on the nodes too"
        )
    )
    out.append(
        _box(
            f"On the first server: `install -d -m 700 /etc/rancher/rke2 && openssl rand -hex 32 > {sh(TOKEN_FILE)} "
            f"&& chmod 600 {sh(TOKEN_FILE)}`; copy the same file to every other node"
        )
    )
    copy = "Copy config.yaml to /etc/rancher/rke2/config.yaml (mode 600)"
    if "registries.yaml" in r.files:
        copy += " and registries.yaml to /etc/rancher/rke2/registries.yaml (mode 600)"
    out.append(_box(copy + " on every node"))
    for path in r.secret_files:
        out.append(
            _box(
                f"Put the registry password in {path} (mode 600) and fill it in: "
                # secret_file() keeps to [A-Za-z0-9._/-], so the path is one word inside the double quotes too
                f'`sed -i "s|__FROM_FILE__{path}|$(cat {sh(path)})|" /etc/rancher/rke2/registries.yaml`'
            )
        )
    out.append(
        _box(
            f"First server ({first}): `curl -sfL https://get.rke2.io | INSTALL_RKE2_VERSION={sh(version)} sh - "
            "&& systemctl enable --now rke2-server`"
        )
    )
    if charts:
        out.append(
            _box(
                f"Copy {', '.join(charts)} to /var/lib/rancher/rke2/server/manifests/ on the first server "
                "(each file says its target name)"
            )
        )
    for n in servers[1:]:
        out.append(_box(f"Server {n.name}: same install, `systemctl enable --now rke2-server`"))
    for n in agents:
        out.append(
            _box(
                f"Agent {n.name}: `curl -sfL https://get.rke2.io | INSTALL_RKE2_VERSION={sh(version)} "
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
    if r.etcd_warning:
        out.append(_box(f"etcd quorum: {r.etcd_warning}"))
    if r.rke1_hops:
        out.append(
            _box(
                f"First bring the RKE1 cluster to the same minor as the RKE2 release, one minor per rke up: "
                f"{' → '.join(r.rke1_hops)} (`assess rke` lists what each hop needs)"
            )
        )
    out.append(_box("Servers: follow migration-agent's procedure with the snapshot above, one server at a time"))
    batch = r.strategy.batch
    cleanup = load_cleanup()
    refused = r.strategy.rke.worker.error
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
                f"`kubectl cordon {sh(n.name)} && kubectl drain {sh(n.name)} --ignore-daemonsets "
                f"--delete-emptydir-data --timeout={sh(f'{r.strategy.drain_timeout}s')}`"
            )
        )
        out.append(
            _box(
                f"On {n.name}, remove RKE1 (each command succeeds when there is nothing to remove; "
                f"source: {CLEANUP_SOURCE}):"
            )
        )
        out += [f"  - `{command}`" for command in cleanup_commands(cleanup)]
        out.append(
            _box(
                f"On {n.name}: reboot (clears what RKE1 left mounted or in memory); write nodes/{n.name}/config.yaml "
                f"to /etc/rancher/rke2/config.yaml (mode 600); install the RKE2 agent ({version}) and "
                "`systemctl enable --now rke2-agent`"
            )
        )
        out.append(
            _box(
                f"`kubectl wait --for=condition=Ready {sh(f'node/{n.name}')} --timeout=10m && kubectl uncordon "
                f"{sh(n.name)}`; put it back into the load balancer"
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
        f"timeout: {r.strategy.drain_timeout}s}}",
        "  upgrade: {image: rancher/rke2-upgrade}",
        f"  version: {version}",
        "```",
    ]
    if r.forecast:
        out += [
            "",
            "## Disruption forecast (in place)",
            "",
            "| Workload | Risk | Error windows | Why | Fix |",
            "| --- | --- | --- | --- | --- |",
        ]
        for p in r.forecast:
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
