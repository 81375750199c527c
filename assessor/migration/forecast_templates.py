"""Forecast templates (target "forecast"): will this workload drop requests during the switch, and for how long."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from assessor.engine.schema import NUMBER, Param
from assessor.engine.template import CheckPackage, Hit, Template
from assessor.migration.strategy import Strategy
from assessor.migration.traffic import WorkloadTraffic
from assessor.model.objects import K8sObject


@dataclass(slots=True)
class ForecastContext:
    traffic: WorkloadTraffic
    strategy: Strategy
    scope: ClassVar[str] = "forecast"

    @property
    def subject(self) -> K8sObject:
        return self.traffic.workload.obj

    @property
    def owner(self) -> dict[str, Any] | None:
        return self.traffic.workload.owner


LB_DETECT = Param("lb_detect_seconds", NUMBER, "seconds until a load balancer's health check marks a node down")
STARTUP = Param("startup_seconds", NUMBER, "seconds from container start to listening, without a readiness probe")
PROPAGATION = Param("propagation_seconds", NUMBER, "seconds until endpoints drop a pod the kubelet reports down")
RESCHEDULE = Param("reschedule_seconds", NUMBER, "seconds to reschedule and start a pod elsewhere")
MIN_PRESTOP = Param("min_prestop_seconds", NUMBER, "seconds a preStop must wait for endpoints to stop sending")
WINDOWS = MappingProxyType({"windows": "estimated seconds of errors per node", "window": "estimated seconds of errors"})
BLOCKS = MappingProxyType({"blocks": "drain refuses to evict the pod, so the node's upgrade stops"})


def _p(params: dict[str, Any], key: str, default: float) -> float:
    value = params.get(key, default)
    return float(value) if isinstance(value, int | float) else default


def _windows(nodes: list[str], seconds: float) -> dict[str, float]:
    return {node: round(seconds, 1) for node in nodes}


class InPlaceRestartTemplate(Template):
    """Pods restarted where they stand: DaemonSets always (drain skips them), everything without drain."""

    name = "forecast-in-place-restart"
    scope = "forecast"
    params = (LB_DETECT, PROPAGATION, STARTUP)
    facts = WINDOWS

    def hits(self, ctx: ForecastContext, p: dict[str, Any]) -> Iterator[Hit]:
        t, s = ctx.traffic, ctx.strategy
        if not s.in_place or not t.serves or not (t.kind == "DaemonSet" or not s.drain):
            return
        startup = 0.0 if t.readiness else _p(p, "startup_seconds", 5)
        if t.node_entry:
            detect, how = (
                _p(p, "lb_detect_seconds", 10),
                "the load balancer keeps sending to the node until its health check fails",
            )
        elif t.readiness:
            detect, how = t.readiness.detect_seconds, "endpoints keep the pod until its readiness probe fails"
        else:
            detect, how = _p(p, "propagation_seconds", 2), "endpoints keep the pod until the kubelet reports it down"
        window = detect + startup
        why = "DaemonSet pods are never drained" if t.kind == "DaemonSet" else "drain is off"
        value = f"{why}: the switch restarts the pod on each node in place; {how} (~{window:g} s per node)"
        yield Hit((), value, None, {"windows": _windows(t.nodes, window), "window": window})


class CapacityTemplate(Template):
    """Every pod of the workload sits on nodes that go down in the same batch."""

    name = "forecast-capacity"
    scope = "forecast"
    params = (RESCHEDULE,)
    facts = WINDOWS

    def hits(self, ctx: ForecastContext, p: dict[str, Any]) -> Iterator[Hit]:
        t, s = ctx.traffic, ctx.strategy
        if not s.in_place or not t.serves or t.kind == "DaemonSet":
            return
        placed = len(t.nodes) or t.replicas
        if placed <= s.batch:
            window = _p(p, "reschedule_seconds", 30)
            value = (
                f"{t.replicas} replica(s) on {placed} node(s), {s.batch} worker(s) per batch: no pod is left "
                f"to serve while its node is switched (~{window:g} s to reschedule and start)"
            )
            yield Hit((), value, None, {"windows": _windows(t.nodes, window), "window": window})


class NodeEntryTemplate(Template):
    """Traffic that enters through the node itself (hostPort, hostNetwork, externalTrafficPolicy: Local)."""

    name = "forecast-node-entry"
    scope = "forecast"
    params = (LB_DETECT,)
    facts = WINDOWS

    def hits(self, ctx: ForecastContext, p: dict[str, Any]) -> Iterator[Hit]:
        t, s = ctx.traffic, ctx.strategy
        if not s.in_place or not t.node_entry:
            return
        window = _p(p, "lb_detect_seconds", 10)
        value = (
            f"clients reach it through the node ({', '.join(t.node_entry)}): while the node is switched they "
            f"fail until the load balancer marks it down (~{window:g} s)"
        )
        yield Hit((), value, None, {"windows": _windows(t.nodes, window), "window": window})


class NoReadinessTemplate(Template):
    """Containers that take traffic but have no readiness probe."""

    name = "forecast-no-readiness"
    scope = "forecast"
    params = (STARTUP,)
    facts = MappingProxyType({"window": WINDOWS["window"]})

    def hits(self, ctx: ForecastContext, p: dict[str, Any]) -> Iterator[Hit]:
        t = ctx.traffic
        if t.serves and t.missing_readiness and ctx.strategy.in_place:
            startup = _p(p, "startup_seconds", 5)
            value = (
                f"no readiness probe on {', '.join(t.missing_readiness)}: traffic arrives as soon as the "
                f"container starts, before the app listens (~{startup:g} s)"
            )
            yield Hit((), value, None, {"window": startup})


class ShortPreStopTemplate(Template):
    """Evicted pods that stop before endpoints and load balancers have stopped sending to them."""

    name = "forecast-short-prestop"
    scope = "forecast"
    params = (LB_DETECT, MIN_PRESTOP)
    facts = MappingProxyType({"window": WINDOWS["window"]})

    def hits(self, ctx: ForecastContext, p: dict[str, Any]) -> Iterator[Hit]:
        t, s = ctx.traffic, ctx.strategy
        if not s.in_place or not s.drain or not t.serves or t.kind == "DaemonSet":
            return
        needed = _p(p, "lb_detect_seconds", 10) if t.node_entry else _p(p, "min_prestop_seconds", 5)
        if t.prestop_seconds < needed:
            gap = needed - t.prestop_seconds
            value = (
                f"preStop waits {t.prestop_seconds:g} s, less than the ~{needed:g} s endpoints and load "
                f"balancers need to stop sending: requests in the gap fail (~{gap:g} s per eviction)"
            )
            yield Hit((), value, None, {"window": gap})


class PdbStallTemplate(Template):
    """A PodDisruptionBudget that allows no eviction: drain waits until its timeout, then the node fails."""

    name = "forecast-pdb-stall"
    scope = "forecast"

    def hits(self, ctx: ForecastContext, p: dict[str, Any]) -> Iterator[Hit]:
        t, s = ctx.traffic, ctx.strategy
        if s.in_place and s.drain and t.pdb and t.pdb.get("allowedDisruptions") == 0:
            value = (
                f"PodDisruptionBudget {t.pdb['name']} allows 0 disruptions: drain waits {s.drain_timeout} s "
                "and RKE then fails the node's upgrade"
            )
            yield Hit((), value)


class LocalDataTemplate(Template):
    """Pods with emptyDir data under drain."""

    name = "forecast-local-data"
    scope = "forecast"
    facts = BLOCKS

    def hits(self, ctx: ForecastContext, p: dict[str, Any]) -> Iterator[Hit]:
        t, s = ctx.traffic, ctx.strategy
        if s.in_place and s.drain and t.local_data and t.kind != "DaemonSet":
            what = ", ".join(t.local_data)
            if s.delete_local_data:
                yield Hit(
                    (), f"{what}: drain deletes it with the pod (delete_local_data: true)", None, {"blocks": False}
                )
            else:
                yield Hit(
                    (),
                    f"{what}: drain refuses to evict it (delete_local_data: false), so the node's upgrade stops",
                    None,
                    {"blocks": True},
                )


class QuorumTemplate(Template):
    """StatefulSets of three or more (quorum systems) with more than one node down at a time."""

    name = "forecast-quorum"
    scope = "forecast"

    def hits(self, ctx: ForecastContext, p: dict[str, Any]) -> Iterator[Hit]:
        t, s = ctx.traffic, ctx.strategy
        if s.in_place and t.kind == "StatefulSet" and t.replicas >= 3 and s.batch >= 2:
            yield Hit((), f"{t.replicas} replicas and {s.batch} workers per batch: two members can be down at once")


class SingleReplicaTemplate(Template):
    """One replica: every move is an outage, with or without drain."""

    name = "forecast-single-replica"
    scope = "forecast"
    params = (RESCHEDULE,)
    facts = WINDOWS

    def hits(self, ctx: ForecastContext, p: dict[str, Any]) -> Iterator[Hit]:
        t, s = ctx.traffic, ctx.strategy
        if s.in_place and t.serves and t.kind in ("Deployment", "StatefulSet", "ReplicaSet") and t.replicas == 1:
            window = _p(p, "reschedule_seconds", 30)
            yield Hit(
                (),
                f"a single replica: it is down while it moves or restarts (~{window:g} s)",
                None,
                {"windows": _windows(t.nodes, window), "window": window},
            )


class SkippedMinorsTemplate(Template):
    """The switch is combined with an upgrade that skips minors."""

    name = "forecast-skipped-minors"
    scope = "forecast"

    def hits(self, ctx: ForecastContext, p: dict[str, Any]) -> Iterator[Hit]:
        if ctx.strategy.in_place and ctx.strategy.skipped_minors and ctx.traffic.serves:
            yield Hit(
                (),
                f"cluster.yml's kubernetes_version skips {ctx.strategy.skipped_minors} "
                f"minor{'s' if ctx.strategy.skipped_minors > 1 else ''}: unsupported, and not "
                "zero-downtime by RKE's own rules",
            )


class CutoverTemplate(Template):
    """Blue/green: only the traffic switch itself can cost requests."""

    name = "forecast-cutover"
    scope = "forecast"

    def hits(self, ctx: ForecastContext, p: dict[str, Any]) -> Iterator[Hit]:
        if not ctx.strategy.in_place and ctx.traffic.serves:
            yield Hit(
                (),
                "served by the new cluster after the cut-over: errors only if the load balancer or DNS "
                "switch drops in-flight or long-lived connections",
            )


FORECAST_TEMPLATES: tuple[Template, ...] = (
    InPlaceRestartTemplate(),
    CapacityTemplate(),
    NodeEntryTemplate(),
    NoReadinessTemplate(),
    ShortPreStopTemplate(),
    PdbStallTemplate(),
    LocalDataTemplate(),
    QuorumTemplate(),
    SingleReplicaTemplate(),
    SkippedMinorsTemplate(),
    CutoverTemplate(),
)

FORECAST_CHECKS = CheckPackage("forecast", FORECAST_TEMPLATES)
