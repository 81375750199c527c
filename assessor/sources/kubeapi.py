"""The one adapter to the Kubernetes API, and the only module that imports `kubernetes`.

Read-only by construction: it sends GET requests only. Lists are paginated
(limit/continue) and read as raw JSON; watches stream one JSON event per line
from a resourceVersion. 429 and 5xx are retried with backoff that honours
Retry-After; statuses the caller must act on become typed errors (Forbidden,
NotFound, Gone).

Every answer is hostile until checked: each request has a total deadline
(connect, headers and body: sources/deadline.py), an optional deadline for all
requests together bounds a whole scan, a body larger than a cap is refused
while it is read, and a page must be an object whose `items` is a list of
objects (with object metadata) and whose continue token never repeats. What
fails these checks is a typed error, never a traceback or a hang.

The client is used for what it does well (kubeconfig, in-cluster config,
credentials, TLS, connection pool), through one call: `_Transport.open`.
kubernetes 37 moved to a new generator whose `ApiClient.call_api` takes an
already serialized URL and never raises on HTTP status; 30-36 take the path
and query and raise `ApiException`. `_Transport` speaks both, so every request
of the tool crosses that one function, under its deadline; every body is read
by `_read_body` (lists) or `_lines` (watches), under the size cap.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import urllib3
import yaml
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from assessor.sources import deadline as deadlines
from assessor.sources.readlimit import InputRefused, check_kubeconfig

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MIB = 1024 * 1024
# A page of 500 objects, each up to etcd's 1.5 MiB, could pass this in theory; --chunk-size
# makes pages smaller. A watch event is one object, so the same cap bounds a line.
MAX_RESPONSE_BYTES = 256 * MIB
_READ_CHUNK = 1 * MIB
ERROR_BODY_BYTES = 1 * MIB  # a Status object is a few hundred bytes
Query = list[tuple[str, Any]]


class KubeApiError(Exception):
    """Anything that went wrong talking to the API server, as one line."""


class ConfigError(KubeApiError):
    """No usable kubeconfig (or in-cluster service account)."""


class Unreachable(KubeApiError):
    """The API server did not answer, after every retry: a scan stops here rather than try every resource."""


class RequestTimeout(Unreachable):
    """No complete answer within the request's total deadline."""


class OutOfTime(KubeApiError):
    """The deadline for all requests together (a whole scan) has passed."""


class BadResponse(KubeApiError):
    """The server answered something that is not the JSON it promised."""


class TooLarge(BadResponse):
    """A body over the policy's size cap: refused while it is read, never held whole."""


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
    request_timeout: float = 30.0  # seconds for one whole request: connect, headers and body
    page_size: int = 500
    max_attempts: int = 5  # 429, 5xx and broken connections
    backoff_base: float = 0.5
    # A refused connection or a server silent until the deadline is tried once more, not max_attempts
    # times: the next attempt rarely fares better, and a scan stops at the first server that is not there.
    connect_attempts: int = 2
    max_response_bytes: int = MAX_RESPONSE_BYTES


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


# What the kubernetes config loader raises on a kubeconfig it cannot use: its own exception for
# what it checks, and whatever the YAML parser or a dict lookup on the wrong type raises for the rest.
_CONFIG_ERRORS = (
    ConfigException,
    OSError,
    yaml.YAMLError,
    TypeError,
    ValueError,
    AttributeError,
    KeyError,
    IndexError,
    RecursionError,
)


