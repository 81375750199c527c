"""From requests.jsonl and events.jsonl to disruption intervals, matched events and a verdict."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

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


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p90": None, "p99": None, "max": None}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {"p50": pick(0.50), "p90": pick(0.90), "p99": pick(0.99), "max": round(ordered[-1], 3)}


def find_intervals(records: list[dict[str, Any]], merge_gap: float) -> list[Interval]:
    """Per sampler: failures less than merge_gap apart form one interval, which ends at the next good request."""
    by_sampler: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if r.get("error_class") != "dropped":
            by_sampler[r["sampler"]].append(r)
    out: list[Interval] = []
    for sampler, rows in sorted(by_sampler.items()):
        rows.sort(key=lambda r: (r["sent"], r["seq"]))
        out.extend(_sampler_intervals(sampler, rows, merge_gap))
    return sorted(out, key=lambda i: (i.start, i.sampler))


def _sampler_intervals(sampler: str, rows: list[dict[str, Any]], merge_gap: float) -> list[Interval]:
    out: list[Interval] = []
    current: Interval | None = None
    last_failure = 0.0
    first_ok_after: float | None = None  # the good request that closes the interval
    for r in rows:
        failed = r.get("error_class") is not None
        if current is not None and r["sent"] - last_failure > merge_gap:
            current.end = first_ok_after if first_ok_after is not None else last_failure
            out.append(current)
            current, first_ok_after = None, None
        if failed:
            if current is None:
                current = Interval(sampler, r["sent"], r["sent"])
            current.errors += 1
            current.statuses[str(r["status"]) if r.get("status") else r["error_class"]] += 1
            current.classes[r["error_class"]] += 1
            last_failure, first_ok_after = r["sent"], None
        elif current is not None and first_ok_after is None:
            first_ok_after = r["sent"]
    if current is not None:
        current.end = first_ok_after if first_ok_after is not None else last_failure
        out.append(current)
    return out


def match_events(intervals: list[Interval], events: list[dict[str, Any]], window: float) -> None:
    for interval in intervals:
        near = [e for e in events if interval.start - window <= e["time"] <= interval.end + window]
        near.sort(key=lambda e: (-EVENT_WEIGHT.get(e.get("kind", ""), 1), abs(e["time"] - interval.start)))
        interval.events = [
            {**e, "at": iso(e["time"]), "offsetSeconds": round(e["time"] - interval.start, 3)} for e in near[:10]
        ]


def per_second(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    buckets: dict[int, dict[str, Any]] = {}
    latencies: dict[int, list[float]] = defaultdict(list)
    for r in records:
        sec = int(r["sent"])
        b = buckets.setdefault(sec, {"second": sec, "ok": 0, "ko": 0, "statuses": Counter()})
        if r.get("error_class") is None:
            b["ok"] += 1
            if r.get("latency_ms") is not None:
                latencies[sec].append(r["latency_ms"])
        else:
            b["ko"] += 1
        b["statuses"][str(r["status"]) if r.get("status") else r.get("error_class")] += 1
    return [
        {
            **b,
            "time": iso(b["second"]),
            "statuses": dict(b["statuses"]),
            "latencyP50Ms": percentiles(latencies[sec])["p50"],
            "latencyMaxMs": percentiles(latencies[sec])["max"],
        }
        for sec, b in sorted(buckets.items())
    ]


def analyse(
    records: list[dict[str, Any]],
    events: list[dict[str, Any]],
    rate: float,
    phases: dict[str, dict[str, float]],
    thresholds: Thresholds,
    run: dict[str, Any],
) -> dict[str, Any]:
    window = max(2.0, 2.0 / rate)
    intervals = find_intervals(records, merge_gap=window)
    match_events(intervals, events, window)
    sent = [r for r in records if r.get("error_class") != "dropped"]
    failed = [r for r in sent if r.get("error_class") is not None]
    dropped = [r for r in records if r.get("error_class") == "dropped"]
    lags = [r["lag_ms"] for r in records]
    phase_stats = {}
    for name, span in phases.items():
        rows = [r for r in sent if r.get("phase") == name]
        phase_stats[name] = {
            "start": iso(span["start"]),
            "end": iso(span["end"]),
            "requests": len(rows),
            "errors": sum(1 for r in rows if r.get("error_class") is not None),
            "latencyMs": percentiles(
                [r["latency_ms"] for r in rows if r.get("latency_ms") is not None and r.get("error_class") is None]
            ),
        }
    all_latency = percentiles(
        [r["latency_ms"] for r in sent if r.get("latency_ms") is not None and r.get("error_class") is None]
    )
    disrupted = sum(i.seconds for i in intervals)
    totals = {
        "requests": len(records),
        "ok": len(sent) - len(failed),
        "errors": len(failed),
        "dropped": len(dropped),
        "errorRatio": round(len(failed) / len(sent), 6) if sent else 0.0,
        "disruptedSeconds": round(disrupted, 3),
        "longestIntervalSeconds": round(max((i.seconds for i in intervals), default=0.0), 3),
        "lagMs": percentiles(lags),
        "latencyMs": all_latency,
        "errorClasses": dict(Counter(r["error_class"] for r in failed)),
    }
    verdict = judge(totals, phase_stats, thresholds)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "kind": "SwitchTest",
        "run": run,
        "verdict": verdict,
        "thresholds": thresholds.to_dict(),
        "totals": totals,
        "phases": phase_stats,
        "intervals": [i.to_dict() for i in intervals],
        "perSecond": per_second(records),
        "events": len(events),
    }


def judge(totals: dict[str, Any], phases: dict[str, Any], t: Thresholds) -> dict[str, Any]:
    inconclusive, failed = [], []
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
