"""Events: what the cluster and the switch command did, from log lines and from watches."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(slots=True)
class Event:
    time: float  # wall clock, seconds
    source: str  # log | cluster
    kind: str  # host-processing node-cordon node-drain node-uncordon container-stop container-start pod-* node-*
    node: str | None = None
    namespace: str | None = None
    pod: str | None = None
    container: str | None = None
    workload: str | None = None  # Kind namespace/name of the pod's owner, when known
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_LOGRUS_TIME = re.compile(r'time="([^"]+)"')
_MSG = re.compile(r'msg="((?:[^"\\]|\\.)*)"')

# (pattern, kind, group holding the node, group holding the container)
RKE_PATTERNS: tuple[tuple[re.Pattern[str], str, int, int | None], ...] = (
    (re.compile(r"\[(?:workerplane|controlplane|etcd)\] Processing host (\S+)"), "host-processing", 1, None),
    (re.compile(r"\[\w+\] Cordoning node (\S+)"), "node-cordon", 1, None),
    (re.compile(r"\[\w+\] Draining node (\S+)"), "node-drain", 1, None),
    (re.compile(r"\[\w+\] Uncordoning node (\S+)"), "node-uncordon", 1, None),
    (re.compile(r"Node (\S+) is already cordoned: false"), "node-uncordon", 1, None),
    (re.compile(r"Stopping container \[([^\]]+)\] on host \[([^\]]+)\]"), "container-stop", 2, 1),
    (re.compile(r"Starting container \[([^\]]+)\] on host \[([^\]]+)\]"), "container-start", 2, 1),
    (re.compile(r"Successfully updated \[([^\]]+)\] container on host \[([^\]]+)\]"), "container-start", 2, 1),
    (re.compile(r"\[\w+\] Now checking status of node (\S+)"), "node-check", 1, None),
)
KUBECTL_PATTERNS: tuple[tuple[re.Pattern[str], str, int, int | None], ...] = (
    (re.compile(r"^node/(\S+) cordoned"), "node-cordon", 1, None),
    (re.compile(r"^node/(\S+) drained"), "node-drain", 1, None),
    (re.compile(r"^node/(\S+) uncordoned"), "node-uncordon", 1, None),
)
RKE2_PATTERNS: tuple[tuple[re.Pattern[str], str, int, int | None], ...] = (
    (
        re.compile(r"(?:systemctl\s+(?:restart|stop)|Stopping)\s+rke2-(?:server|agent)\S*\s*(?:on\s+(\S+))?"),
        "runtime-stop",
        1,
        None,
    ),
    (
        re.compile(r"(?:systemctl\s+(?:enable --now|start)|Starting)\s+rke2-(?:server|agent)\S*\s*(?:on\s+(\S+))?"),
        "runtime-start",
        1,
        None,
    ),
)
_EVICT = re.compile(r"^(?:evicting pod|pod/)\s*(?:(\S+)/)?(\S+?)(?:\s+evicted)?$")


def _log_time(line: str, arrived: float) -> float:
    """The time the line states; the arrival time when the line says nothing finer than its second."""
    match = _LOGRUS_TIME.search(line)
    if not match:
        return arrived
    try:
        stated = dt.datetime.fromisoformat(match.group(1).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return arrived
    # logrus prints whole seconds: a line that arrives within that second is timed better by its arrival.
    return arrived if stated <= arrived < stated + 1.0 else stated


def parse_log_line(line: str, arrived: float) -> Event | None:
    """One line of `rke up`, `kubectl drain` or RKE2 install output → an event, or None."""
    text = line.strip()
    if not text:
        return None
    msg_match = _MSG.search(text)
    message = msg_match.group(1) if msg_match else text
    when = _log_time(text, arrived)
    for patterns in (RKE_PATTERNS, KUBECTL_PATTERNS, RKE2_PATTERNS):
        for pattern, kind, node_group, container_group in patterns:
            match = pattern.search(message)
            if match:
                node = match.group(node_group) if match.lastindex and match.lastindex >= node_group else None
                container = match.group(container_group) if container_group else None
                return Event(when, "log", kind, node=node, container=container, message=message[:300])
    if message.startswith(("evicting pod", "pod/")) and ("evict" in message):
        match = _EVICT.match(message)
        if match:
            return Event(when, "log", "pod-evicted", namespace=match.group(1), pod=match.group(2), message=message)
    return None


class LogEventParser:
    """Feeds command output line by line; calls sink for every event it recognises."""

    def __init__(self, sink: Callable[[Event], None], clock: Callable[[], float]) -> None:
        self.sink = sink
        self.clock = clock
        self.count = 0

    def feed(self, line: str) -> None:
        event = parse_log_line(line, self.clock())
        if event is not None:
            self.count += 1
            self.sink(event)
