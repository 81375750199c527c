"""An in-process Kubernetes API server over real HTTP, for the live source's tests and benchmarks.

It serves GET lists and /version for whatever objects it is seeded with, with
real `limit`/`continue` pagination, bearer-token auth, and switches to inject
the faults a real cluster produces: 403 on a resource or namespace, 5xx and 429
before success, 410 on continue tokens, group/versions not served. It records
every request so tests can check what the tool asked for.

Watches behave as kube-apiserver's do: the response is chunked, one JSON event
per line, flushed as the event happens; a watch from a resourceVersion first
replays the events after it (so nothing between a list and its watch is lost),
and the server closes the stream at timeoutSeconds with a BOOKMARK if asked.
"""

from __future__ import annotations

import base64
import json
import queue
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import yaml

PLURALS = {
    "Node": "nodes",
    "Pod": "pods",
    "Deployment": "deployments",
    "ReplicaSet": "replicasets",
    "DaemonSet": "daemonsets",
    "StatefulSet": "statefulsets",
    "Job": "jobs",
    "CronJob": "cronjobs",
    "ReplicationController": "replicationcontrollers",
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "Service": "services",
    "Namespace": "namespaces",
    "PodDisruptionBudget": "poddisruptionbudgets",
    "Event": "events",
}
CLUSTER_SCOPED = {"nodes", "namespaces"}
TOKEN = "emulator-token"


class RawJson(bytes):
    """A response body already serialized."""


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int


@dataclass
class Faults:
    forbidden: set[tuple[str, str | None]] = field(default_factory=set)  # (resource, namespace or None)
    # Statuses to answer, in order, before serving a path normally (e.g. [500] or [429, 503]).
    fail_first: dict[str, list[int]] = field(default_factory=dict)
    expire_continue: int = 0  # answer 410 to this many requests that carry a continue token
    offer_inconsistent_token: bool = True
    expire_watch: int = 0  # answer this many watches with an ERROR 410 event (resourceVersion too old)


