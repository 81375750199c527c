"""Watch Nodes, Pods and Kubernetes Events during the switch and turn changes into events.

Runs in threads, off the request loop. Each stream is a Reflector of the API adapter:
it lists every page first (to know the current state and resourceVersion), then watches
from that resourceVersion with a server-side timeout and reconnects until told to stop;
a 410 (resourceVersion too old) lists again.

A hostile or broken API server costs the watcher only: whatever it sends, an object the
tracker cannot read is skipped with an error, a failing stream is retried with an error,
and stop() returns within STOP_WAIT seconds even if a request is still hanging; those
errors go into the summary (`watcherErrors`), never into the load test.
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
STOP_WAIT = 5.0  # seconds stop() waits for all streams together
MAX_ERRORS = 100  # kept in memory; the summary shows the first 20


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
        self._stopped = False
        self.errors: list[str] = []
        self.errors_dropped = 0

    def start(self) -> None:
        for name, path in STREAMS.items():
            reflector = Reflector(
                self.api,
                path,
                on_list=functools.partial(self._sync, name),
                on_event=functools.partial(self._on_event, name),
                on_error=self._error,
                timeout_seconds=self.server_timeout,
            )
            thread = threading.Thread(target=self._run, args=(name, reflector), name=f"watch-{name}", daemon=True)
            thread.start()
            self._reflectors.append(reflector)
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop every stream; a thread still in a hanging request is left behind (it is a daemon) and muted."""
        with self._lock:
            self._stopped = True  # nothing reaches the sink from now on: its files are about to close
        for reflector in self._reflectors:
            reflector.stop()
        deadline = time.monotonic() + STOP_WAIT
        for name, thread in zip(STREAMS, self._threads, strict=False):
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                self._error(f"{name}: still waiting for the API server when the run ended; left behind")

    def _run(self, name: str, reflector: Reflector) -> None:
        try:
            reflector.run()
        except Exception as exc:  # a bug here must not print a thread traceback over the run's output
            self._error(f"{name}: the watcher stopped: {type(exc).__name__}: {exc}")

    def _error(self, message: str) -> None:
        with self._lock:
            if len(self.errors) < MAX_ERRORS:
                self.errors.append(message)
            else:
                self.errors_dropped += 1

    def _emit(self, events: list[Event]) -> None:
        for event in events:
            self.sink(event)

    def _on_event(self, stream: str, event: WatchEvent) -> None:
        self._handle(stream, event.type, event.object)

    def _sync(self, stream: str, items: list[dict[str, Any]]) -> None:
        for item in items:
            self._handle(stream, "SYNC", item)

    def _handle(self, stream: str, kind: str, obj: dict[str, Any]) -> None:
        try:
            self._track(stream, kind, obj)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
            # the adapter checked that obj and its metadata are objects; anything deeper may be any JSON
            name = (obj.get("metadata") or {}).get("name")
            self._error(f"{stream}: skipped {kind} {str(name)[:100]!r}: unexpected shape ({type(exc).__name__}: {exc})")

    def _track(self, stream: str, kind: str, obj: dict[str, Any]) -> None:
        now = time.time()
        with self._lock:
            if self._stopped:
                return
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
