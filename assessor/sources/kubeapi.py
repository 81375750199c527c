"""The one adapter to the Kubernetes API, and the only module that imports `kubernetes`.

Read-only by construction: it sends GET requests only. Lists are paginated
(limit/continue) and read as raw JSON; watches stream one JSON event per line
from a resourceVersion. Every request has a timeout; 429 and 5xx are retried
with backoff that honours Retry-After; statuses the caller must act on become
typed errors (Forbidden, NotFound, Gone).

The client is used for what it does well (kubeconfig, in-cluster config,
credentials, TLS, connection pool), through one call: `_Transport.open`.
kubernetes 37 moved to a new generator whose `ApiClient.call_api` takes an
already serialized URL and never raises on HTTP status; 30-36 take the path
and query and raise `ApiException`. `_Transport` speaks both, so every request
of the tool crosses that one function: a total per-request deadline belongs
there, and a response-size cap belongs in `_read_body` and `_lines`.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import urllib3
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from assessor.sources.readlimit import check_kubeconfig

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
Query = list[tuple[str, Any]]


class KubeApiError(Exception):
    """Anything that went wrong talking to the API server, as one line."""


class ConfigError(KubeApiError):
    """No usable kubeconfig (or in-cluster service account)."""


class Unreachable(KubeApiError):
    """The API server did not answer, after every retry."""


class BadResponse(KubeApiError):
    """The server answered something that is not the JSON it promised."""


class ApiStatus(KubeApiError):
    """The server answered with an error status the adapter does not retry (or ran out of retries)."""

    def __init__(self, status: int, reason: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        self.status = status
        self.reason = reason
        self.body = body
        self.headers = headers
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """'403 pods is forbidden: …' — the server's own words when it gave any."""
        text = self.body.get("message")
        return f"{self.status} {text or self.reason}"


class Forbidden(ApiStatus):
    """401 or 403: the credentials may not do this; callers record it as missing coverage."""


class NotFound(ApiStatus):
    """404: the group/version or resource is not served here."""


class Gone(ApiStatus):
    """410: a continue token or resourceVersion expired; list again."""


def _status_error(status: int, reason: str, body: dict[str, Any], headers: dict[str, str]) -> ApiStatus:
    if status in (401, 403):
        return Forbidden(status, reason, body, headers)
    if status == 404:
        return NotFound(status, reason, body, headers)
    if status == 410:
        return Gone(status, reason, body, headers)
    return ApiStatus(status, reason, body, headers)


@dataclass(frozen=True, slots=True)
class Policy:
    request_timeout: float = 30.0  # seconds per list request (connect + read)
    page_size: int = 500
    max_attempts: int = 5
    backoff_base: float = 0.5


@dataclass(frozen=True, slots=True)
class ListResult:
    items: list[dict[str, Any]]
    resource_version: str  # where a watch of the same path starts
    consistent: bool  # False: a continue token expired twice and the pages may mix two versions


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: str  # ADDED, MODIFIED, DELETED, BOOKMARK
    object: dict[str, Any]

    @property
    def resource_version(self) -> str | None:
        version = (self.object.get("metadata") or {}).get("resourceVersion")
        return str(version) if version else None


def load_client(kubeconfig: str | None, context: str | None) -> Any:
    """An ApiClient from the kubeconfig (or, with neither flag and no kubeconfig, the pod's service account)."""
    try:
        check_kubeconfig(kubeconfig)  # bounded, regular files only (sources/readlimit.py)
        configuration = k8s_client.Configuration()
        k8s_config.load_kube_config(
            config_file=kubeconfig,
            context=context,
            client_configuration=configuration,
            persist_config=False,  # a read-only tool never rewrites the user's kubeconfig
        )
    except (ConfigException, OSError, TypeError, ValueError) as exc:
        # No kubeconfig at all: inside a pod, use its service account, as kubectl does.
        if kubeconfig is None and context is None:
            try:
                configuration = k8s_client.Configuration()
                k8s_config.load_incluster_config(client_configuration=configuration)
            except ConfigException:
                raise ConfigError(f"no usable kubeconfig: {_short(exc)}") from exc
        else:
            raise ConfigError(f"cannot load kubeconfig: {_short(exc)}") from exc
    # The adapter retries, with its own backoff, and counts every attempt; urllib3's default Retry
    # would silently resend 429/503 with Retry-After and connection failures underneath it.
    configuration.retries = False
    return k8s_client.ApiClient(configuration=configuration)


