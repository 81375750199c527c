"""How nodes are taken through the switch: in place node by node (RKE's upgrade_strategy), or blue/green."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from assessor.model.rke import RkeConfig

STRATEGIES = ("in-place", "blue-green")
DEFAULT_DRAIN_TIMEOUT = 120


def max_unavailable(value: Any, total: int, default: str = "10%") -> int:
    """RKE's rule: an int, or a percentage rounded down; never below 1 (services/node_util.go)."""
    text = str(value if value not in (None, "") else default).strip()
    try:
        count = math.floor(float(text[:-1]) / 100 * total) if text.endswith("%") else int(text)
    except ValueError:
        count = 1
    return max(1, min(count, total)) if total else 1


@dataclass(slots=True)
class Strategy:
    name: str
    drain: bool
    batch: int
    workers: list[str] = field(default_factory=list)
    drain_timeout: int = DEFAULT_DRAIN_TIMEOUT
    delete_local_data: bool = False
    skipped_minors: int = 0

    @property
    def in_place(self) -> bool:
        return self.name == "in-place"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "drain": self.drain,
            "workersPerBatch": self.batch,
            "workers": self.workers,
            "drainTimeoutSeconds": self.drain_timeout,
            "deleteLocalData": self.delete_local_data,
        }


def strategy_from(config: RkeConfig | None, name: str, skipped_minors: int = 0) -> Strategy:
    workers = [n.name for n in config.nodes if n.worker] if config else []
    get = config.get if config else (lambda *_: None)
    drain_input = get("upgrade_strategy", "node_drain_input") or {}
    timeout = drain_input.get("timeout") if isinstance(drain_input, dict) else None
    return Strategy(
        name=name,
        drain=get("upgrade_strategy", "drain") is True,
        batch=max_unavailable(get("upgrade_strategy", "max_unavailable_worker"), len(workers)),
        workers=workers,
        drain_timeout=int(timeout) if isinstance(timeout, int) else DEFAULT_DRAIN_TIMEOUT,
        delete_local_data=bool(isinstance(drain_input, dict) and drain_input.get("delete_local_data")),
        skipped_minors=skipped_minors,
    )
