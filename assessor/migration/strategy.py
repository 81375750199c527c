"""How nodes are taken through the switch: in place node by node (RKE's upgrade_strategy), or blue/green."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessor.model.rke import RkeConfig
from assessor.rke.strategy import UpgradeStrategy, upgrade_strategy

STRATEGIES = ("in-place", "blue-green")


@dataclass(slots=True)
class Strategy:
    name: str
    rke: UpgradeStrategy  # the cluster's upgrade_strategy as RKE reads it
    skipped_minors: int = 0
    workers: list[str] = field(default_factory=list)

    @property
    def in_place(self) -> bool:
        return self.name == "in-place"

    @property
    def drain(self) -> bool:
        return self.rke.drain

    @property
    def batch(self) -> int:
        """Workers switched at once. When RKE refuses max_unavailable_worker (reported by RKE002), the
        forecast assumes one at a time, the smallest batch, so that it claims no more disruption than that."""
        return max(1, self.rke.worker.batch or 1)

    @property
    def drain_timeout(self) -> int:
        return self.rke.drain_input.timeout

    @property
    def delete_local_data(self) -> bool:
        return self.rke.drain_input.delete_local_data

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "drain": self.drain,
            "workersPerBatch": self.batch,
            "maxUnavailableWorkerError": self.rke.worker.error,
            "workers": self.workers,
            "drainTimeoutSeconds": self.drain_timeout,
            "deleteLocalData": self.delete_local_data,
        }


def strategy_from(config: RkeConfig | None, name: str, skipped_minors: int = 0) -> Strategy:
    rke = upgrade_strategy(config)
    return Strategy(name=name, rke=rke, skipped_minors=skipped_minors, workers=list(rke.workers))