class _Transport:
    """One GET through the client, returning the unread urllib3 response (2xx) or raising ApiStatus."""

    def __init__(self, api: Any) -> None:
        self.api = api
        # 37+: param_serialize builds URL, auth and headers; call_api only sends and never checks the status.
        self.serialized = hasattr(api, "param_serialize")

    def open(self, path: str, query: Query, timeout: float | tuple[float, float]) -> Any:
        headers = {"Accept": "application/json"}
        try:
            if self.serialized:
                method, url, header_params, _body, _post = self.api.param_serialize(
                    "GET", path, query_params=query, header_params=headers, auth_settings=["BearerToken"]
                )
                wrapped = self.api.call_api(method, url, header_params=header_params, _request_timeout=timeout)
                response = wrapped.response
            else:
                response = self.api.call_api(
                    path,
                    "GET",
                    query_params=query,
                    header_params=headers,
                    auth_settings=["BearerToken"],
                    _preload_content=False,
                    _return_http_data_only=True,
                    _request_timeout=timeout,
                )
        except ApiException as exc:
            if not exc.status:  # the client's wrapping of a TLS or protocol failure
                raise urllib3.exceptions.HTTPError(_short(exc)) from exc
            raise _status_error(exc.status, str(exc.reason), _json_object(exc.body), _headers(exc.headers)) from None
        if not 200 <= response.status <= 299:
            body = _json_object(_read_body(response))
            raise _status_error(response.status, str(response.reason), body, _headers(response.headers))
        return response


