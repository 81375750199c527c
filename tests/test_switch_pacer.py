"""The load side: open-model pacing, samplers, error classes, in-flight cap, crash-safe JSONL."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from pathlib import Path

import pytest

from assessor.switch.http import Target
from assessor.switch.pacer import Pacer, RequestRecord, Sampler
from assessor.switch.record import JsonlWriter, read_jsonl


async def _server(mode: str) -> tuple[asyncio.AbstractServer, int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if mode == "hang":
                    await asyncio.sleep(30)
                status = b"503 Service Unavailable" if mode == "503" else b"200 OK"
                close = b"connection: close" in head.lower()
                writer.write(
                    b"HTTP/1.1 "
                    + status
                    + b"\r\nContent-Length: 2\r\n"
                    + (b"Connection: close\r\n" if close else b"")
                    + b"\r\nok"
                )
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _run(
    url: str, samplers: tuple[str, ...], rate: float, duration: float, cap: int = 100, timeout: float = 1.0
) -> list[RequestRecord]:
    out: list[RequestRecord] = []
    pacer = Pacer([Sampler(s, Target.parse(url), timeout) for s in samplers], rate, out.append, cap)
    await pacer.run(duration)
    return out


def test_open_model_sends_rate_times_duration_per_sampler() -> None:
    async def go() -> list[RequestRecord]:
        server, port = await _server("ok")
        try:
            return await _run(f"http://127.0.0.1:{port}/", ("new", "keepalive"), rate=50, duration=1.0)
        finally:
            server.close()

    rows = asyncio.run(go())
    assert len(rows) == 100 and all(r.ok and r.status == 200 for r in rows)
    by = {s: sorted(r.seq for r in rows if r.sampler == s) for s in ("new", "keepalive")}
    assert by["new"] == by["keepalive"] == list(range(50))
    new = [r for r in rows if r.sampler == "new"]
    keep = [r for r in rows if r.sampler == "keepalive"]
    assert not any(r.reused for r in new) and sum(bool(r.reused) for r in keep) >= 45
    gaps = sorted(r.scheduled for r in new)
    assert all(abs((b - a) - 0.02) < 1e-6 for a, b in itertools.pairwise(gaps))
    assert {r.request_id.rsplit("-", 2)[1] for r in rows} == {"new", "keepalive"}


@pytest.mark.parametrize(("mode", "error_class"), [("503", "http-5xx"), ("hang", "timeout"), ("refused", "refused")])
def test_error_classes(mode: str, error_class: str) -> None:
    async def go() -> list[RequestRecord]:
        if mode == "refused":
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]  # closed again before use: nothing listens
            return await _run(f"http://127.0.0.1:{port}/", ("new",), rate=10, duration=0.3, timeout=0.3)
        server, port = await _server(mode)
        try:
            return await _run(f"http://127.0.0.1:{port}/", ("new",), rate=10, duration=0.3, timeout=0.3)
        finally:
            server.close()

    rows = asyncio.run(go())
    assert rows and {r.error_class for r in rows} == {error_class}


def test_in_flight_cap_drops_and_records() -> None:
    async def go() -> list[RequestRecord]:
        server, port = await _server("hang")
        try:
            return await _run(f"http://127.0.0.1:{port}/", ("new",), rate=40, duration=0.5, cap=3, timeout=0.4)
        finally:
            server.close()

    rows = asyncio.run(go())
    dropped = [r for r in rows if r.error_class == "dropped"]
    assert len(rows) == 20 and dropped and all(r.latency_ms is None for r in dropped)


def test_bad_urls_are_refused() -> None:
    for url in ("ftp://x/", "127.0.0.1:80", "http:///nohost"):
        with pytest.raises(ValueError):
            Target.parse(url)
    assert Target.parse("https://example.test:8443/a?b=1").host_header == "example.test:8443"


def test_jsonl_writer_flushes_and_reader_survives_a_cut_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    writer = JsonlWriter(path)
    for i in range(500):
        writer.put({"i": i})
    writer.close()
    with path.open("a") as fh:
        fh.write('{"i": 500, "cut')  # what a crash in mid-write leaves
    rows = read_jsonl(path)
    assert [r["i"] for r in rows] == list(range(500))
    assert json.loads(path.read_text().splitlines()[0]) == {"i": 0}
