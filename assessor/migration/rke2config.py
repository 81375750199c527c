"""RKE1 cluster.yml → one RKE2 config.yaml per node, and the fields that need a person.

Field mapping: shared/reference/migration.md §2.4 (rancher/rke types, rke2-docs, rancher/migration-agent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assessor.migration.manual_steps import ManualStep, load_manual_steps
from assessor.model.objects import as_dict
from assessor.model.rke import RkeConfig, RkeNode

REGISTRATION_PORT = 9345
# Written into every joining node's config.yaml when nothing names the fixed registration address;
# the runbook's first step replaces it. Never an RKE1 node: new nodes must join the new cluster.
SERVER_URL_PLACEHOLDER = "__SERVER_URL__"
TOKEN_FILE = "/etc/rancher/rke2/cluster-token"
# kubelet flags that only meant something with Docker or dockershim: dropped, with a manual step.
DOCKER_ONLY_KUBELET_ARGS = frozenset(
    {
        "docker-endpoint",
        "network-plugin",
        "cni-bin-dir",
        "cni-conf-dir",
        "cni-cache-dir",
        "network-plugin-mtu",
        "image-pull-progress-deadline",
        "experimental-dockershim-root-directory",
        "container-runtime",
        "container-runtime-endpoint",
        "cgroup-driver",
    }
)
CNI = {"canal": "canal", "calico": "calico", "flannel": "flannel", "none": "none"}
COMPONENT_ARGS = {
    "kube-api": "kube-apiserver",
    "kube-controller": "kube-controller-manager",
    "scheduler": "kube-scheduler",
    "etcd": "etcd",
    "kubeproxy": "kube-proxy",
    "kubelet": "kubelet",
}


@dataclass(slots=True)
class NodePlan:
    name: str
    address: str
    role: str  # server | agent
    rke1_roles: tuple[str, ...]
    config: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "role": self.role,
            "rke1Roles": list(self.rke1_roles),
            "configFile": f"nodes/{self.name}/config.yaml",
        }


@dataclass(slots=True)
class Rke2Plan:
    nodes: list[NodePlan]
    manual: list[ManualStep]
    registration: str | None
    registration_from: str | None = None  # --server-url | authentication.sans | placeholder


def _arg_list(args: Any, arrays: Any, drop: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    out: list[str] = []
    dropped: list[str] = []
    for key, value in (args or {}).items() if isinstance(args, dict) else []:
        flag = str(key).lstrip("-")
        (dropped if flag in drop else out).append(f"{flag}={value}" if flag not in drop else flag)
    for key, values in (arrays or {}).items() if isinstance(arrays, dict) else []:
        flag = str(key).lstrip("-")
        for value in values if isinstance(values, list) else [values]:
            (dropped if flag in drop else out).append(f"{flag}={value}" if flag not in drop else flag)
    return out, dropped


def _duration_hours(text: Any) -> float | None:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([hm])", str(text or "").strip())
    if not match:
        return None
    value = float(match.group(1))
    return value if match.group(2) == "h" else value / 60


def _snapshot_settings(cfg: RkeConfig, manual: list[ManualStep]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    etcd = cfg.get("services", "etcd") or {}
    if not isinstance(etcd, dict):
        return out
    if etcd.get("snapshot") is False:
        out["etcd-disable-snapshots"] = True
        return out
    backup = as_dict(etcd.get("backup_config"))
    hours = backup.get("interval_hours") if isinstance(backup.get("interval_hours"), int) else None
    hours = hours or _duration_hours(etcd.get("creation"))
    if hours:
        whole = max(1, round(hours))
        out["etcd-snapshot-schedule-cron"] = f"0 */{whole} * * *" if whole < 24 else "0 0 * * *"
    retention = backup.get("retention") if isinstance(backup.get("retention"), int) else None
    if retention is None:
        keep = _duration_hours(etcd.get("retention"))
        if keep and hours:
            retention = max(1, round(keep / hours))
    if retention:
        out["etcd-snapshot-retention"] = retention
    s3 = as_dict(backup.get("s3backupconfig"))
    if s3:
        out["etcd-s3"] = True
        for src, dst in (
            ("bucket_name", "etcd-s3-bucket"),
            ("region", "etcd-s3-region"),
            ("endpoint", "etcd-s3-endpoint"),
            ("folder", "etcd-s3-folder"),
        ):
            if s3.get(src):
                out[dst] = s3[src]
        if s3.get("access_key") or s3.get("secret_key"):
            manual.append(
                ManualStep(
                    "services.etcd.backup_config.s3backupconfig.access_key/secret_key",
                    "credentials are not written into generated files",
                    "add etcd-s3-access-key and etcd-s3-secret-key to /etc/rancher/rke2/config.yaml.d/50-s3.yaml "
                    "on each server (mode 0600), or use an instance role",
                )
            )
        if s3.get("custom_ca"):
            manual.append(
                ManualStep(
                    "services.etcd.backup_config.s3backupconfig.custom_ca",
                    "RKE2 reads the CA from a file",
                    "write the PEM to /etc/rancher/rke2/s3-ca.pem and set etcd-s3-endpoint-ca",
                )
            )
    return out


def _cluster_settings(cfg: RkeConfig, manual: list[ManualStep]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    api = as_dict(cfg.get("services", "kube-api"))
    ctrl = as_dict(cfg.get("services", "kube-controller"))
    kubelet = as_dict(cfg.get("services", "kubelet"))
    for key, value in (
        ("cluster-cidr", ctrl.get("cluster_cidr")),
        ("service-cidr", api.get("service_cluster_ip_range")),
        ("service-node-port-range", api.get("service_node_port_range")),
        ("cluster-dns", kubelet.get("cluster_dns_server")),
        ("cluster-domain", kubelet.get("cluster_domain")),
    ):
        if value:
            out[key] = str(value)
    plugin = cfg.get("network", "plugin") or "canal"
    if plugin in CNI:
        out["cni"] = CNI[plugin]
    else:
        manual.append(
            ManualStep(
                "network.plugin",
                f"RKE2 does not ship {plugin}",
                "choose canal, calico, cilium or flannel; a CNI change needs a new cluster (blue/green)",
            )
        )
    sans = cfg.get("authentication", "sans")
    if isinstance(sans, list) and sans:
        out["tls-san"] = [str(s) for s in sans]
    disable = []
    if cfg.get("ingress", "provider") == "none":
        disable.append("rke2-ingress-nginx")
    if cfg.get("dns", "provider") == "none":
        disable.append("rke2-coredns")
    if cfg.get("monitoring", "provider") == "none":
        disable.append("rke2-metrics-server")
    if disable:
        out["disable"] = disable
    for reg in cfg.get("private_registries") or []:
        if isinstance(reg, dict) and reg.get("is_default") and reg.get("url"):
            out["system-default-registry"] = str(reg["url"])
    cloud = cfg.get("cloud_provider", "name")
    if cloud:
        out["cloud-provider-name"] = str(cloud)
        manual.append(
            ManualStep(
                "cloud_provider",
                "the provider's configuration is a separate file in RKE2",
                "write it to /etc/rancher/rke2/cloud.conf, set cloud-provider-config, and plan "
                "for an external cloud controller (in-tree providers are being removed)",
            )
        )
    out.update(_snapshot_settings(cfg, manual))
    for service, component in COMPONENT_ARGS.items():
        section = cfg.get("services", service) or {}
        if not isinstance(section, dict) or component in ("kubelet", "kube-proxy"):
            continue
        args, _ = _arg_list(section.get("extra_args"), section.get("extra_args_array"))
        if args:
            out[f"{component}-arg"] = args
        binds = [str(b) for b in section.get("extra_binds") or []]
        if binds:
            out[f"{component}-extra-mount"] = binds
        env = [str(e) for e in section.get("extra_env") or []]
        if env:
            out[f"{component}-extra-env"] = env
    return out


def _node_settings(cfg: RkeConfig, node: RkeNode, manual: list[ManualStep]) -> dict[str, Any]:
    out: dict[str, Any] = {"node-name": node.name}
    internal = node.raw.get("internal_address")
    if internal:
        out["node-ip"] = str(internal)
        out["node-external-ip"] = node.address
    else:
        out["node-ip"] = node.address
    labels = node.raw.get("labels")
    if isinstance(labels, dict) and labels:
        out["node-label"] = [f"{k}={v}" for k, v in labels.items()]
    taints = []
    for t in node.raw.get("taints") or []:
        if isinstance(t, dict) and t.get("key"):
            value = f"={t['value']}" if t.get("value") not in (None, "") else ""
            taints.append(f"{t['key']}{value}:{t.get('effect', 'NoSchedule')}")
    if not node.worker and ("etcd" in node.roles or "controlplane" in node.roles):
        # RKE1 kept workloads off these nodes with its etcd/controlplane taints; RKE2's way is this taint.
        taints.append("CriticalAddonsOnly=true:NoExecute")
    if taints:
        out["node-taint"] = taints
    kubelet = cfg.get("services", "kubelet") or {}
    if isinstance(kubelet, dict):
        args, dropped = _arg_list(kubelet.get("extra_args"), kubelet.get("extra_args_array"), DOCKER_ONLY_KUBELET_ARGS)
        if kubelet.get("fail_swap_on") is not None:
            args.append(f"fail-swap-on={str(kubelet['fail_swap_on']).lower()}")
        if args:
            out["kubelet-arg"] = args
        if kubelet.get("infra_container_image"):
            out["pause-image"] = str(kubelet["infra_container_image"])
        if dropped and node.index == 0:
            manual.append(
                ManualStep(
                    "services.kubelet.extra_args",
                    f"Docker-only kubelet flags: {', '.join(dropped)}",
                    "left out of kubelet-arg: containerd and the CNI own these settings in RKE2",
                )
            )
    proxy = cfg.get("services", "kubeproxy") or {}
    if isinstance(proxy, dict):
        args, _ = _arg_list(proxy.get("extra_args"), proxy.get("extra_args_array"))
        if args:
            out["kube-proxy-arg"] = args
    return out


def _manual_fields(cfg: RkeConfig, manual: list[ManualStep]) -> None:
    """Every cluster.yml field that has no RKE2 counterpart, with what to do about it."""

    def present(*path: str) -> bool:
        return cfg.get(*path) not in (None, "", [], {})

    for step in load_manual_steps():
        if present(*step.field.split(".")):
            manual.append(step)
    for i, node in enumerate(cfg.get("nodes") or []):
        if isinstance(node, dict) and node.get("docker_socket"):
            manual.append(
                ManualStep(
                    f"nodes[{i}].docker_socket",
                    "RKE2 has no Docker",
                    "remove Docker from the node after the move; check scripts that used this socket",
                )
            )
    users = sorted(
        {f"{k}" for n in cfg.get("nodes") or [] if isinstance(n, dict) for k in ("user", "port") if n.get(k)}
    )
    if users:
        manual.append(
            ManualStep(
                f"nodes[].{'/'.join(users)}",
                "no SSH orchestration in RKE2",
                "keep the SSH details in the automation that installs RKE2",
            )
        )
    for i, reg in enumerate(cfg.get("private_registries") or []):
        if isinstance(reg, dict) and reg.get("password"):
            manual.append(
                ManualStep(
                    f"private_registries[{i}].password",
                    "credentials are not written into generated files (unless --include-secrets)",
                    "the runbook fills registries.yaml from a root-only file on each node",
                )
            )
        if isinstance(reg, dict) and reg.get("ecr_credential_plugin"):
            manual.append(
                ManualStep(
                    f"private_registries[{i}].ecr_credential_plugin",
                    "kubelet credential providers",
                    "set image-credential-provider-config and -bin-dir with the ECR provider",
                )
            )


def registration_address(cfg: RkeConfig, server_url: str | None) -> tuple[str, str]:
    """The fixed registration address every joining node's `server:` names, and where it came from.

    --server-url wins; else the first authentication.sans entry (a name or VIP the API
    certificate already covers, so most likely the load balancer); else a placeholder.
    """
    if server_url:
        return server_url, "--server-url"
    sans = cfg.get("authentication", "sans")
    first = next((str(s).strip() for s in sans if str(s).strip()), None) if isinstance(sans, list) else None
    if first:
        return f"https://{first}:{REGISTRATION_PORT}", "authentication.sans"
    return SERVER_URL_PLACEHOLDER, "placeholder"


def plan_rke2(cfg: RkeConfig, server_url: str | None = None) -> Rke2Plan:
    manual: list[ManualStep] = []
    cluster = _cluster_settings(cfg, manual)
    servers = [n for n in cfg.nodes if "etcd" in n.roles or "controlplane" in n.roles]
    first = servers[0] if servers else None
    registration, registration_from = registration_address(cfg, server_url) if first else (None, None)
    nodes = []
    for node in cfg.nodes:
        is_server = node in servers
        conf: dict[str, Any] = {}
        if registration and first is not None and node.index != first.index:
            conf["server"] = registration
        conf["token-file"] = TOKEN_FILE
        conf.update(_node_settings(cfg, node, manual))
        if is_server:
            conf.update(cluster)
            if "etcd" in node.roles and "controlplane" not in node.roles:
                conf.update({"disable-apiserver": True, "disable-controller-manager": True, "disable-scheduler": True})
            elif "controlplane" in node.roles and "etcd" not in node.roles:
                conf["disable-etcd"] = True
        elif "cloud-provider-name" in cluster:
            conf["cloud-provider-name"] = cluster["cloud-provider-name"]
        nodes.append(NodePlan(node.name, node.address, "server" if is_server else "agent", node.roles, conf))
    if not servers:
        manual.append(ManualStep("nodes[].role", "no etcd or controlplane node", "an RKE2 cluster needs a server"))
    _manual_fields(cfg, manual)
    return Rke2Plan(nodes, manual, registration, registration_from)
