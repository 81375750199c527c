"""From requests.jsonl and events.jsonl to disruption intervals, matched events and a verdict."""

from __future__ import annotations

import datetime as dt
import heapq
import math
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assessor.switch.quantiles import Quantiles
from assessor.switch.record import iter_jsonl

SCHEMA_VERSION = "1.0"
# How much an event kind says about a failed request, for ranking matches.
EVENT_WEIGHT = {
    "container-restart": 6,  # seen by the cluster, with the workload: the most direct cause
    "container-stop": 5,
    "container-start": 4,
    "pod-not-ready": 4,
    "pod-deleted": 4,
    "runtime-stop": 5,
    "runtime-start": 4,
    "pod-evicted": 4,
    "node-not-ready": 3,
    "node-cordon": 2,
    "node-drain": 2,
    "pod-ready": 2,
    "pod-created": 2,
    "node-ready": 2,
    "node-uncordon": 1,
    "node-version": 2,
    "host-processing": 1,
    "node-check": 1,
    "kube-event": 2,
}


@dataclass(slots=True)
class Thresholds:
    max_errors: int = 0
    max_error_ratio: float | None = None
    max_disrupted_seconds: float | None = None
    max_interval: float | None = None
    max_p99_ms: float | None = None
    max_lag_p99_ms: float = 250.0  # above this the schedule was not kept: inconclusive

    def to_dict(self) -> dict[str, Any]:
        return {
            "maxErrors": self.max_errors,
            "maxErrorRatio": self.max_error_ratio,
            "maxDisruptedSeconds": self.max_disrupted_seconds,
            "maxIntervalSeconds": self.max_interval,
            "maxP99Ms": self.max_p99_ms,
            "maxLagP99Ms": self.max_lag_p99_ms,
        }


