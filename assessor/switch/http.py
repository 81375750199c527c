"""A small HTTP/1.1 client over asyncio streams, for exact control of connections and error classes.

A load test of a switch must know, per request, whether the connection was new or reused,
which address answered, and whether a failure was a refused connection, a reset, a
timeout or an HTTP status. General-purpose clients retry, pool and hide exactly that.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from assessor.redact import redact_text

MAX_BODY = 4 * 1024 * 1024
# Out of file descriptors (per process, system-wide) or buffers: this machine failed, not the server.
CLIENT_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def client_error(exc: BaseException) -> RequestError | None:
    """A RequestError of class "client" when exc is this machine running out of something."""
    if isinstance(exc, OSError) and exc.errno in CLIENT_ERRNOS:
        return RequestError("client", f"this machine: {exc.strerror or exc}")
    return None


class RequestError(Exception):
    def __init__(self, error_class: str, detail: str, nothing_received: bool = False) -> None:
        super().__init__(detail)
        self.error_class = error_class
        self.nothing_received = nothing_received  # the peer closed before sending a single byte


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    host: str
    port: int
    path: str
    tls: bool
    host_header: str
    shown: str  # the URL with any password hidden: what records and reports carry
    authorization: str = ""  # from user:password in the URL: the requests carry it, nothing else does

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{redact_text(url)!r}: expected an http:// or https:// URL")
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        default = port == (443 if tls else 80)
        host_header = parts.hostname if default else f"{parts.hostname}:{port}"
        authorization = ""
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            authorization = "Basic " + base64.b64encode(pair).decode("ascii")
        return cls(url, parts.hostname, port, path, tls, host_header, redact_text(url), authorization)


@dataclass(slots=True)
class Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    remote: str
    uses: int = 0

    def close(self) -> None:
        self.writer.close()


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    remote: str
    reused: bool
    keep_alive: bool


async def connect(target: Target, timeout: float) -> Connection:
    ctx = ssl.create_default_context() if target.tls else None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(target.host, target.port, ssl=ctx), timeout)
    except TimeoutError as exc:
        raise RequestError("timeout", "connect timed out") from exc
    except ConnectionRefusedError as exc:
        raise RequestError("refused", str(exc)) from exc
    except socket.gaierror as exc:
        raise RequestError("dns", str(exc)) from exc
    except ssl.SSLError as exc:
        raise RequestError("tls", str(exc)) from exc
    except OSError as exc:
        raise client_error(exc) or RequestError("refused" if exc.errno in (111, 113) else "reset", str(exc)) from exc
    peer = writer.get_extra_info("peername")
    remote = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
    return Connection(reader, writer, remote)


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> None:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        total = 0
        while True:
            size_line = await reader.readline()
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readline()
                return
            total += size
            if total > MAX_BODY:
                raise RequestError("reset", "response body too large")
            await reader.readexactly(size + 2)
    length = headers.get("content-length")
    if length is not None:
        n = int(length)
        if n > MAX_BODY:
            raise RequestError("reset", "response body too large")
        await reader.readexactly(n)


async def request(conn: Connection, target: Target, request_id: str, keep_alive: bool, timeout: float) -> Response:
    reused = conn.uses > 0
    conn.uses += 1
    head = (
        f"GET {target.path} HTTP/1.1\r\nHost: {target.host_header}\r\nUser-Agent: assess-switch\r\n"
        + (f"Authorization: {target.authorization}\r\n" if target.authorization else "")
        + f"X-Request-Id: {request_id}\r\nConnection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
    )

    async def exchange() -> Response:
        conn.writer.write(head.encode())
        await conn.writer.drain()
        status_line = await conn.reader.readline()
        if not status_line:
            raise RequestError("reset", "connection closed before a response", nothing_received=True)
        parts = status_line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise RequestError("reset", f"not an HTTP response: {status_line[:40]!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        while True:
            line = await conn.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        await _read_body(conn.reader, headers)
        server_keeps = headers.get("connection", "").lower() != "close"
        return Response(status, conn.remote, reused, keep_alive and server_keeps)

    try:
        return await asyncio.wait_for(exchange(), timeout)
    except TimeoutError as exc:
        raise RequestError("timeout", "no response in time") from exc
    except (ConnectionResetError, BrokenPipeError) as exc:
        raise RequestError("reset", type(exc).__name__, nothing_received=True) from exc
    except asyncio.IncompleteReadError as exc:
        raise RequestError("reset", type(exc).__name__) from exc
    except ssl.SSLError as exc:
        raise RequestError("tls", str(exc)) from exc
    except (ValueError, OSError) as exc:
        raise client_error(exc) or RequestError("reset", str(exc)) from exc
