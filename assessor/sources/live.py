"""Live cluster source: the only module that talks to the Kubernetes API.

Read-only by construction: it issues GET requests only, on a fixed list of
resources that never includes Secrets. Every list is paginated and read as raw
JSON, every call has a timeout, 429/5xx are retried with backoff, a 403 turns
into a coverage entry instead of an error.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import urllib3
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from assessor.model.objects import K8sObject
from assessor.model.origin import Origin
from assessor.sources.readlimit import check_kubeconfig
from assessor.sources.result import CoverageEntry, CoverageStatus, SourceResult


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

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class LiveError(Exception):
    """The cluster could not be reached or configured at all (one line, no traceback)."""


class _Gone(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__("410 Gone")
        self.body = body


@dataclass(slots=True)
class LiveOptions:
    kubeconfig: str | None = None
    context: str | None = None
    namespaces: tuple[str, ...] = ()
    request_timeout: float = 30.0
    page_size: int = 500
    max_attempts: int = 5
    backoff_base: float = 0.5


class LiveCluster:
    def __init__(
        self, options: LiveOptions, sleep: Callable[[float], None] = time.sleep, api: Any | None = None
    ) -> None:
        self.options = options
        self._sleep = sleep
        self.api = api if api is not None else _api_client(options)
        self.requests = 0

    @property
    def context_name(self) -> str | None:
        return self.options.context

    def get(self, path: str, query: list[tuple[str, Any]] | None = None) -> dict[str, Any]:
        """One GET with timeout and retries; raises ApiException for statuses it does not retry."""
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            try:
                response = self.api.call_api(
                    path,
                    "GET",
                    query_params=query or [],
                    header_params={"Accept": "application/json"},
                    auth_settings=["BearerToken"],
                    _preload_content=False,
                    _return_http_data_only=True,
                    _request_timeout=self.options.request_timeout,
                )
                return json.loads(response.data)  # type: ignore[no-any-return]
            except ApiException as exc:
                if exc.status == 410:
                    raise _Gone(_json_body(exc)) from exc
                if exc.status not in RETRY_STATUSES or attempt >= self.options.max_attempts:
                    raise
                self._sleep(self._delay(attempt, _retry_after(exc)))
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                if attempt >= self.options.max_attempts:
                    raise LiveError(f"cannot reach the API server: {_short(exc)}") from exc
                self._sleep(self._delay(attempt, None))

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, 30.0)
        base: float = self.options.backoff_base * (2 ** (attempt - 1))
        return min(base, 10.0) * (0.5 + random.random() / 2)

    def list_pages(self, path: str) -> tuple[list[dict[str, Any]], bool]:
        """All items of one list, page by page. Returns (items, consistent).

        An expired continue token (410) restarts the list once from the first
        page; a second one continues with the inconsistent token the server
        offers, and the result is marked inconsistent.
        """
        items: list[dict[str, Any]] = []
        token: str | None = None
        restarted = False
        consistent = True
        while True:
            query: list[tuple[str, Any]] = [("limit", self.options.page_size)]
            if token:
                query.append(("continue", token))
            try:
                body = self.get(path, query)
            except _Gone as gone:
                if not restarted:
                    restarted, token, items = True, None, []
                    continue
                consistent = False
                token = (gone.body.get("metadata") or {}).get("continue")
                if not token:
                    return items, False
                continue
            page = body.get("items") or []
            items.extend(page)
            token = (body.get("metadata") or {}).get("continue")
            if not token:
                return items, consistent

    def server_version(self) -> dict[str, Any] | None:
        try:
            return self.get("/version")
        except (ApiException, LiveError):
            return None


def _api_client(options: LiveOptions) -> Any:
    try:
        check_kubeconfig(options.kubeconfig)  # bounded, regular files only (sources/readlimit.py)
        configuration = k8s_client.Configuration()
        k8s_config.load_kube_config(
            config_file=options.kubeconfig,
            context=options.context,
            client_configuration=configuration,
            persist_config=False,  # a read-only tool never rewrites the user's kubeconfig
        )
    except (ConfigException, OSError, TypeError, ValueError) as exc:
        # No kubeconfig at all: inside a pod, use its service account, as kubectl does.
        if options.kubeconfig is None and options.context is None:
            try:
                configuration = k8s_client.Configuration()
                k8s_config.load_incluster_config(client_configuration=configuration)
            except ConfigException:
                raise LiveError(f"no usable kubeconfig: {_short(exc)}") from exc
        else:
            raise LiveError(f"cannot load kubeconfig: {_short(exc)}") from exc
    return k8s_client.ApiClient(configuration=configuration)


def collect(cluster: LiveCluster, progress: Callable[[str], None] | None = None) -> SourceResult:
    opts = cluster.options
    result = SourceResult(
        kind="cluster",
        description={
            "type": "cluster",
            "context": opts.context,
            "namespaces": list(opts.namespaces) or "all",
            "server": getattr(getattr(cluster.api, "configuration", None), "host", None),
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
        items, _ = cluster.list_pages("/api/v1/namespaces")
    except (ApiException, LiveError):
        return []
    return sorted(str((i.get("metadata") or {}).get("name")) for i in items)


def _list_resource(
    cluster: LiveCluster, resource: Resource, namespace: str | None
) -> tuple[CoverageEntry, list[K8sObject]]:
    last_error: ApiException | None = None
    for group_version in resource.group_versions:
        prefix = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        path = f"{prefix}/namespaces/{namespace}/{resource.name}" if namespace else f"{prefix}/{resource.name}"
        try:
            items, consistent = cluster.list_pages(path)
        except ApiException as exc:
            if exc.status == 404:
                last_error = exc
                continue  # this group/version is not served here: try the older one
            status: CoverageStatus = "forbidden" if exc.status in (401, 403) else "error"
            return CoverageEntry(resource.name, namespace, status, 0, _api_message(exc)), []
        except LiveError as exc:
            return CoverageEntry(resource.name, namespace, "error", 0, str(exc)), []
        objs = []
        for item in items:
            # Lists omit kind/apiVersion on items; put them back so objects look like manifests.
            item["kind"] = resource.kind
            item["apiVersion"] = group_version
            objs.append(K8sObject(item, Origin()))
        status = "complete" if consistent else "inconsistent"
        message = None if consistent else "continue token expired twice; list may mix two versions of the data"
        return CoverageEntry(resource.name, namespace, status, len(objs), message), objs
    message = _api_message(last_error) if last_error else "not served"
    return CoverageEntry(resource.name, namespace, "not-served", 0, message), []


def _json_body(exc: ApiException) -> dict[str, Any]:
    try:
        body = json.loads(exc.body or b"{}")
        return body if isinstance(body, dict) else {}
    except (ValueError, TypeError):
        return {}


def _api_message(exc: ApiException) -> str:
    message = _json_body(exc).get("message")
    return f"{exc.status} {message or exc.reason}"


def _retry_after(exc: ApiException) -> float | None:
    headers = exc.headers or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def iter_resource_names() -> Iterator[str]:
    return (r.name for r in RESOURCES)
