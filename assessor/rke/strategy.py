"""RKE1's upgrade_strategy as RKE itself reads it: batch sizes, drain settings, and values RKE refuses.

Mirrors rancher/rke at these commits (read with the code search, not guessed):
- services/node_util.go @ 1584d37edea9126f93634b7f9e31eab9293d071d, CalculateMaxUnavailable:
  intstr.Parse the text (an integer when strconv.Atoi accepts it, else a string); an integer <= 0,
  a string starting with "-" and the string "0%" are refused ("value must be > 0"); then
  intstr.GetValueFromIntOrPercent(value, hosts, roundUp=false). A result of 0 becomes 1.
  ResetMaxUnavailable caps the result at WorkerThreads (50).
- k8s.io/apimachinery pkg/util/intstr/intstr.go, getIntOrPercentValue (the legacy parser that
  GetValueFromIntOrPercent uses): every "%" is removed and the rest must pass strconv.Atoi, so "abc",
  "2.5" and "" are refused, "150%" is 150 percent (floor(1.5 * hosts), no cap at the node count), and an
  integer is used as given, also when larger than the node count.
- cluster/defaults.go @ 00ecd611d007ae7d0e8ad7870ae11e8d41708805, setNodeUpgradeStrategy: an empty or
  missing max_unavailable_worker is "10%", max_unavailable_controlplane "1"; with drain not true and no
  node_drain_input, RKE fills in ignore_daemonsets true, timeout 120, grace_period -1.
- cluster/cluster.go @ 1962372791dbff18ece05f0e1153967533d70a39, (*Cluster).CalculateMaxUnavailable:
  the worker value is taken of every host with the worker role, the controlplane value of every host
  with the controlplane role; an error from either stops `rke up`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from assessor.model.rke import RkeConfig

DEFAULTS = {"worker": "10%", "controlplane": "1"}
WORKER_THREADS = 50  # services.WorkerThreads: RKE never upgrades more nodes at once
DEFAULT_DRAIN_TIMEOUT = 120
DEFAULT_GRACE_PERIOD = -1

# strconv.Atoi: optional sign, ASCII digits, nothing else (no spaces, no decimal point).
_ATOI = re.compile(r"[+-]?[0-9]+")
_INT64_MAX = 2**63 - 1


def _yaml_text(value: Any) -> str | None:
    """The string RKE's string-typed field receives: the YAML scalar as text (None for a list or map)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None


@dataclass(frozen=True, slots=True)
class MaxUnavailable:
    """max_unavailable_<role> for a number of hosts: RKE's number, or the reason RKE refuses it."""

    role: str  # worker | controlplane
    text: str  # what RKE parses, after its default
    defaulted: bool
    hosts: int
    value: int | None  # RKE's max_unavailable after rounding and the minimum of 1; None when refused
    percent: int | None  # the percentage, when the value is one
    error: str | None  # RKE's refusal, worded as RKE words it

    @property
    def valid(self) -> bool:
        return self.error is None

    @property
    def batch(self) -> int | None:
        """Nodes RKE takes down at once: its number, capped at 50 and at the nodes there are."""
        if self.value is None:
            return None
        return min(self.value, WORKER_THREADS, self.hosts) if self.hosts else 0

    @property
    def field(self) -> str:
        return f"max_unavailable_{self.role}"

    def explain(self) -> str:
        """How RKE arrives at the batch, in one phrase."""
        if self.error is not None:
            return self.error
        assert self.value is not None and self.batch is not None
        shown = self.text
        noun = "worker(s)" if self.role == "worker" else "controlplane node(s)"
        if self.percent is not None:
            exact = self.percent * self.hosts / 100
            how = f"{shown} of {self.hosts} {noun} is {exact:g}, rounded down"
            how += f" and raised to {self.value}" if math.floor(exact) < 1 else f" to {self.value}"
        else:
            how = f"{shown} of {self.hosts} {noun}"
        if self.batch < self.value:
            limit = "the 50 RKE upgrades in parallel" if self.batch == WORKER_THREADS else "every node"
            how += f", which is {limit}"
        return how


