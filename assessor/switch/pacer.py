"""Open-model pacing: request i is due at t0 + i/rate, whatever happened to request i-1.

A late send goes out at once and its lag is recorded; when the in-flight cap is reached
the request is recorded as dropped (the run is then inconclusive). Nothing here knows
about Kubernetes or files: records go to a sink that must not block.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from assessor.switch.http import Connection, RequestError, Target, client_error, connect, request

SAMPLERS = ("new", "keepalive")
# Requests per second over every URL and sampler together: more --url flags must not multiply the load
# without bound (and one process cannot keep a schedule much above this anyway).
MAX_TOTAL_RATE = 10_000.0


@dataclass(slots=True)
class RequestRecord:
    sampler: str
    url: str
    seq: int
    request_id: str
    phase: str
    scheduled: float  # wall clock, seconds
    sent: float
    lag_ms: float
    latency_ms: float | None = None
    status: int | None = None
    error_class: str | None = None  # timeout refused reset dns tls http-5xx http-4xx dropped client
    error: str | None = None
    reused: bool | None = None
    remote: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_class is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def classify_status(status: int) -> str | None:
    if status >= 500:
        return "http-5xx"
    if status >= 400:
        return "http-4xx"
    return None


class Sampler:
    """Sends one request: over a new connection each time, or over kept-alive connections."""

    def __init__(self, name: str, target: Target, timeout: float) -> None:
        if name not in SAMPLERS:
            raise ValueError(f"unknown sampler {name!r}")
        self.name = name
        self.target = target
        self.timeout = timeout
        self._idle: list[Connection] = []

    async def send(self, request_id: str) -> tuple[int, bool, str]:
        keep = self.name == "keepalive"
        conn = self._idle.pop() if keep and self._idle else await connect(self.target, self.timeout)
        try:
            resp = await request(conn, self.target, request_id, keep, self.timeout)
        except RequestError as exc:
            conn.close()
            if not (conn.uses > 1 and exc.nothing_received):
                raise
            # The server had closed this idle connection (a reload, its keep-alive timeout) before our
            # request reached it: every HTTP client sends again on a new connection. Not a retry of a
            # failed request: the server never saw it.
            conn = await connect(self.target, self.timeout)
            try:
                resp = await request(conn, self.target, request_id, keep, self.timeout)
            except BaseException:
                conn.close()
                raise
        except BaseException:
            conn.close()
            raise
        if keep and resp.keep_alive:
            self._idle.append(conn)
        else:
            conn.close()
        return resp.status, resp.reused, resp.remote

    def close(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()


@dataclass(slots=True)
class PacerStats:
    sent: int = 0
    ok: int = 0
    ko: int = 0
    dropped: int = 0
    in_flight: int = 0
    lags_ms: list[float] = field(default_factory=list)


class Pacer:
    def __init__(
        self,
        samplers: list[Sampler],
        rate: float,
        sink: Callable[[RequestRecord], None],
        max_in_flight: int = 1000,
        run_id: str = "run",
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.samplers = samplers
        self.rate = rate
        self.sink = sink
        self.max_in_flight = max_in_flight
        self.run_id = run_id
        self.phase = "run"
        self.stats = PacerStats()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, duration: float, stop: asyncio.Event | None = None) -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        wall0 = time.time()
        interval = 1.0 / self.rate
        total = int(duration * self.rate)  # bounded in count as well as in time
        for i in range(total):
            due = t0 + i * interval
            delay = due - loop.time()
            if delay > 0:
                if stop is not None:
                    try:
                        await asyncio.wait_for(stop.wait(), delay)
                        break
                    except TimeoutError:
                        pass
                else:
                    await asyncio.sleep(delay)
            elif stop is not None and stop.is_set():
                break
            now = loop.time()
            lag_ms = max(0.0, (now - due) * 1000)
            self.stats.lags_ms.append(lag_ms)
            for sampler in self.samplers:
                record = RequestRecord(
                    sampler=sampler.name,
                    url=sampler.target.shown,
                    seq=i,
                    request_id=f"{self.run_id}-{sampler.name}-{i}",
                    phase=self.phase,
                    scheduled=wall0 + (due - t0),
                    sent=wall0 + (now - t0),
                    lag_ms=round(lag_ms, 3),
                )
                if self.stats.in_flight >= self.max_in_flight:
                    record.error_class, record.error = "dropped", "in-flight cap reached"
                    self.stats.dropped += 1
                    self.sink(record)
                    continue
                self.stats.in_flight += 1
                self.stats.sent += 1
                task = asyncio.create_task(self._one(sampler, record, loop.time()))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        for sampler in self.samplers:
            sampler.close()

    async def _one(self, sampler: Sampler, record: RequestRecord, started: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            status, reused, remote = await sampler.send(record.request_id)
            record.status, record.reused, record.remote = status, reused, remote
            record.error_class = classify_status(status)
        except RequestError as exc:
            record.error_class, record.error = exc.error_class, str(exc)[:200]
        except Exception as exc:  # anything else is still one failed request, not a crashed run
            mine = client_error(exc)
            record.error_class = mine.error_class if mine else "reset"
            record.error = (str(mine) if mine else f"{type(exc).__name__}: {exc}")[:200]
        finally:
            record.latency_ms = round((loop.time() - started) * 1000, 3)
            self.stats.in_flight -= 1
            if record.ok:
                self.stats.ok += 1
            else:
                self.stats.ko += 1
            self.sink(record)