def load_client(kubeconfig: str | None, context: str | None) -> Any:
    """An ApiClient from the kubeconfig (or, with neither flag and no kubeconfig, the pod's service account)."""
    try:
        check_kubeconfig(kubeconfig)  # bounded, regular files only (sources/readlimit.py)
    except InputRefused as exc:  # never a reason to fall back to in-cluster config: say so
        raise ConfigError(f"cannot load kubeconfig {exc}") from None
    try:
        configuration = k8s_client.Configuration()
        k8s_config.load_kube_config(
            config_file=kubeconfig,
            context=context,
            client_configuration=configuration,
            persist_config=False,  # a read-only tool never rewrites the user's kubeconfig
        )
    except _CONFIG_ERRORS as exc:
        # No kubeconfig at all: inside a pod, use its service account, as kubectl does.
        if kubeconfig is None and context is None:
            try:
                configuration = k8s_client.Configuration()
                k8s_config.load_incluster_config(client_configuration=configuration)
            except _CONFIG_ERRORS:
                raise ConfigError(f"no usable kubeconfig: {_config_reason(exc)}") from exc
        else:
            raise ConfigError(f"cannot load kubeconfig {kubeconfig or ''}: {_config_reason(exc)}") from exc
    # The adapter retries, with its own backoff, and counts every attempt; urllib3's default Retry
    # would silently resend 429/503 with Retry-After and connection failures underneath it.
    configuration.retries = False
    return k8s_client.ApiClient(configuration=configuration)


class _Transport:
    """One GET through the client, returning the unread urllib3 response (2xx) or raising ApiStatus."""

    def __init__(self, api: Any, max_response_bytes: int) -> None:
        self.api = api
        self.max_response_bytes = max_response_bytes
        # 37+: param_serialize builds URL, auth and headers; call_api only sends and never checks the status.
        self.serialized = hasattr(api, "param_serialize")
        # Both client generations keep one urllib3 PoolManager at api.rest_client.pool_manager; without
        # it, a request still has its per-read timeouts and the deadline is checked between reads.
        pool_manager = getattr(getattr(api, "rest_client", None), "pool_manager", None)
        self.deadlines = deadlines.install(pool_manager)
        if not self.serialized:
            _cap_error_bodies(pool_manager)

    def open(self, path: str, query: Query, deadline: deadlines.Deadline, timeout: tuple[float, float]) -> Any:
        headers = {"Accept": "application/json"}
        try:
            with deadlines.active(deadline):
                response = self._call(path, query, headers, timeout)
        except ApiException as exc:
            if not exc.status:  # the client's wrapping of a TLS or protocol failure
                raise urllib3.exceptions.HTTPError(_short(exc)) from exc
            # 30-36 read the error body whole before raising; the deadline bounded that read
            raise _status_error(exc.status, str(exc.reason), _json_object(exc.body), _headers(exc.headers)) from None
        if not 200 <= response.status <= 299:
            body = _json_object(_read_error_body(response, deadline))
            raise _status_error(response.status, str(response.reason), body, _headers(response.headers))
        return response

    def _call(self, path: str, query: Query, headers: dict[str, str], timeout: tuple[float, float]) -> Any:
        if self.serialized:
            method, url, header_params, _body, _post = self.api.param_serialize(
                "GET", path, query_params=query, header_params=headers, auth_settings=["BearerToken"]
            )
            wrapped = self.api.call_api(method, url, header_params=header_params, _request_timeout=timeout)
            return wrapped.response
        return self.api.call_api(
            path,
            "GET",
            query_params=query,
            header_params=headers,
            auth_settings=["BearerToken"],
            _preload_content=False,
            _return_http_data_only=True,
            _request_timeout=timeout,
        )


