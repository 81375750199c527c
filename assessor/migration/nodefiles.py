"""What node reports add to the RKE2 files: daemon.json registries and certs.d into registries.yaml,
Docker's log rotation into kubelet-arg.

registries.yaml follows RKE2's containerd registry configuration
(https://docs.rke2.io/install/private_registry): `mirrors.<registry>.endpoint` for where to pull
from, `configs.<registry>.tls.{ca_file,cert_file,key_file}` for the registry's certificates
(paths on the node; the files stay where Docker kept them) and `insecure_skip_verify`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assessor.nodes.facts import NodeReport

DOCKER_HUB = "docker.io"
CERTS_D = "/etc/docker/certs.d"
_SIZE = re.compile(r"^(\d+)([kmg]?)$", re.IGNORECASE)
# Kubernetes' kubelet refuses containerLogMaxFiles below 2.
MIN_LOG_FILES = 2


@dataclass(slots=True)
class NodeRegistries:
    mirrors: dict[str, dict[str, Any]] = field(default_factory=dict)
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the nodes the entries came from


def _str_list(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


def _add_endpoint(out: NodeRegistries, registry: str, endpoint: str) -> None:
    entry = out.mirrors.setdefault(registry, {"endpoint": []})
    if endpoint not in entry["endpoint"]:
        entry["endpoint"].append(endpoint)


def node_registries(reports: Sequence[NodeReport]) -> NodeRegistries:
    """The union over the nodes of their daemon.json mirrors, insecure registries and certs.d."""
    out = NodeRegistries()
    for report in sorted(reports, key=lambda r: r.hostname):
        before = (repr(out.mirrors), repr(out.configs))
        settings = report.daemon_config.settings if report.daemon_config else {}
        # Docker's registry-mirrors apply to Docker Hub only.
        for mirror in _str_list(settings.get("registry-mirrors")):
            _add_endpoint(out, DOCKER_HUB, mirror.rstrip("/"))
        for registry in _str_list(settings.get("insecure-registries")):
            if "/" in registry:  # a CIDR: Docker trusts every registry in it; containerd has no such form
                note = f"insecure-registries {registry} ({report.hostname}): a CIDR; list its registries by name"
                if note not in out.notes:
                    out.notes.append(note)
                continue
            _add_endpoint(out, registry, f"http://{registry}")
            out.configs.setdefault(registry, {}).setdefault("tls", {})["insecure_skip_verify"] = True
        for certs in report.certs_d:
            tls = out.configs.setdefault(certs.registry, {}).setdefault("tls", {})
            for name in certs.files:
                path = f"{CERTS_D}/{certs.registry}/{name}"
                if name.endswith(".crt"):
                    tls.setdefault("ca_file", path)
                elif name.endswith(".cert"):
                    tls.setdefault("cert_file", path)
                elif name.endswith(".key"):
                    tls.setdefault("key_file", path)
        if (repr(out.mirrors), repr(out.configs)) != before:
            out.sources.append(report.hostname)
    return out


def merge_registries(mirrors: dict[str, Any], configs: dict[str, Any], nodes: NodeRegistries) -> None:
    """Add the nodes' entries to those from cluster.yml; cluster.yml's win where both set a key."""
    for registry, entry in nodes.mirrors.items():
        have = mirrors.setdefault(registry, {"endpoint": []})
        for endpoint in entry["endpoint"]:
            if endpoint not in have["endpoint"]:
                have["endpoint"].append(endpoint)
    for registry, entry in nodes.configs.items():
        have = configs.setdefault(registry, {})
        tls = have.setdefault("tls", {})
        for key, value in entry.get("tls", {}).items():
            tls.setdefault(key, value)


def _kubelet_size(value: str) -> str | None:
    match = _SIZE.match(value.strip())
    if not match:
        return None
    number, unit = match.groups()
    return number + {"": "", "k": "Ki", "m": "Mi", "g": "Gi"}[unit.lower()]


def log_kubelet_args(report: NodeReport) -> tuple[list[str], list[str]]:
    """kubelet-arg entries from daemon.json log-opts max-size/max-file, and notes on what could not carry over."""
    settings = report.daemon_config.settings if report.daemon_config else {}
    opts = settings.get("log-opts")
    if not isinstance(opts, dict):
        return [], []
    args: list[str] = []
    notes: list[str] = []
    size = opts.get("max-size")
    if isinstance(size, str):
        converted = _kubelet_size(size)
        if converted:
            args.append(f"container-log-max-size={converted}")
        else:
            notes.append(f"log-opts max-size {size!r} ({report.hostname}): not a size the kubelet takes")
    files = opts.get("max-file")
    if isinstance(files, str | int) and not isinstance(files, bool) and str(files).isdigit():
        args.append(f"container-log-max-files={max(MIN_LOG_FILES, int(files))}")
    return args, notes


def apply_log_args(config: dict[str, Any], args: list[str]) -> None:
    """Add the log rotation flags to a node's config.yaml kubelet-arg, unless cluster.yml set them."""
    existing = config.setdefault("kubelet-arg", [])
    names = {a.split("=", 1)[0] for a in existing}
    existing.extend(a for a in args if a.split("=", 1)[0] not in names)
    if not existing:
        del config["kubelet-arg"]
