"""A total deadline for one HTTP request: connect, headers and body, however slowly they arrive.

urllib3's timeouts bound each socket operation, not the request: a server that sends one byte
a second, or a status line that never ends, resets the clock with every byte and holds a
request for as long as it likes. A `Deadline` bounds the whole request instead. The connection
pools of a urllib3 PoolManager are swapped (`install`) for subclasses whose connections attach
themselves to the deadline active in the calling thread (`active`) when they connect or send;
one watchdog thread shuts the socket of every expired request down, which wakes a blocked read
at once, and the caller sees `expired` and reports a timeout, whatever error the broken read
raised. The owner calls `finish()` before the connection can serve another request.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_current = threading.local()


class Deadline:
    """When one request must be over; a watchdog ends it then."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires = time.monotonic() + seconds
        self.expired = False
        self.finished = False
        self._lock = threading.Lock()
        self._connections: list[Any] = []
        _WATCHDOG.watch(self)

    def remaining(self) -> float:
        return self.expires - time.monotonic()

    def attach(self, connection: Any) -> None:
        """The connection now works for this request: shut it down when the deadline passes."""
        with self._lock:
            connection._assess_deadline = self  # a later request on a kept-alive connection takes it over
            if connection not in self._connections:
                self._connections.append(connection)
            if self.expired:
                _shutdown(connection)

    def expire(self) -> None:
        with self._lock:
            if self.finished:
                return
            self.expired = True
            for connection in self._connections:
                if getattr(connection, "_assess_deadline", None) is self:
                    _shutdown(connection)

    def finish(self) -> None:
        """The request is over (read whole, failed or closed): stop watching its connections."""
        with self._lock:
            self.finished = True
            self._connections.clear()


@contextmanager
def active(deadline: Deadline) -> Iterator[None]:
    """Connections that connect or send in this thread, inside the block, attach to `deadline`."""
    previous = getattr(_current, "deadline", None)
    _current.deadline = deadline
    try:
        yield
    finally:
        _current.deadline = previous


def current() -> Deadline | None:
    """The deadline active in this thread, if any."""
    deadline: Deadline | None = getattr(_current, "deadline", None)
    return deadline


def install(pool_manager: Any) -> bool:
    """Make every pool the manager creates use deadline-aware connections; False if it has no pools to swap."""
    classes = getattr(pool_manager, "pool_classes_by_scheme", None)
    if not isinstance(classes, dict) or not classes:
        return False
    pool_manager.pool_classes_by_scheme = {scheme: _deadline_pool(cls) for scheme, cls in classes.items()}
    return True


def _shutdown(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is None:
        return
    # socket.socket's own shutdown, also for an SSLSocket: it ends the reads of the thread blocked
    # in this socket without unwrapping the TLS object under that thread's feet (closed: nothing to wake)
    with contextlib.suppress(OSError, ValueError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _attach_current(connection: Any) -> None:
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.attach(connection)


class _AttachMixin:
    """Attach to the thread's deadline before any byte is exchanged (TLS handshake included)."""

    def connect(self, *args: Any, **kwargs: Any) -> Any:
        _attach_current(self)
        return super().connect(*args, **kwargs)  # type: ignore[misc]

    def request(self, *args: Any, **kwargs: Any) -> Any:
        _attach_current(self)
        result = super().request(*args, **kwargs)  # type: ignore[misc]
        # expired while connecting (no socket to shut yet): end it before waiting for headers
        deadline = getattr(_current, "deadline", None)
        if deadline is not None and deadline.expired:
            _shutdown(self)
        return result


@functools.cache
def _deadline_connection(cls: type[Any]) -> type[Any]:
    if issubclass(cls, _AttachMixin):  # installed twice on one manager
        return cls
    return type(f"Deadline{cls.__name__}", (_AttachMixin, cls), {})


@functools.cache
def _deadline_pool(cls: type[Any]) -> type[Any]:
    connection_cls = getattr(cls, "ConnectionCls", None)
    if connection_cls is None:
        return cls
    return type(f"Deadline{cls.__name__}", (cls,), {"ConnectionCls": _deadline_connection(connection_cls)})


class _Watchdog:
    """One daemon thread for every deadline of the process, earliest first."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline) -> None:
        with self._wake:
            heapq.heappush(self._heap, (deadline.expires, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="request-deadlines", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._heap and self._heap[0][2].finished:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._wake.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                due = heapq.heappop(self._heap)[2]
            due.expire()


_WATCHDOG = _Watchdog()
