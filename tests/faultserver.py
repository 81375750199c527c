"""Raw-socket HTTP servers on 127.0.0.1 that misbehave below the level of HTTP semantics.

The emulator (tests/emulator.py) answers well-formed HTTP with bad content; these break the
transport itself: a server that accepts and never answers, one that trickles its body a byte
at a time, one whose chunked body never ends, one whose status line trickles. Each serves
every connection the same way until stopped, and every loop is bounded by `stop()` or the
client going away, so a test cannot leave a server running.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import yaml

Behaviour = Callable[[socket.socket, threading.Event], None]


class FaultServer:
    """Accepts on 127.0.0.1:<free port> and hands each connection to `behaviour` in a thread."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.stopped = threading.Event()
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def __enter__(self) -> FaultServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        with self._lock:
            for conn in self._open:
                _close(conn)
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        try:
            _read_request(conn, self.stopped)
            self.behaviour(conn, self.stopped)
        except OSError:
            pass  # the client gave up: that is what these servers are for
        finally:
            _close(conn)

    def write_kubeconfig(self, path: Path) -> Path:
        return write_kubeconfig(path, self.url)


def write_kubeconfig(path: Path, server: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "c",
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def refused_url() -> str:
    """A loopback URL nothing listens on (the port was free a moment ago and is closed again)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _read_request(conn: socket.socket, stopped: threading.Event) -> None:
    conn.settimeout(0.2)
    data = b""
    while b"\r\n\r\n" not in data and not stopped.is_set():
        try:
            chunk = conn.recv(4096)
        except TimeoutError:
            continue
        if not chunk:
            raise ConnectionResetError("client closed before sending a request")
        data += chunk


def _close(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()


def hung(conn: socket.socket, stopped: threading.Event) -> None:
    """Read the request, then say nothing until stopped."""
    stopped.wait()


def trickle(interval: float = 1.0) -> Behaviour:
    """Headers promising a large body, then one byte of it per interval, until stopped."""

    def behaviour(conn: socket.socket, stopped: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        conn.sendall(b"{")
        while not stopped.wait(interval):
            conn.sendall(b" ")

    return behaviour


def trickle_status_line(interval: float = 1.0) -> Behaviour:
    """The status line itself, one byte per interval: no response ever arrives whole."""

    def behaviour(conn: socket.socket, stopped: threading.Event) -> None:
        for byte in b"HTTP/1.1 200 OK" + b"X" * 100000:
            if stopped.wait(interval):
                return
            conn.sendall(bytes([byte]))

    return behaviour


def endless_chunked(conn: socket.socket, stopped: threading.Event) -> None:
    """A 200 whose chunked body never ends: 1 MiB chunks as fast as the client reads them."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    conn.sendall(b"1\r\n[\r\n")
    chunk = b"%x\r\n" % (1 << 20) + b" " * (1 << 20) + b"\r\n"
    while not stopped.is_set():
        conn.sendall(chunk)