def max_unavailable(raw: Any, hosts: int, role: str) -> MaxUnavailable:
    """RKE's CalculateMaxUnavailable for raw (the cluster.yml value) over hosts nodes of role."""
    defaulted = raw is None or raw == ""
    text = DEFAULTS[role] if defaulted else _yaml_text(raw)
    field = f"max_unavailable_{role}"
    if text is None:
        error = f"invalid input for {field}: a {type(raw).__name__} is not a number or a percentage"
        return MaxUnavailable(role, str(raw), False, hosts, None, None, error)

    def refused(reason: str) -> MaxUnavailable:
        return MaxUnavailable(role, text, defaulted, hosts, None, None, f"invalid input for {field}: {reason}")

    if _ATOI.fullmatch(text):
        count = int(text)
        if count > _INT64_MAX:
            return refused(f"invalid value {text!r}: out of range")
        if count <= 0:
            return refused(f"{count}, value must be > 0")
        return MaxUnavailable(role, text, defaulted, hosts, count, None, None)
    if text.startswith("-") or text == "0%":
        return refused(f"{text}, value must be > 0")
    digits = text.replace("%", "")
    if not _ATOI.fullmatch(digits):
        return refused(f"invalid value {text!r}: should be a number or a percentage of nodes")
    percent = int(digits)
    if percent > _INT64_MAX:
        return refused(f"invalid value {text!r}: out of range")
    value = math.floor(percent * hosts / 100) or 1
    return MaxUnavailable(role, text, defaulted, hosts, value, percent, None)


@dataclass(frozen=True, slots=True)
class DrainInput:
    """node_drain_input as RKE uses it (RKE's defaults where the file says nothing)."""

    force: bool = False
    ignore_daemonsets: bool = True
    delete_local_data: bool = False
    grace_period: int = DEFAULT_GRACE_PERIOD
    timeout: int = DEFAULT_DRAIN_TIMEOUT
    timeout_set: bool = False


@dataclass(frozen=True, slots=True)
class UpgradeStrategy:
    worker: MaxUnavailable
    controlplane: MaxUnavailable
    drain: bool
    drain_input: DrainInput
    workers: tuple[str, ...]  # node names with the worker role

    @property
    def errors(self) -> list[str]:
        """Why `rke up` would stop before upgrading anything."""
        return [m.error for m in (self.worker, self.controlplane) if m.error is not None]


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def upgrade_strategy(config: RkeConfig | None) -> UpgradeStrategy:
    """The upgrade_strategy of a cluster.yml (RKE's defaults for what is missing or no cluster.yml)."""
    nodes = config.nodes if config is not None else []
    raw = config.get("upgrade_strategy") if config is not None else None
    section = raw if isinstance(raw, dict) else {}
    drain_raw = section.get("node_drain_input")
    d = drain_raw if isinstance(drain_raw, dict) else {}
    ignore = d.get("ignore_daemonsets")
    return UpgradeStrategy(
        worker=max_unavailable(section.get("max_unavailable_worker"), sum(n.worker for n in nodes), "worker"),
        controlplane=max_unavailable(
            section.get("max_unavailable_controlplane"),
            sum("controlplane" in n.roles for n in nodes),
            "controlplane",
        ),
        drain=section.get("drain") is True,
        drain_input=DrainInput(
            force=d.get("force") is True,
            # getDrainHelper: ignore DaemonSets unless ignore_daemonsets is explicitly false.
            ignore_daemonsets=ignore is not False,
            delete_local_data=d.get("delete_local_data") is True,
            grace_period=_int(d.get("grace_period"), DEFAULT_GRACE_PERIOD),
            timeout=_int(d.get("timeout"), DEFAULT_DRAIN_TIMEOUT),
            timeout_set=_int(d.get("timeout"), 0) > 0,
        ),
        workers=tuple(n.name for n in nodes if n.worker),
    )
