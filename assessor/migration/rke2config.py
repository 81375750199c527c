"""RKE1 cluster.yml → one RKE2 config.yaml per node, and the fields that need a person.

Field mapping: shared/reference/migration.md §2.4 (rancher/rke types, rke2-docs, rancher/migration-agent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assessor.model.objects import as_dict
from assessor.model.rke import RkeConfig, RkeNode

REGISTRATION_PORT = 9345
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


@dataclass(frozen=True, slots=True)
class ManualStep:
    field: str
    why: str
    todo: str


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

    table = [
        (
            ("ssh_key_path",),
            "RKE2 does not orchestrate nodes over SSH",
            "install RKE2 on each node with your own automation (the runbook shows the commands)",
        ),
        (("ssh_agent_auth",), "no SSH orchestration in RKE2", "nothing to carry over"),
        (("bastion_host",), "no SSH orchestration in RKE2", "reach the nodes through the bastion with your tooling"),
        (("ignore_docker_version",), "RKE2 has no Docker", "nothing to carry over"),
        (("enable_cri_dockerd",), "RKE2 runs containerd, not cri-dockerd", "nothing to carry over"),
        (
            ("cluster_name",),
            "RKE2's kubeconfig context is called default",
            "rename the context after copying /etc/rancher/rke2/rke2.yaml",
        ),
        (
            ("system_images",),
            "RKE2 ships its own images (rancher/hardened-*)",
            "mirror RKE2's images to your registry; system-default-registry points RKE2 at it",
        ),
        (
            ("addons",),
            "RKE2 applies manifests from a directory",
            "save each addon to /var/lib/rancher/rke2/server/manifests/ on the first server",
        ),
        (
            ("addons_include",),
            "RKE2 applies manifests from a directory",
            "download each file into /var/lib/rancher/rke2/server/manifests/",
        ),
        (("addon_job_timeout",), "no addon jobs in RKE2 (helm-controller)", "nothing to carry over"),
        (
            ("upgrade_strategy",),
            "RKE2 upgrades with system-upgrade-controller Plans",
            "the runbook's in-place section has a Plan with the same concurrency and drain settings",
        ),
        (("restore",), "only RKE2 snapshots restore into RKE2", "take a fresh RKE2 snapshot after the move"),
        (("rotate_certificates",), "RKE2 rotates with `rke2 certificate rotate`", "nothing to carry over"),
        (
            ("authentication", "webhook"),
            "no config key",
            "kube-apiserver-arg authentication-token-webhook-config-file="
            "… with the file mounted through kube-apiserver-extra-mount",
        ),
        (
            ("services", "kube-api", "audit_log"),
            "RKE2 takes an audit policy file",
            "write the policy to a file, set audit-policy-file and the kube-apiserver-arg audit-log-* flags",
        ),
        (
            ("services", "kube-api", "admission_configuration"),
            "no config key",
            "write it to a file and pass admission-control-config-file through kube-apiserver-arg",
        ),
        (
            ("services", "kube-api", "event_rate_limit"),
            "no config key",
            "add EventRateLimit to the admission configuration file",
        ),
        (
            ("services", "kube-api", "secrets_encryption_config", "custom_config"),
            "RKE2 always encrypts secrets with its own provider",
            "pass encryption-provider-config through kube-apiserver-arg only if you must keep your own keys",
        ),
        (
            ("services", "kube-api", "pod_security_configuration"),
            "RKE2 takes an admission config file",
            "set pod-security-admission-config-file (profile: cis gives restricted)",
        ),
        (
            ("services", "kube-api", "always_pull_images"),
            "no config key",
            "add AlwaysPullImages to kube-apiserver-arg enable-admission-plugins",
        ),
        (
            ("services", "kubelet", "extra_binds"),
            "RKE2's kubelet runs on the host and needs no binds",
            "check whether the bind was for a Docker path; drop it",
        ),
        (
            ("services", "etcd", "external_urls"),
            "external etcd is a datastore in RKE2",
            "set datastore-endpoint and write the certificates to files for datastore-cafile/-certfile/-keyfile",
        ),
        (("network", "options"), "CNI tuning goes into a HelmChartConfig", "see helmchartconfigs/ in this plan"),
        (("network", "mtu"), "CNI tuning goes into a HelmChartConfig", "see helmchartconfigs/ in this plan"),
        (
            ("dns", "upstreamnameservers"),
            "CoreDNS settings go into a HelmChartConfig for rke2-coredns",
            "add the upstream servers to the chart's servers block",
        ),
        (
            ("dns", "stubdomains"),
            "CoreDNS settings go into a HelmChartConfig for rke2-coredns",
            "add the stub domains as extra server blocks",
        ),
        (
            ("dns", "nodelocal"),
            "NodeLocal DNSCache is an rke2-coredns chart option",
            "set nodelocal.enabled in a HelmChartConfig for rke2-coredns",
        ),
        (
            ("ingress", "extra_volumes"),
            "ingress volumes go into the rke2-ingress-nginx HelmChartConfig",
            "see helmchartconfigs/ in this plan and add controller.extraVolumes",
        ),
    ]
    for path, why, todo in table:
        if present(*path):
            manual.append(ManualStep(".".join(path), why, todo))
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


def plan_rke2(cfg: RkeConfig) -> Rke2Plan:
    manual: list[ManualStep] = []
    cluster = _cluster_settings(cfg, manual)
    servers = [n for n in cfg.nodes if "etcd" in n.roles or "controlplane" in n.roles]
    first = servers[0] if servers else None
    registration = (
        f"https://{first.raw.get('internal_address') or first.address}:{REGISTRATION_PORT}" if first else None
    )
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
    return Rke2Plan(nodes, manual, registration)
