"""Live cluster source: what the scan reads from the Kubernetes API, and how it records coverage.

Read-only by construction: a fixed list of resources that never includes
Secrets, read through the one API adapter (assessor.sources.kubeapi), which
pages every list, times out and retries every call. A 403 turns into a
coverage entry instead of an error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from assessor.model.objects import K8sObject
from assessor.model.origin import Origin
from assessor.redact import redact_text
from assessor.sources.kubeapi import (
    ApiStatus,
    Forbidden,
    KubeApi,
    KubeApiError,
    NotFound,
    Policy,
    load_client,
)
from assessor.sources.result import CoverageEntry, CoverageStatus, SourceResult

# The one-line error the CLI prints when the cluster cannot be configured or reached.
LiveError = KubeApiError


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    kind: str
    group_versions: tuple[str, ...]  # preferred first; older servers fall back to the next
    namespaced: bool = True


# What the scan reads, and nothing else. deploy/rbac.yaml mirrors this list.
RESOURCES: tuple[Resource, ...] = (
    Resource("nodes", "Node", ("v1",), namespaced=False),
    Resource("pods", "Pod", ("v1",)),
    Resource("deployments", "Deployment", ("apps/v1",)),
    Resource("replicasets", "ReplicaSet", ("apps/v1",)),
    Resource("daemonsets", "DaemonSet", ("apps/v1",)),
    Resource("statefulsets", "StatefulSet", ("apps/v1",)),
    Resource("jobs", "Job", ("batch/v1",)),
    # batch/v1 CronJob arrived in 1.21; the clusters this tool is for often predate it.
    Resource("cronjobs", "CronJob", ("batch/v1", "batch/v1beta1")),
    Resource("replicationcontrollers", "ReplicationController", ("v1",)),
    Resource("configmaps", "ConfigMap", ("v1",)),
    # For the disruption forecast: who sends traffic to a workload, and what may be evicted.
    Resource("services", "Service", ("v1",)),
    Resource("poddisruptionbudgets", "PodDisruptionBudget", ("policy/v1", "policy/v1beta1")),
)


@dataclass(slots=True)
class LiveOptions:
    kubeconfig: str | None = None
    context: str | None = None
    namespaces: tuple[str, ...] = ()
    request_timeout: float = 30.0
    page_size: int = 500
    max_attempts: int = 5
    backoff_base: float = 0.5

    def policy(self) -> Policy:
        return Policy(self.request_timeout, self.page_size, self.max_attempts, self.backoff_base)


class LiveCluster:
    """A cluster to scan: the options plus the API adapter built from them."""

    def __init__(
        self, options: LiveOptions, sleep: Callable[[float], None] = time.sleep, client: Any | None = None
    ) -> None:
        self.options = options
        api_client = client if client is not None else load_client(options.kubeconfig, options.context)
        self.api = KubeApi(api_client, options.policy(), sleep)

    @property
    def context_name(self) -> str | None:
        return self.options.context

    @property
    def requests(self) -> int:
        return self.api.requests

    def server_version(self) -> dict[str, Any] | None:
        try:
            return self.api.get_json("/version")
        except KubeApiError:
            return None


def collect(cluster: LiveCluster, progress: Callable[[str], None] | None = None) -> SourceResult:
    opts = cluster.options
    result = SourceResult(
        kind="cluster",
        description={
            "type": "cluster",
            "context": opts.context,
            "namespaces": list(opts.namespaces) or "all",
            "server": redact_text(cluster.api.host) if cluster.api.host else cluster.api.host,
        },
    )
    version = cluster.server_version()
    if version:
        result.description["serverVersion"] = version.get("gitVersion")
    all_namespaces: list[str] | None = None
    for resource in RESOURCES:
        if progress:
            progress(f"listing {resource.name}")
        scopes: list[str | None]
        if not resource.namespaced:
            scopes = [None]
        elif opts.namespaces:
            scopes = list(opts.namespaces)
        else:
            scopes = [None]
        for scope in scopes:
            entry, objs = _list_resource(cluster, resource, scope)
            if entry.status == "forbidden" and scope is None and resource.namespaced:
                # No cluster-wide right: try namespace by namespace, as a namespaced user can.
                if all_namespaces is None:
                    all_namespaces = _namespaces(cluster)
                if all_namespaces:
                    for ns in all_namespaces:
                        sub_entry, sub_objs = _list_resource(cluster, resource, ns)
                        result.coverage.append(sub_entry)
                        result.objects.extend(sub_objs)
                    continue
            result.coverage.append(entry)
            result.objects.extend(objs)
    result.description["requests"] = cluster.requests
    return result


def _namespaces(cluster: LiveCluster) -> list[str]:
    try:
        items = cluster.api.list("/api/v1/namespaces").items
    except KubeApiError:
        return []
    return sorted(str((i.get("metadata") or {}).get("name")) for i in items)


def _list_resource(
    cluster: LiveCluster, resource: Resource, namespace: str | None
) -> tuple[CoverageEntry, list[K8sObject]]:
    last_error: NotFound | None = None
    for group_version in resource.group_versions:
        prefix = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        path = f"{prefix}/namespaces/{namespace}/{resource.name}" if namespace else f"{prefix}/{resource.name}"
        try:
            listed = cluster.api.list(path)
        except NotFound as exc:
            last_error = exc
            continue  # this group/version is not served here: try the older one
        except ApiStatus as exc:
            status: CoverageStatus = "forbidden" if isinstance(exc, Forbidden) else "error"
            return CoverageEntry(resource.name, namespace, status, 0, exc.message), []
        except KubeApiError as exc:
            return CoverageEntry(resource.name, namespace, "error", 0, str(exc)), []
        objs = []
        for item in listed.items:
            # Lists omit kind/apiVersion on items; put them back so objects look like manifests.
            item["kind"] = resource.kind
            item["apiVersion"] = group_version
            objs.append(K8sObject(item, Origin()))
        status = "complete" if listed.consistent else "inconsistent"
        message = None if listed.consistent else "continue token expired twice; list may mix two versions of the data"
        return CoverageEntry(resource.name, namespace, status, len(objs), message), objs
    message = last_error.message if last_error else "not served"
    return CoverageEntry(resource.name, namespace, "not-served", 0, message), []


def iter_resource_names() -> Iterator[str]:
    return (r.name for r in RESOURCES)