@dataclass(slots=True)
class Interval:
    sampler: str
    start: float
    end: float
    errors: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    classes: Counter[str] = field(default_factory=Counter)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)

    def headline(self) -> str:
        what = ", ".join(f"{n} × {s}" for s, n in self.statuses.most_common())
        span = f"{clock(self.start)}–{clock(self.end)}"
        cause = describe(self.events[0]) if self.events else "no cluster or command event nearby"
        return f"{what} at {span} ({self.sampler}) — {cause}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "sampler": self.sampler,
            "start": iso(self.start),
            "end": iso(self.end),
            "seconds": round(self.seconds, 3),
            "errors": self.errors,
            "statuses": dict(self.statuses),
            "errorClasses": dict(self.classes),
            "headline": self.headline(),
            "events": self.events,
        }


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def clock(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S")


def describe(event: dict[str, Any]) -> str:
    kind = event.get("kind", "")
    where = f" on {event['node']}" if event.get("node") else ""
    if event.get("workload") and kind in ("container-restart", "pod-not-ready", "pod-deleted", "pod-ready"):
        verb = {
            "container-restart": "restarted",
            "pod-not-ready": "not ready",
            "pod-deleted": "deleted",
            "pod-ready": "ready again",
        }[kind]
        return f"{event['workload']} {verb}{where}"
    if event.get("container"):
        verb = {"container-stop": "stopped", "container-start": "started", "container-restart": "restarted"}.get(
            kind, kind
        )
        return f"container {event['container']} {verb}{where}"
    return f"{kind}{where}" + (f": {event['message']}" if event.get("message") and kind == "kube-event" else "")


def percentiles(values: Iterable[float]) -> dict[str, float | None]:
    q = Quantiles()
    for v in values:
        q.add(v)
    return q.summary()


@dataclass(frozen=True, slots=True)
class Rec:
    """The fields of one requests.jsonl line that the analysis reads, checked."""

    sent: float
    seq: int
    sampler: str
    phase: str | None
    error_class: str | None
    status: int | None
    latency_ms: float | None
    lag_ms: float

    @property
    def counted(self) -> bool:
        """Reached the server's side of the question: not dropped by the schedule, not failed on this machine."""
        return self.error_class not in UNSENT

    @property
    def status_key(self) -> str:
        return str(self.status) if self.status else str(self.error_class)


# Requests that say nothing about the server: dropped at the in-flight cap, or failed on this machine
# (out of file descriptors, no memory). They make a run inconclusive instead of failed.
UNSENT = frozenset({"dropped", "client"})


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def parse_record(obj: Any) -> Rec | None:
    """A Rec, or None for a line that is not one of ours (the file is ours, but a crash can cut it)."""
    if not isinstance(obj, dict):
        return None
    sent, seq, sampler = _finite(obj.get("sent")), obj.get("seq"), obj.get("sampler")
    if sent is None or not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(sampler, str):
        return None
    phase, error_class, status = obj.get("phase"), obj.get("error_class"), obj.get("status")
    return Rec(
        sent,
        seq,
        sys.intern(sampler),
        sys.intern(phase) if isinstance(phase, str) else None,
        sys.intern(error_class) if isinstance(error_class, str) else None,
        status if isinstance(status, int) and not isinstance(status, bool) else None,
        _finite(obj.get("latency_ms")),
        _finite(obj.get("lag_ms")) or 0.0,
    )


def ordered(records: Iterable[Any], horizon: float) -> Iterator[Rec]:
    """Records in send order, from records in (roughly) completion order, holding only `horizon` seconds.

    A run writes a record when its request completes, at most `horizon` seconds after it was sent:
    once a record completing at C has been read, nothing sent before C - horizon can still come.
    """
    heap: list[tuple[float, int, int, Rec]] = []
    newest = -math.inf
    for n, obj in enumerate(records):
        rec = parse_record(obj)
        if rec is None:
            continue
        heapq.heappush(heap, (rec.sent, rec.seq, n, rec))
        newest = max(newest, rec.sent + (rec.latency_ms or 0.0) / 1000)
        while heap and heap[0][0] < newest - horizon:
            yield heapq.heappop(heap)[3]
    while heap:
        yield heapq.heappop(heap)[3]


class _IntervalBuilder:
    """One sampler's intervals, fed in send order: failures less than merge_gap apart form one."""

    def __init__(self, sampler: str, merge_gap: float) -> None:
        self.sampler, self.merge_gap = sampler, merge_gap
        self.current: Interval | None = None
        self.last_failure = 0.0
        self.first_ok_after: float | None = None  # the good request that closes the interval
        self.done: list[Interval] = []

    def feed(self, r: Rec) -> None:
        failed = r.error_class is not None
        if self.current is not None and r.sent - self.last_failure > self.merge_gap:
            self._close()
        if failed:
            if self.current is None:
                self.current = Interval(self.sampler, r.sent, r.sent)
            self.current.errors += 1
            self.current.statuses[r.status_key] += 1
            self.current.classes[str(r.error_class)] += 1
            self.last_failure, self.first_ok_after = r.sent, None
        elif self.current is not None and self.first_ok_after is None:
            self.first_ok_after = r.sent

    def _close(self) -> None:
        if self.current is not None:
            self.current.end = self.first_ok_after if self.first_ok_after is not None else self.last_failure
            self.done.append(self.current)
        self.current, self.first_ok_after = None, None

    def finish(self) -> list[Interval]:
        self._close()
        return self.done


def find_intervals(records: Iterable[Any], merge_gap: float) -> list[Interval]:
    """Per sampler: failures less than merge_gap apart form one interval, which ends at the next good request."""
    builders: dict[str, _IntervalBuilder] = {}
    rows = sorted((r for r in map(parse_record, records) if r is not None), key=lambda r: (r.sent, r.seq))
    for r in rows:
        if r.counted:
            builders.setdefault(r.sampler, _IntervalBuilder(r.sampler, merge_gap)).feed(r)
    out = [i for b in builders.values() for i in b.finish()]
    return sorted(out, key=lambda i: (i.start, i.sampler))


def match_events(intervals: list[Interval], events: list[dict[str, Any]], window: float) -> None:
    timed = [e for e in events if isinstance(e, dict) and _finite(e.get("time")) is not None]
    for interval in intervals:
        near = [e for e in timed if interval.start - window <= e["time"] <= interval.end + window]
        near.sort(key=lambda e: (-EVENT_WEIGHT.get(e.get("kind", ""), 1), abs(e["time"] - interval.start)))
        interval.events = [
            {**e, "at": iso(e["time"]), "offsetSeconds": round(e["time"] - interval.start, 3)} for e in near[:10]
        ]


class _Seconds:
    """Per-second counts; a second's latencies are kept only until the stream has moved past it."""

    def __init__(self) -> None:
        self.open: dict[int, tuple[dict[str, Any], list[float]]] = {}
        self.closed: dict[int, dict[str, Any]] = {}

    def feed(self, r: Rec) -> None:
        sec = int(r.sent)
        if sec in self.closed:  # a record later than the horizon: counted, its latency not
            bucket, latencies = self.closed[sec], list[float]()
        else:
            bucket, latencies = self.open.setdefault(
                sec, ({"second": sec, "ok": 0, "ko": 0, "statuses": Counter()}, [])
            )
        if r.error_class is None:
            bucket["ok"] += 1
            if r.latency_ms is not None:
                latencies.append(r.latency_ms)
        else:
            bucket["ko"] += 1
        bucket["statuses"][r.status_key] += 1
        for old in [s for s in self.open if s < sec - 1]:
            self._close(old)

    def _close(self, sec: int) -> None:
        bucket, latencies = self.open.pop(sec)
        stats = percentiles(latencies)
        bucket.update(latencyP50Ms=stats["p50"], latencyMaxMs=stats["max"])
        self.closed[sec] = bucket

    def finish(self) -> list[dict[str, Any]]:
        for sec in list(self.open):
            self._close(sec)
        return [
            {**b, "time": iso(b["second"]), "statuses": dict(b["statuses"])} for _, b in sorted(self.closed.items())
        ]


def per_second(records: Iterable[Any]) -> list[dict[str, Any]]:
    seconds = _Seconds()
    for r in sorted((r for r in map(parse_record, records) if r is not None), key=lambda r: (r.sent, r.seq)):
        seconds.feed(r)
    return seconds.finish()


@dataclass(slots=True)
class _Phase:
    requests: int = 0
    errors: int = 0
    latency: Quantiles = field(default_factory=Quantiles)


def analyse(
    records: Iterable[Any],
    events: list[dict[str, Any]],
    rate: float,
    phases: dict[str, dict[str, float]],
    thresholds: Thresholds,
    run: dict[str, Any],
    horizon: float | None = None,
) -> dict[str, Any]:
    """The summary, in one pass over the records.

    With a horizon (seconds a record can complete after it was sent), records are read as a stream
    in completion order and memory stays bounded by rate × horizon; without one, records is a list
    (already in memory) and is sorted.
    """
    window = max(2.0, 2.0 / rate)
    if horizon is None:
        stream: Iterable[Rec] = sorted(
            (r for r in map(parse_record, records) if r is not None), key=lambda r: (r.sent, r.seq)
        )
    else:
        stream = ordered(records, horizon)
    builders: dict[str, _IntervalBuilder] = {}
    seconds = _Seconds()
    counts: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    lags, latency = Quantiles(), Quantiles()
    phase_acc: dict[str, _Phase] = {name: _Phase() for name in phases}
    for r in stream:
        counts["records"] += 1
        lags.add(r.lag_ms)
        seconds.feed(r)
        if not r.counted:
            counts[str(r.error_class)] += 1
            continue
        counts["sent"] += 1
        builders.setdefault(r.sampler, _IntervalBuilder(r.sampler, window)).feed(r)
        phase = phase_acc.get(r.phase) if r.phase is not None else None
        if phase is not None:
            phase.requests += 1
        if r.error_class is not None:
            counts["failed"] += 1
            classes[r.error_class] += 1
            if phase is not None:
                phase.errors += 1
        elif r.latency_ms is not None:
            latency.add(r.latency_ms)
            if phase is not None:
                phase.latency.add(r.latency_ms)
    intervals = sorted((i for b in builders.values() for i in b.finish()), key=lambda i: (i.start, i.sampler))
    match_events(intervals, events, window)
    phase_stats = {
        name: {
            "start": iso(span["start"]),
            "end": iso(span["end"]),
            "requests": phase_acc[name].requests,
            "errors": phase_acc[name].errors,
            "latencyMs": phase_acc[name].latency.summary(),
        }
        for name, span in phases.items()
    }
    sent, failed = counts["sent"], counts["failed"]
    totals = {
        "requests": counts["records"],
        "ok": sent - failed,
        "errors": failed,
        "dropped": counts["dropped"],
        "clientErrors": counts["client"],
        "errorRatio": round(failed / sent, 6) if sent else 0.0,
        "disruptedSeconds": round(sum(i.seconds for i in intervals), 3),
        "longestIntervalSeconds": round(max((i.seconds for i in intervals), default=0.0), 3),
        "lagMs": lags.summary(),
        "latencyMs": latency.summary(),
        "errorClasses": dict(classes),
    }
    verdict = run_verdict(judge(totals, phase_stats, thresholds), run)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "kind": "SwitchTest",
        "run": run,
        "verdict": verdict,
        "thresholds": thresholds.to_dict(),
        "totals": totals,
        "phases": phase_stats,
        "intervals": [i.to_dict() for i in intervals],
        "perSecond": seconds.finish(),
        "events": len(events),
    }