class KubeApi:
    """Lists and watches over one ApiClient, with retries, paging, deadlines, a size cap and typed errors."""

    def __init__(
        self,
        api: Any,
        policy: Policy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy or Policy()
        self._transport = _Transport(api, self.policy.max_response_bytes)
        self._sleep = sleep
        self._count_lock = threading.Lock()
        self.requests = 0
        # monotonic time after which no request starts, and none runs on: see limit_total
        self.deadline: float | None = None
        self._total: float | None = None

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

    @property
    def server(self) -> str:
        return self.host or "the API server"

    @property
    def enforces_deadlines(self) -> bool:
        """True when the client's connection pools end a request at its deadline, however it trickles."""
        return self._transport.deadlines

    def limit_total(self, seconds: float) -> None:
        """From now, all requests together end within `seconds`: later ones raise OutOfTime, a running one is cut."""
        self._total = seconds
        self.deadline = time.monotonic() + seconds

    def _request_seconds(self, budget: float) -> tuple[float, bool]:
        """This request's deadline, and whether the scan's deadline (not its own) is what sets it."""
        if self.deadline is None:
            return budget, False
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._out_of_time()
        return (left, True) if left < budget else (budget, False)

    def _out_of_time(self) -> OutOfTime:
        return OutOfTime(f"the time for the whole scan ({_seconds(self._total or 0)}) ran out reading {self.server}")

    def _open(self, path: str, query: Query, budget: float, read_timeout: float | None = None) -> _Opened:
        """One GET with retries: 429/5xx and broken connections back off, other statuses raise at once.

        The response comes back unread, with its deadline still running: the caller reads the body.
        """
        attempt = 0
        while True:
            attempt += 1
            seconds, by_scan = self._request_seconds(budget)
            deadline = deadlines.Deadline(seconds)
            with self._count_lock:
                self.requests += 1
            # the socket timeouts bound each operation; the deadline bounds them all together
            timeout = (min(seconds, self.policy.request_timeout), min(seconds, read_timeout or seconds))
            try:
                return _Opened(self._transport.open(path, query, deadline, timeout), deadline, by_scan, self)
            except ApiStatus as exc:
                deadline.finish()
                if exc.status not in RETRY_STATUSES or attempt >= self.policy.max_attempts:
                    raise
                retry_after = _retry_after(exc.headers)
            except TRANSPORT_ERRORS as exc:
                deadline.finish()
                failure = self._failure(exc, deadline, by_scan)
                limit = self.policy.max_attempts
                if isinstance(failure, (RequestTimeout, _Refused)):
                    limit = self.policy.connect_attempts
                if isinstance(failure, OutOfTime) or attempt >= limit:
                    raise failure from exc
                retry_after = None
            self._pause(self._delay(attempt, retry_after))

    def _failure(self, exc: BaseException, deadline: deadlines.Deadline, by_scan: bool) -> KubeApiError:
        """What a transport error means: the deadline, a refused connection, or a connection that broke."""
        timed_out = isinstance(exc, urllib3.exceptions.TimeoutError) and not isinstance(
            exc,
            urllib3.exceptions.NewConnectionError,  # a subclass of ConnectTimeoutError, for history's sake
        )
        if deadline.expired or isinstance(exc, _Expired) or (timed_out and deadline.remaining() <= 0):
            return self._out_of_time() if by_scan else self._timed_out(deadline)
        if isinstance(exc, urllib3.exceptions.NewConnectionError):
            return _Refused(f"cannot reach the API server {self.server}: {_reason(exc)}")
        if timed_out:
            return self._timed_out(deadline)
        return Unreachable(f"cannot reach the API server {self.server}: {_reason(exc)}")

    def _timed_out(self, deadline: deadlines.Deadline) -> RequestTimeout:
        return RequestTimeout(
            f"cannot reach the API server {self.server}: no complete answer within {_seconds(deadline.seconds)}"
        )

    def _pause(self, seconds: float) -> None:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= seconds:
                raise self._out_of_time()
        self._sleep(seconds)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, 30.0)
        base: float = self.policy.backoff_base * (2 ** (attempt - 1))
        return min(base, 10.0) * (0.5 + random.random() / 2)

    def get_json(self, path: str, query: Query | None = None) -> dict[str, Any]:
        opened = self._open(path, query or [], self.policy.request_timeout)
        try:
            data = opened.read()
        except TooLarge as exc:
            raise TooLarge(f"{path}: {exc} (smaller pages, --chunk-size, stay under it)") from None
        except BadResponse as exc:
            raise BadResponse(f"{path}: {exc}") from None
        try:
            body = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise BadResponse(f"{path}: the API server sent {_describe(data)}") from exc
        if not isinstance(body, dict):
            raise BadResponse(f"{path}: the API server sent a JSON {_json_type(body)}, not an object")
        return body

    def list(self, path: str, cancelled: threading.Event | None = None) -> ListResult:
        """All items of one list, page by page.

        An expired continue token (410) restarts the list once from the first
        page; a second one continues with the inconsistent token the server
        offers, and the result is marked inconsistent. A token the server
        already sent is a loop, and the list fails. `cancelled` ends the list
        between pages (a watcher being stopped).
        """
        items: list[dict[str, Any]] = []
        token: str | None = None
        seen: set[str] = set()
        restarted = False
        consistent = True
        version = ""
        while True:
            if cancelled is not None and cancelled.is_set():
                raise Cancelled(f"{path}: list stopped")
            query: Query = [("limit", self.policy.page_size)]
            if token:
                query.append(("continue", token))
            try:
                body = self.get_json(path, query)
            except Gone as gone:
                if not token:  # a 410 on the first page is not about a continue token
                    raise
                if not restarted:
                    restarted, token, items, seen = True, None, [], set()
                    continue
                consistent = False
                token = _continue_token(path, gone.body)
                if not token:
                    return ListResult(items, version, False)
                seen.add(token)
                continue
            page, meta = _page(path, body)
            items.extend(page)
            # the first page's version is the snapshot every later page belongs to
            version = version or str(meta.get("resourceVersion") or "")
            token = _continue_token(path, body)
            if not token:
                return ListResult(items, version, consistent)
            if token in seen:
                raise BadResponse(f"{path}: the API server sent the same continue token twice (a paging loop)")
            seen.add(token)

    def watch(self, path: str, resource_version: str, timeout_seconds: int) -> WatchStream:
        """A watch from resource_version; the server closes it after timeout_seconds."""
        query: Query = [("watch", "true"), ("timeoutSeconds", timeout_seconds), ("allowWatchBookmarks", "true")]
        if resource_version:
            query.append(("resourceVersion", resource_version))
        # the stream may last timeout_seconds, plus a request's time to open and close it; each read
        # may wait as long, so a silent stream still ends
        total = timeout_seconds + self.policy.request_timeout
        opened = self._open(path, query, total, read_timeout=total)
        return WatchStream(opened, path)