class KubeApi:
    """Lists and watches over one ApiClient, with retries, paging and typed errors."""

    def __init__(
        self,
        api: Any,
        policy: Policy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy or Policy()
        self._transport = _Transport(api)
        self._sleep = sleep
        self._count_lock = threading.Lock()
        self.requests = 0

    @classmethod
    def from_kubeconfig(
        cls,
        kubeconfig: str | None,
        context: str | None,
        policy: Policy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> KubeApi:
        return cls(load_client(kubeconfig, context), policy, sleep)

    @property
    def client(self) -> Any:
        """The kubernetes ApiClient underneath (its configuration, its call_api)."""
        return self._transport.api

    @property
    def host(self) -> str | None:
        host = getattr(getattr(self._transport.api, "configuration", None), "host", None)
        return str(host) if host else None

    def _open(self, path: str, query: Query, timeout: float | tuple[float, float]) -> Any:
        """One GET with retries: 429/5xx and network errors back off, other statuses raise at once."""
        attempt = 0
        while True:
            attempt += 1
            with self._count_lock:
                self.requests += 1
            try:
                return self._transport.open(path, query, timeout)
            except ApiStatus as exc:
                if exc.status not in RETRY_STATUSES or attempt >= self.policy.max_attempts:
                    raise
                self._sleep(self._delay(attempt, _retry_after(exc.headers)))
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                if attempt >= self.policy.max_attempts:
                    raise Unreachable(f"cannot reach the API server: {_short(exc)}") from exc
                self._sleep(self._delay(attempt, None))

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, 30.0)
        base: float = self.policy.backoff_base * (2 ** (attempt - 1))
        return min(base, 10.0) * (0.5 + random.random() / 2)

    def get_json(self, path: str, query: Query | None = None) -> dict[str, Any]:
        response = self._open(path, query or [], self.policy.request_timeout)
        try:
            data = _read_body(response)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise Unreachable(f"cannot reach the API server: {_short(exc)}") from exc
        try:
            body = json.loads(data)
        except ValueError as exc:
            raise BadResponse(f"{path}: the API server sent invalid JSON ({_short(exc)})") from exc
        if not isinstance(body, dict):
            raise BadResponse(f"{path}: the API server sent {type(body).__name__}, not an object")
        return body

    def list(self, path: str) -> ListResult:
        """All items of one list, page by page.

        An expired continue token (410) restarts the list once from the first
        page; a second one continues with the inconsistent token the server
        offers, and the result is marked inconsistent.
        """
        items: list[dict[str, Any]] = []
        token: str | None = None
        restarted = False
        consistent = True
        version = ""
        while True:
            query: Query = [("limit", self.policy.page_size)]
            if token:
                query.append(("continue", token))
            try:
                body = self.get_json(path, query)
            except Gone as gone:
                if not token:  # a 410 on the first page is not about a continue token
                    raise
                if not restarted:
                    restarted, token, items = True, None, []
                    continue
                consistent = False
                token = (gone.body.get("metadata") or {}).get("continue")
                if not token:
                    return ListResult(items, version, False)
                continue
            page = body.get("items") or []
            items.extend(i for i in page if isinstance(i, dict))
            meta = body.get("metadata") or {}
            # the first page's version is the snapshot every later page belongs to
            version = version or str(meta.get("resourceVersion") or "")
            token = meta.get("continue")
            if not token:
                return ListResult(items, version, consistent)

    def watch(self, path: str, resource_version: str, timeout_seconds: int) -> WatchStream:
        """A watch from resource_version; the server closes it after timeout_seconds."""
        query: Query = [("watch", "true"), ("timeoutSeconds", timeout_seconds), ("allowWatchBookmarks", "true")]
        if resource_version:
            query.append(("resourceVersion", resource_version))
        # the read timeout outlives the server's own close, so a silent stream still ends
        response = self._open(path, query, (min(self.policy.request_timeout, 10.0), timeout_seconds + 10.0))
        return WatchStream(response, path)


class WatchStream:
    """Events of one open watch, as they arrive; close() from another thread ends the iteration."""

    def __init__(self, response: Any, path: str) -> None:
        self._response = response
        self._path = path
        self._closed = False

    def __iter__(self) -> Iterator[WatchEvent]:
        try:
            for line in _lines(self._response):
                if self._closed:
                    return
                try:
                    event = json.loads(line)
                except ValueError as exc:
                    raise BadResponse(f"{self._path}: invalid watch event ({_short(exc)})") from exc
                if not isinstance(event, dict) or not isinstance(event.get("object"), dict):
                    raise BadResponse(f"{self._path}: watch event without an object")
                obj: dict[str, Any] = event["object"]
                kind = str(event.get("type"))
                if kind == "ERROR":
                    code = obj.get("code")
                    status = code if isinstance(code, int) else 500
                    raise _status_error(status, str(obj.get("reason") or "watch error"), obj, {})
                yield WatchEvent(kind, obj)
        except (urllib3.exceptions.HTTPError, OSError, ValueError, AttributeError) as exc:
            # closing from another thread breaks the read (urllib3 may say so with any of these): that is the point
            if self._closed:
                return
            raise Unreachable(f"watch of {self._path} broke: {_short(exc)}") from exc
        finally:
            self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # shutdown() (urllib3 >= 2.3) also wakes a thread blocked in read; it refuses once the
        # stream ended and its connection went back to the pool, which is then already done.
        shutdown = getattr(self._response, "shutdown", None)
        if shutdown is not None:
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                shutdown()
        with contextlib.suppress(OSError, urllib3.exceptions.HTTPError):
            self._response.release_conn()


class Reflector:
    """List, then watch from the list's resourceVersion, reconnecting until stopped; 410 lists again.

    `on_list` gets every item of each (re-)list, `on_event` every change after it.
    Errors other than 410 go to `on_error` and the reflector retries after a pause.
    """

    def __init__(
        self,
        api: KubeApi,
        path: str,
        on_list: Callable[[list[dict[str, Any]]], None],
        on_event: Callable[[WatchEvent], None],
        on_error: Callable[[str], None],
        timeout_seconds: int = 30,
        retry_pause: float = 2.0,
    ) -> None:
        self.api = api
        self.path = path
        self.on_list = on_list
        self.on_event = on_event
        self.on_error = on_error
        self.timeout_seconds = timeout_seconds
        self.retry_pause = retry_pause
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._stream: WatchStream | None = None

    def run(self) -> None:
        version: str | None = None
        while not self._stop.is_set():
            try:
                if version is None:
                    listed = self.api.list(self.path)
                    self.on_list(listed.items)
                    version = listed.resource_version
                version = self._watch_once(version)
            except Gone:
                version = None
            except KubeApiError as exc:
                self.on_error(f"{self.path}: {exc}")
                self._stop.wait(self.retry_pause)

    def _watch_once(self, version: str) -> str:
        stream = self.api.watch(self.path, version, self.timeout_seconds)
        with self._lock:
            if self._stop.is_set():
                stream.close()
                return version
            self._stream = stream
        try:
            for event in stream:
                if event.type != "BOOKMARK":
                    self.on_event(event)
                version = event.resource_version or version
        finally:
            with self._lock:
                self._stream = None
        return version

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            if self._stream is not None:
                self._stream.close()


def _read_body(response: Any) -> bytes:
    try:
        data = response.data
    finally:
        response.release_conn()
    return bytes(data or b"")


def _lines(response: Any) -> Iterator[bytes]:
    """Complete lines of a streamed body, as each chunk arrives (a real API server flushes per event)."""
    buffer = b""
    for chunk in response.stream(65536):
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                yield line
    if buffer.strip():
        yield buffer


def _json_object(raw: Any) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, TypeError):
        return {}
    return body if isinstance(body, dict) else {}


def _headers(raw: Any) -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in dict(raw or {}).items()}
    except (TypeError, ValueError):
        return {}


def _retry_after(headers: dict[str, str]) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