def horizon_for(timeout: float) -> float:
    """How long after its send a request can complete: connect and exchange, twice on a stale keep-alive."""
    return 4 * timeout + 10.0


def analyse_file(
    path: Path,
    events: list[dict[str, Any]],
    rate: float,
    phases: dict[str, dict[str, float]],
    thresholds: Thresholds,
    run: dict[str, Any],
    timeout: float,
) -> dict[str, Any]:
    """analyse() over requests.jsonl as a stream: memory bounded by the rate, not by the number of records."""
    return analyse(iter_jsonl(path), events, rate, phases, thresholds, run, horizon=horizon_for(timeout))


def run_verdict(verdict: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """What the run itself says on top of the requests: a command that failed, a run that was cut short."""
    result, reasons = verdict["result"], list(verdict["reasons"])
    if result == "pass":
        reasons = []
    inconclusive, failed = [], []
    if run.get("commandError"):
        inconclusive.append(f"the command could not start: {run['commandError']}")
    if run.get("interrupted"):
        by = f" ({run['signal']})" if run.get("signal") else ""
        inconclusive.append(f"the run was interrupted{by}: the switch was not measured to its end")
    if run.get("commandTimedOut"):
        failed.append("the command did not finish within --command-timeout and was stopped")
    code = run.get("commandExitCode")
    if isinstance(code, int) and code != 0 and not run.get("commandTimedOut"):
        failed.append(f"the command failed (exit code {code})")
    if failed or result == "fail":  # failures seen are real even when the run was cut short
        return {"result": "fail", "reasons": failed + reasons + inconclusive}
    if inconclusive:
        return {"result": "inconclusive", "reasons": inconclusive + reasons}
    return verdict


def judge(totals: dict[str, Any], phases: dict[str, Any], t: Thresholds) -> dict[str, Any]:
    inconclusive, failed = [], []
    if not totals["requests"] - totals["dropped"] - totals.get("clientErrors", 0):
        inconclusive.append("no request reached the server: nothing was measured")
    if totals.get("clientErrors"):
        inconclusive.append(
            f"{totals['clientErrors']} request(s) failed on this machine, not at the server (out of file "
            "descriptors or memory): lower --rate or raise the open-files limit (ulimit -n)"
        )
    if totals["dropped"]:
        inconclusive.append(f"{totals['dropped']} request(s) dropped at the in-flight cap: the schedule was not kept")
    lag_p99 = totals["lagMs"]["p99"]
    if lag_p99 is not None and lag_p99 > t.max_lag_p99_ms:
        inconclusive.append(f"sends were late (lag p99 {lag_p99:g} ms > {t.max_lag_p99_ms:g} ms)")
    if phases.get("baseline", {}).get("errors"):
        inconclusive.append(f"the baseline already failed ({phases['baseline']['errors']} error(s) before the switch)")
    if totals["errors"] > t.max_errors:
        failed.append(f"{totals['errors']} error(s) > --max-errors {t.max_errors}")
    if t.max_error_ratio is not None and totals["errorRatio"] > t.max_error_ratio:
        failed.append(f"error ratio {totals['errorRatio']:g} > {t.max_error_ratio:g}")
    if t.max_disrupted_seconds is not None and totals["disruptedSeconds"] > t.max_disrupted_seconds:
        failed.append(f"{totals['disruptedSeconds']:g} s disrupted > {t.max_disrupted_seconds:g} s")
    if t.max_interval is not None and totals["longestIntervalSeconds"] > t.max_interval:
        failed.append(f"longest interval {totals['longestIntervalSeconds']:g} s > {t.max_interval:g} s")
    p99 = totals["latencyMs"]["p99"]
    if t.max_p99_ms is not None and p99 is not None and p99 > t.max_p99_ms:
        failed.append(f"latency p99 {p99:g} ms > {t.max_p99_ms:g} ms")
    if inconclusive:
        return {"result": "inconclusive", "reasons": inconclusive + failed}
    if failed:
        return {"result": "fail", "reasons": failed}
    return {"result": "pass", "reasons": ["no threshold broken"]}