class Cancelled(KubeApiError):
    """The caller stopped a list between pages."""


class _Refused(Unreachable):
    """Nothing accepted the connection (refused, no route, no such host): retried at most connect_attempts times."""


class _Expired(Exception):
    """A body read that ended because its deadline passed (however complete it may look)."""


TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, ValueError, _Expired)


class _Opened:
    """A 2xx response not yet read, and the deadline that still bounds reading it."""

    def __init__(self, response: Any, deadline: deadlines.Deadline, by_scan: bool, api: KubeApi) -> None:
        self.response = response
        self.deadline = deadline
        self.by_scan = by_scan  # the scan's deadline, not the request's own, is the one running
        self._api = api

    def read(self) -> bytes | bytearray:
        """The whole body, within the deadline and the size cap."""
        try:
            return _read_body(self.response, self.deadline, self._api.policy.max_response_bytes)
        except TRANSPORT_ERRORS as exc:
            raise self._api._failure(exc, self.deadline, self.by_scan) from exc

    def expired_error(self) -> KubeApiError:
        return self._api._out_of_time() if self.by_scan else self._api._timed_out(self.deadline)


class WatchStream:
    """Events of one open watch, as they arrive; close() from another thread ends the iteration."""

    def __init__(self, opened: _Opened, path: str) -> None:
        self._opened = opened
        self._response = opened.response
        self._path = path
        self._closed = False

    def __iter__(self) -> Iterator[WatchEvent]:
        cap = self._opened._api.policy.max_response_bytes
        try:
            for line in _lines(self._response, cap):
                if self._closed:
                    return
                yield self._event(line)
            if self._opened.deadline.expired and not self._closed:
                raise self._opened.expired_error()
        except (urllib3.exceptions.HTTPError, OSError, ValueError, AttributeError) as exc:
            # closing from another thread breaks the read (urllib3 may say so with any of these): that is the point
            if self._closed:
                return
            if self._opened.deadline.expired:
                raise self._opened.expired_error() from exc
            raise Unreachable(f"watch of {self._path} broke: {_short(exc)}") from exc
        finally:
            self.close()

    def _event(self, line: bytes) -> WatchEvent:
        try:
            event = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise BadResponse(f"{self._path}: invalid watch event ({_describe(line)})") from exc
        if not isinstance(event, dict) or not isinstance(event.get("object"), dict):
            raise BadResponse(f"{self._path}: watch event without an object")
        obj: dict[str, Any] = event["object"]
        if not isinstance(obj.get("metadata") or {}, dict):
            raise BadResponse(f"{self._path}: watch event whose object's metadata is not an object")
        kind = str(event.get("type"))
        if kind == "ERROR":
            code = obj.get("code")
            status = code if isinstance(code, int) and 100 <= code <= 599 else 500
            raise _status_error(status, str(obj.get("reason") or "watch error"), obj, {})
        return WatchEvent(kind, obj)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._opened.deadline.finish()
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
                    listed = self.api.list(self.path, cancelled=self._stop)
                    self.on_list(listed.items)
                    version = listed.resource_version
                version = self._watch_once(version)
            except Gone:
                version = None
            except Cancelled:
                return
            except KubeApiError as exc:
                message = str(exc)
                self.on_error(message if message.startswith(f"{self.path}: ") else f"{self.path}: {message}")
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


