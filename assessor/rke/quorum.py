"""etcd quorum in cluster.yml: a member count that tolerates no more failures than one member less.

etcd needs a majority (n // 2 + 1) to accept writes, so n members tolerate n - (n // 2 + 1)
failures: 1 and 2 tolerate none, 3 and 4 tolerate one. An even count adds a member to lose
without adding a failure it survives; two is the worst case, since either member's loss, as
during a node-by-node move, stops the cluster (etcd FAQ, "Why an odd number of cluster members?").
"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

from assessor.engine.template import Hit, Template
from assessor.model.rke import RkeConfig


def etcd_members(config: RkeConfig) -> list[str]:
    return [n.name for n in config.nodes if "etcd" in n.roles]


def tolerated_failures(members: int) -> int:
    return members - (members // 2 + 1) if members else 0


def etcd_quorum_warning(config: RkeConfig) -> str | None:
    """The warning for an even etcd member count, None for an odd one (or none at all)."""
    members = etcd_members(config)
    count = len(members)
    if count == 0 or count % 2 == 1:
        return None
    tolerated = tolerated_failures(count)
    quorum = count // 2 + 1
    text = (
        f"{count} etcd members ({', '.join(members)}): quorum is {quorum}, so the cluster survives "
        f"{tolerated} member failure{'s' if tolerated != 1 else ''}, "
        f"as {count - 1} member{'s' if count - 1 != 1 else ''} would"
    )
    if tolerated == 0:
        text += "; taking any one of them down, as a node-by-node move does, stops the API"
    return text + f"; move to an odd count ({count + 1} or {count - 1}) before the move"


class RkeEtcdQuorumTemplate(Template):
    """cluster.yml has an even number of etcd nodes (two included)."""

    name = "rke-etcd-quorum"
    scope = "rke"
    facts = MappingProxyType(
        {"members": "etcd nodes in cluster.yml", "tolerated": "member failures the cluster survives"}
    )

    def hits(self, ctx: Any, compiled: dict[str, Any]) -> Iterator[Hit]:
        config = getattr(ctx, "config", None)
        if config is None:
            return
        warning = etcd_quorum_warning(config)
        if warning is not None:
            count = len(etcd_members(config))
            yield Hit(("nodes",), warning, None, {"members": count, "tolerated": tolerated_failures(count)})
