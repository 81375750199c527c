"""Watch Nodes, Pods and Kubernetes Events during the switch and turn changes into events.

Runs in threads, off the request loop. Each stream is a Reflector of the API adapter:
it lists every page first (to know the current state and resourceVersion), then watches
from that resourceVersion with a server-side timeout and reconnects until told to stop;
a 410 (resourceVersion too old) lists again.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from assessor.sources.kubeapi import KubeApi, Reflector, WatchEvent
from assessor.switch.events import Event

STREAMS = {"nodes": "/api/v1/nodes", "pods": "/api/v1/pods", "events": "/api/v1/events"}


def _ts(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _ready(obj: dict[str, Any]) -> bool | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return None


def owner_of(pod: dict[str, Any]) -> str | None:
    meta = pod.get("metadata") or {}
    for ref in meta.get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            kind, name = ref.get("kind"), str(ref.get("name"))
            template_hash = (meta.get("labels") or {}).get("pod-template-hash")
            if kind == "ReplicaSet" and template_hash and name.endswith("-" + template_hash):
                kind, name = "Deployment", name[: -len(template_hash) - 1]
            return f"{kind} {meta.get('namespace')}/{name}"
    return None


class ChangeTracker:
    """Remembers the last state of every Node and Pod and reports what changed."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.pods: dict[str, dict[str, Any]] = {}

    def node(self, kind: str, obj: dict[str, Any], now: float) -> list[Event]:
        name = str((obj.get("metadata") or {}).get("name"))
        old = self.nodes.get(name)
        self.nodes[name] = obj
        if old is None or kind == "DELETED":
            return [Event(now, "cluster", "node-deleted", node=name)] if kind == "DELETED" else []
        out = []
        was, now_unsched = (
            bool((old.get("spec") or {}).get("unschedulable")),
            bool((obj.get("spec") or {}).get("unschedulable")),
        )
        if was != now_unsched:
            out.append(Event(now, "cluster", "node-cordon" if now_unsched else "node-uncordon", node=name))
        if _ready(old) != _ready(obj) and _ready(obj) is not None:
            out.append(Event(now, "cluster", "node-ready" if _ready(obj) else "node-not-ready", node=name))
        old_info = (old.get("status") or {}).get("nodeInfo") or {}
        new_info = (obj.get("status") or {}).get("nodeInfo") or {}
        for key in ("kubeletVersion", "containerRuntimeVersion"):
            if old_info.get(key) != new_info.get(key) and new_info.get(key):
                out.append(
                    Event(
                        now,
                        "cluster",
                        "node-version",
                        node=name,
                        message=f"{key} {old_info.get(key)} → {new_info.get(key)}",
                    )
                )
        return out

    def pod(self, kind: str, obj: dict[str, Any], now: float) -> list[Event]:
        meta = obj.get("metadata") or {}
        key = f"{meta.get('namespace')}/{meta.get('name')}"
        node = (obj.get("spec") or {}).get("nodeName")
        base: dict[str, Any] = {
            "node": node,
            "namespace": meta.get("namespace"),
            "pod": meta.get("name"),
            "workload": owner_of(obj),
        }
        old = self.pods.get(key)
        if kind == "DELETED":
            self.pods.pop(key, None)
            return [Event(now, "cluster", "pod-deleted", **base)]
        self.pods[key] = obj
        if old is None:
            return [Event(now, "cluster", "pod-created", **base)] if kind == "ADDED" else []
        out = []
        if _ready(old) != _ready(obj) and _ready(obj) is not None:
            out.append(Event(now, "cluster", "pod-ready" if _ready(obj) else "pod-not-ready", **base))
        old_status = {c.get("name"): c for c in (old.get("status") or {}).get("containerStatuses") or []}
        for c in (obj.get("status") or {}).get("containerStatuses") or []:
            before = old_status.get(c.get("name")) or {}
            restarted = (c.get("restartCount") or 0) > (before.get("restartCount") or 0)
            replaced = (
                before.get("containerID") and c.get("containerID") and before.get("containerID") != c.get("containerID")
            )
            if restarted or replaced:
                started = _ts(((c.get("state") or {}).get("running") or {}).get("startedAt"))
                out.append(Event(started or now, "cluster", "container-restart", container=c.get("name"), **base))
        return out


class HasApi(Protocol):
    @property
    def api(self) -> KubeApi: ...


class ClusterWatcher:
    def __init__(self, cluster: HasApi, sink: Callable[[Event], None], server_timeout: int = 30) -> None:
        self.api = cluster.api
        self.sink = sink
        self.server_timeout = server_timeout
        self.tracker = ChangeTracker()
        self._lock = threading.Lock()
        self._reflectors: list[Reflector] = []
        self._threads: list[threading.Thread] = []
        self.errors: list[str] = []

    def start(self) -> None:
        for name, path in STREAMS.items():
            reflector = Reflector(
                self.api,
                path,
                on_list=functools.partial(self._sync, name),
                on_event=functools.partial(self._on_event, name),
                on_error=self.errors.append,
                timeout_seconds=self.server_timeout,
            )
            thread = threading.Thread(target=reflector.run, name=f"watch-{name}", daemon=True)
            thread.start()
            self._reflectors.append(reflector)
            self._threads.append(thread)

    def stop(self) -> None:
        for reflector in self._reflectors:
            reflector.stop()
        for thread in self._threads:
            thread.join(timeout=self.server_timeout + 5)

    def _emit(self, events: list[Event]) -> None:
        for event in events:
            self.sink(event)

    def _on_event(self, stream: str, event: WatchEvent) -> None:
        self._handle(stream, event.type, event.object)

    def _sync(self, stream: str, items: list[dict[str, Any]]) -> None:
        for item in items:
            self._handle(stream, "SYNC", item)

    def _handle(self, stream: str, kind: str, obj: dict[str, Any]) -> None:
        now = time.time()
        with self._lock:
            if stream == "nodes":
                self._emit(self.tracker.node(kind, obj, now))
            elif stream == "pods":
                self._emit(self.tracker.pod(kind, obj, now))
            elif stream == "events" and kind == "ADDED":
                inv = obj.get("involvedObject") or {}
                when = _ts(obj.get("lastTimestamp")) or _ts(obj.get("eventTime")) or now
                node = (obj.get("source") or {}).get("host") or (inv.get("name") if inv.get("kind") == "Node" else None)
                self.sink(
                    Event(
                        when,
                        "cluster",
                        "kube-event",
                        node=node,
                        namespace=inv.get("namespace"),
                        pod=inv.get("name") if inv.get("kind") == "Pod" else None,
                        message=f"{inv.get('kind')} {inv.get('name')}: {obj.get('reason')}: "
                        f"{str(obj.get('message') or '')[:200]}",
                    )
                )