def _page(path: str, body: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A list page's items and metadata, or BadResponse: one type check per item, no deeper walk."""
    meta = body.get("metadata")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise BadResponse(f"{path}: malformed list: metadata is a JSON {_json_type(meta)}, not an object")
    items = body.get("items")
    if items is None:  # an empty list may come as null
        return [], meta
    if not isinstance(items, list):
        raise BadResponse(f"{path}: malformed list: items is a JSON {_json_type(items)}, not an array")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadResponse(f"{path}: malformed list: items[{index}] is a JSON {_json_type(item)}, not an object")
        item_meta = item.get("metadata")
        if item_meta is not None and not isinstance(item_meta, dict):
            raise BadResponse(f"{path}: malformed list: items[{index}].metadata is not an object")
    return items, meta


def _continue_token(path: str, body: dict[str, Any]) -> str | None:
    meta = body.get("metadata") or {}
    token = meta.get("continue") if isinstance(meta, dict) else None
    if token is None or token == "":
        return None
    if not isinstance(token, str):
        raise BadResponse(f"{path}: malformed list: the continue token is a JSON {_json_type(token)}, not a string")
    return token


def _read_body(response: Any, deadline: deadlines.Deadline | None, cap: int) -> bytes | bytearray:
    """The body, read in chunks: refused past `cap` bytes, cut at the deadline; the connection released."""
    try:
        _check_encoding(response)
        declared = _content_length(response)
        if declared is not None and declared > cap:
            raise TooLarge(f"the API server announced a {declared / MIB:.0f} MiB answer, over the {_mib(cap)} limit")
        data = bytearray()
        for chunk in response.stream(_READ_CHUNK, decode_content=False):
            data += chunk
            if len(data) > cap:
                raise TooLarge(f"the API server's answer passed the {_mib(cap)} limit; not read further")
            if deadline is not None and deadline.expired:
                break
        if deadline is not None and deadline.expired:
            raise _Expired  # a read cut short by the watchdog may look like a short, complete body
        return data
    except BaseException:
        if deadline is not None:
            deadline.finish()
        with contextlib.suppress(Exception):
            response.close()  # never hand a half-read connection back to the pool
        raise
    finally:
        if deadline is not None:
            deadline.finish()  # before the connection can serve another request
        with contextlib.suppress(OSError, urllib3.exceptions.HTTPError):
            response.release_conn()


def _read_error_body(response: Any, deadline: deadlines.Deadline | None) -> bytes | bytearray:
    """An error status's body (a Status object): what fits under ERROR_BODY_BYTES, else nothing."""
    try:
        return _read_body(response, deadline, ERROR_BODY_BYTES)
    except BadResponse:  # too large or compressed: the status alone says enough
        return b""


class _ReadErrorResponse:
    """A non-2xx urllib3 response whose body is already read under the cap, for the 30-36 client's ApiException."""

    def __init__(self, response: Any, data: bytes | bytearray) -> None:
        self.status = response.status
        self.reason = response.reason
        self.headers = response.headers
        self.data = bytes(data)

    def getheaders(self) -> Any:
        return self.headers

    def getheader(self, name: str, default: Any = None) -> Any:
        return self.headers.get(name, default)

    def release_conn(self) -> None:
        pass  # released when its body was read


def _cap_error_bodies(pool_manager: Any) -> None:
    """kubernetes 30-36 raise ApiException for a non-2xx answer after reading its body whole, without a limit;
    read it here first, under the cap (and the request's deadline, which is active around the call)."""
    send = getattr(pool_manager, "request", None)
    if send is None:
        return

    def request(*args: Any, **kwargs: Any) -> Any:
        response = send(*args, **kwargs)
        if 200 <= response.status <= 299:
            return response
        return _ReadErrorResponse(response, _read_error_body(response, deadlines.current()))

    pool_manager.request = request


def _lines(response: Any, cap: int) -> Iterator[bytes]:
    """Complete lines of a streamed body, as each chunk arrives (a real API server flushes per event).

    A line longer than `cap` is refused: the watch fails with TooLarge before it holds more.
    """
    _check_encoding(response)
    buffer = bytearray()
    for chunk in response.stream(65536, decode_content=False):
        start = 0
        end = chunk.find(b"\n")
        while end >= 0:
            buffer += chunk[start:end]
            if buffer.strip():
                yield bytes(buffer)
            buffer.clear()
            start = end + 1
            end = chunk.find(b"\n", start)
        buffer += chunk[start:]
        if len(buffer) > cap:
            raise TooLarge(f"a watch event passed the {_mib(cap)} limit; not read further")
    if buffer.strip():
        yield bytes(buffer)


def _check_encoding(response: Any) -> None:
    # The client asks for identity; a compressed body would be inflated past every size check.
    encoding = _header(response, "content-encoding")
    if encoding and encoding.strip().lower() != "identity":
        raise BadResponse(f"the API server sent a {encoding}-encoded answer it was not asked for")


def _content_length(response: Any) -> int | None:
    value = _header(response, "content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _header(response: Any, name: str) -> str | None:
    headers = getattr(response, "headers", None)
    try:
        value = headers.get(name) if headers is not None else None
    except (TypeError, AttributeError):
        return None
    return str(value) if value is not None else None


def _json_object(raw: Any) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, TypeError, RecursionError):
        return {}
    return body if isinstance(body, dict) else {}


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _describe(data: bytes | bytearray) -> str:
    """What a body that is not JSON looks like, in a few words (never the bytes themselves)."""
    head = bytes(data[:512]).lstrip().lower()
    if not head:
        return "an empty answer, not JSON"
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML page, not JSON (a proxy or login page?)"
    if b"\0" in head or not _mostly_text(head):
        return "binary data, not JSON"
    return "invalid JSON"


def _mostly_text(data: bytes) -> bool:
    text = sum(32 <= b < 127 or b in (9, 10, 13) for b in data)
    return text >= len(data) * 0.9


def _headers(raw: Any) -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in dict(raw or {}).items()}
    except (TypeError, ValueError):
        return {}


def _retry_after(headers: dict[str, str]) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def _reason(exc: BaseException) -> str:
    """The operating system's words for a failed connection ('connection refused'), else the first line."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror[0].lower() + current.strerror[1:]
        current = current.__cause__ or current.__context__
    text = _short(exc)
    marker = "Failed to establish a new connection: "
    return text.split(marker, 1)[1] if marker in text else text


def _config_reason(exc: BaseException) -> str:
    if isinstance(exc, yaml.YAMLError):
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or _short(exc)
        return f"not valid YAML{where}: {problem}"
    if isinstance(exc, (TypeError, AttributeError, KeyError, IndexError, RecursionError)):
        return f"not a kubeconfig the client can use ({type(exc).__name__}: {_short(exc)})"
    return _short(exc)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _mib(value: int) -> str:
    return f"{value / MIB:g} MiB"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
