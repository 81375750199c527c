"""Live cluster source: what the scan reads from the Kubernetes API, and how it records coverage.

Read-only by construction: a fixed list of resources that never includes
Secrets, read through the one API adapter (assessor.sources.kubeapi), which
pages every list, times out and retries every call. A 403 or a malformed page
turns into a coverage entry instead of an error. A server that stops answering
(or the scan's own deadline) ends the scan at once: every later request would
wait as long, so the rest is recorded as not read.
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
    BadResponse,
    Forbidden,
    KubeApi,
    KubeApiError,
    NotFound,
    OutOfTime,
    Policy,
    Unreachable,
    load_client,
)
from assessor.sources.result import CoverageEntry, CoverageStatus, SourceResult

# The one-line error the CLI prints when the cluster cannot be configured or reached.
LiveError = KubeApiError
# Failures after which no further request is sent.
_STOPPING = (Unreachable, OutOfTime)
SNAPSHOT_HINT = "to scan without reaching the cluster, dump it with `kubectl get … -A -o yaml` and use --snapshot"
# The whole scan's deadline when --timeout is not given: room for hundreds of requests at the
# request timeout's pace, never less than five minutes (a big cluster takes one or two).
SCAN_TIMEOUT_FACTOR = 20
MIN_SCAN_TIMEOUT = 300.0


def default_scan_timeout(request_timeout: float) -> float:
    return max(MIN_SCAN_TIMEOUT, SCAN_TIMEOUT_FACTOR * request_timeout)


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
    scan_timeout: float | None = None  # all requests of one scan together; None: default_scan_timeout

    def policy(self) -> Policy:
        return Policy(self.request_timeout, self.page_size, self.max_attempts, self.backoff_base)

    @property
    def total_timeout(self) -> float:
        return self.scan_timeout if self.scan_timeout is not None else default_scan_timeout(self.request_timeout)


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

    def server_version(self) -> str | None:
        """The server's gitVersion; None when it will not say (a server that does not answer raises)."""
        try:
            version = self.api.get_json("/version").get("gitVersion")
        except (ApiStatus, BadResponse):
            return None
        return version if isinstance(version, str) else None


def collect(cluster: LiveCluster, progress: Callable[[str], None] | None = None) -> SourceResult:
    """Every resource the scan reads, with a coverage entry each.

    Raises LiveError when nothing could be read because the server is not there (or the time ran
    out); when that happens midway, the rest is recorded as not read and the result is partial.
    """
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
    cluster.api.limit_total(opts.total_timeout)
    todo = [(resource, scope) for resource in RESOURCES for scope in _scopes(resource, opts.namespaces)]
    done = 0
    try:
        version = cluster.server_version()
        if version:
            result.description["serverVersion"] = version
        all_namespaces: list[str] | None = None
        for resource, scope in todo:
            if progress:
                progress(f"listing {resource.name}")
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
                    done += 1
                    continue
            result.coverage.append(entry)
            result.objects.extend(objs)
            done += 1
    except _STOPPING as exc:
        message = f"{exc}; no further request sent ({SNAPSHOT_HINT})"
        if not result.objects:
            raise type(exc)(message) from exc
        result.problems.error("cluster", message)  # the message names the server
        for resource, scope in todo[done:]:
            result.coverage.append(CoverageEntry(resource.name, scope, "error", 0, f"not read: {exc}"))
    result.description["requests"] = cluster.requests
    return result


def _scopes(resource: Resource, namespaces: tuple[str, ...]) -> list[str | None]:
    if resource.namespaced and namespaces:
        return list(namespaces)
    return [None]


def _namespaces(cluster: LiveCluster) -> list[str]:
    try:
        items = cluster.api.list("/api/v1/namespaces").items
    except _STOPPING:
        raise
    except KubeApiError:
        return []
    names = ((i.get("metadata") or {}).get("name") for i in items)
    return sorted(n for n in names if isinstance(n, str) and n)


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
        except _STOPPING:
            raise
        except KubeApiError as exc:  # a malformed page, a paging loop, an answer over the size cap
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