class KubeEmulator:
    def __init__(self, objects: list[dict[str, Any]], version: str = "v1.14.6", cache_serialized: bool = False) -> None:
        self.version = version
        # serialize each object once (benchmarks); off by default because tests change objects in place
        self.cache_serialized = cache_serialized
        self.store: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        # Watch streams: events put here are sent to every open watch of that resource path.
        self.watch_queues: dict[str, list[queue.Queue[dict[str, Any] | None]]] = defaultdict(list)
        # every emitted event with its resourceVersion, per path, for watches that start in the past
        self.history: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        self.revision = 424242
        self._lock = threading.Lock()
        self._watch_opened = threading.Condition(self._lock)
        # sorted list per (group/version, plural, namespace): a real server pages from an index,
        # and re-sorting 150,000 pods for every page of 500 would measure the emulator, not the client
        self._sorted: dict[tuple[str, str, str | None], list[dict[str, Any]]] = {}
        self._serialized: dict[int, tuple[dict[str, Any], bytes]] = {}
        for obj in objects:
            self.add(obj)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_file(cls, path: Path, **kw: Any) -> KubeEmulator:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(data["items"], **kw)

    def add(self, obj: dict[str, Any]) -> None:
        plural = PLURALS[obj["kind"]]
        self.store[(obj["apiVersion"], plural)].append(obj)
        self._sorted.clear()

    # --- serving -----------------------------------------------------------------

    def start(self) -> str:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1: watches are chunked and connections are kept alive, as with kube-apiserver
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if "watch=1" in self.path or "watch=true" in self.path:
                    emulator.serve_watch(self)
                    return
                status, body = emulator.handle("GET", self.path, self.headers.get("Authorization"))
                payload = body if isinstance(body, RawJson) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:  # the tool must never write; record and refuse
                emulator._record("POST", self.path, 405)
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_PATCH = do_DELETE = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> KubeEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def write_kubeconfig(self, path: Path, context: str = "emulator") -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": {"server": self.url}}],
            "users": [{"name": context, "user": {"token": TOKEN}}],
            "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
            "current-context": context,
        }
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        return path

    def emit(self, path: str, event_type: str, obj: dict[str, Any]) -> None:
        """Send a watch event (ADDED, MODIFIED, DELETED) to every open watch on path, and keep it for later ones."""
        with self._lock:
            self.revision += 1
            meta = {**(obj.get("metadata") or {}), "resourceVersion": str(self.revision)}
            event = {"type": event_type, "object": {**obj, "metadata": meta}}
            self.history[path].append((self.revision, event))
            for q in self.watch_queues[path]:
                q.put(event)

    def watchers(self, path: str) -> int:
        return len(self.watch_queues[path])

    def wait_for_watchers(self, paths: tuple[str, ...], timeout: float = 10.0) -> bool:
        """Block until every path has an open watch (woken by the watch opening, not by polling)."""
        with self._watch_opened:
            return self._watch_opened.wait_for(lambda: all(self.watch_queues[p] for p in paths), timeout)

    def serve_watch(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlparse(handler.path)
        query = parse_qs(url.query)
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            status, body = _status(401, "Unauthorized", "Unauthorized")
            self._record("GET", handler.path, status)
            _send_json(handler, status, json.dumps(body).encode())
            return
        self._record("GET", handler.path, 200)
        timeout = float(query.get("timeoutSeconds", ["5"])[0])
        since = int(query.get("resourceVersion", ["0"])[0] or 0)
        bookmarks = query.get("allowWatchBookmarks") == ["true"]
        q: queue.Queue[dict[str, Any] | None] = queue.Queue()
        with self._lock:
            if self.faults.expire_watch > 0:
                self.faults.expire_watch -= 1
                gone = _status(410, "Expired", f"too old resource version: {since} ({self.revision})")[1]
                q.put({"type": "ERROR", "object": gone})
                q.put(None)  # the server ends the stream after the error
            else:
                for revision, event in self.history[url.path]:
                    if revision > since:
                        q.put(event)
            self.watch_queues[url.path].append(q)
            self._watch_opened.notify_all()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        deadline = time.monotonic() + timeout
        try:
            while (left := deadline - time.monotonic()) > 0:
                try:
                    queued = q.get(timeout=left)
                except queue.Empty:
                    break
                if queued is None:
                    break
                _write_chunk(handler, json.dumps(queued).encode() + b"\n")
            if bookmarks and deadline <= time.monotonic():
                bookmark = {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": str(self.revision)}}}
                _write_chunk(handler, json.dumps(bookmark).encode() + b"\n")
            _write_chunk(handler, b"")
        except OSError:
            handler.close_connection = True
        finally:
            with self._lock:
                self.watch_queues[url.path].remove(q)

    # --- request handling ------------------------------------------------------------

    def _record(self, method: str, raw_path: str, status: int) -> None:
        url = urlparse(raw_path)
        with self._lock:
            self.requests.append(RecordedRequest(method, url.path, parse_qs(url.query), status))

    def handle(self, method: str, raw_path: str, auth: str | None) -> tuple[int, dict[str, Any] | RawJson]:
        status, body = self._handle(raw_path, auth)
        self._record(method, raw_path, status)
        return status, body

    def _handle(self, raw_path: str, auth: str | None) -> tuple[int, dict[str, Any] | RawJson]:
        url = urlparse(raw_path)
        query = parse_qs(url.query)
        if auth != f"Bearer {TOKEN}":
            return _status(401, "Unauthorized", "Unauthorized")
        if url.path == "/version":
            return 200, {"major": "1", "minor": self.version.split(".")[1], "gitVersion": self.version}
        with self._lock:
            queued = self.faults.fail_first.get(url.path)
            if queued:
                code = queued.pop(0)
                return _status(code, "InternalError" if code >= 500 else "TooManyRequests", f"injected {code}")
        parsed = _parse_path(url.path)
        if parsed is None:
            return _status(404, "NotFound", f"the server could not find the requested resource ({url.path})")
        group_version, namespace, plural = parsed
        if (plural, namespace) in self.faults.forbidden or ((plural, None) in self.faults.forbidden and not namespace):
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            return _status(
                403,
                "Forbidden",
                f'{plural} is forbidden: User "tester" cannot list resource "{plural}" {scope}',
            )
        items: list[dict[str, Any]]
        if plural == "namespaces":
            # namespaces() is sorted, which is the order every list is served in
            items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in self.namespaces()]
        elif (group_version, plural) not in self.store and not self._serves(group_version, plural):
            return _status(404, "NotFound", f"the server could not find the requested resource ({url.path})")
        else:
            key = (group_version, plural, namespace)
            cached = self._sorted.get(key)
            if cached is None:
                cached = sorted(
                    (
                        o
                        for o in self.store.get((group_version, plural), [])
                        if namespace is None or o["metadata"].get("namespace") == namespace
                    ),
                    key=_sort_key,
                )
                self._sorted[key] = cached
            items = cached
        limit = int(query.get("limit", ["0"])[0] or 0)
        offset = 0
        if "continue" in query:
            with self._lock:
                if self.faults.expire_continue > 0:
                    self.faults.expire_continue -= 1
                    offset = _decode(query["continue"][0])
                    token = {"continue": _encode(offset)} if self.faults.offer_inconsistent_token else {}
                    return 410, {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "status": "Failure",
                        "reason": "Expired",
                        "code": 410,
                        "metadata": token,
                        "message": "The provided continue parameter is too old to display a consistent "
                        "list result. You can start a new list without the continue parameter.",
                    }
            offset = _decode(query["continue"][0])
        page = items[offset : offset + limit] if limit else items[offset:]
        next_offset = offset + len(page)
        meta: dict[str, Any] = {"resourceVersion": str(self.revision)}
        if limit and next_offset < len(items):
            meta["continue"] = _encode(next_offset)
            meta["remainingItemCount"] = len(items) - next_offset
        kind = next((k for k, p in PLURALS.items() if p == plural), "Object") + "List"
        if not self.cache_serialized:
            clean = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in page]
            return 200, {"kind": kind, "apiVersion": group_version, "metadata": meta, "items": clean}
        # like kube-apiserver's watch cache, each object is serialized once and reused for every page
        head = json.dumps({"kind": kind, "apiVersion": group_version, "metadata": meta})[:-1]
        return 200, RawJson((head + ', "items": [').encode() + b", ".join(self._encoded(o) for o in page) + b"]}")

    def _encoded(self, obj: dict[str, Any]) -> bytes:
        key = id(obj)
        cached = self._serialized.get(key)
        if cached is None or cached[0] is not obj:
            cached = (obj, json.dumps({k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}).encode())
            self._serialized[key] = cached
        return cached[1]

    def _serves(self, group_version: str, plural: str) -> bool:
        """Group/versions a 1.14-era server offers even when no object of that kind exists."""
        core = {
            "v1": {"nodes", "pods", "replicationcontrollers", "configmaps", "secrets", "services", "events"},
            "apps/v1": {"deployments", "replicasets", "daemonsets", "statefulsets"},
            "batch/v1": {"jobs"},
            "batch/v1beta1": {"cronjobs"},
            "policy/v1beta1": {"poddisruptionbudgets"},
        }
        minor = int(self.version.split(".")[1])
        if minor >= 21:
            core["batch/v1"].add("cronjobs")
            core["policy/v1"] = {"poddisruptionbudgets"}
        return plural in core.get(group_version, set())

    def namespaces(self) -> list[str]:
        names = {o["metadata"].get("namespace") for objs in self.store.values() for o in objs}
        return sorted(n for n in names if n)

    def list_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path != "/version"]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that closes its watch early resets the kept-alive connection: normal, not worth a traceback
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _sort_key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj["metadata"]
    return (str(meta.get("namespace") or ""), str(meta["name"]))


def _parse_path(path: str) -> tuple[str, str | None, str] | None:
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group_version, rest = "v1", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
    else:
        return None
    if len(rest) == 1:
        return group_version, None, rest[0]
    if len(rest) == 3 and rest[0] == "namespaces":
        return group_version, rest[1], rest[2]
    return None


def _write_chunk(handler: BaseHTTPRequestHandler, data: bytes) -> None:
    """One HTTP/1.1 chunk, flushed; empty data is the last chunk."""
    handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    handler.wfile.flush()


def _send_json(handler: BaseHTTPRequestHandler, status: int, payload: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def _status(code: int, reason: str, message: str) -> tuple[int, dict[str, Any]]:
    return code, {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _decode(token: str) -> int:
    return int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
