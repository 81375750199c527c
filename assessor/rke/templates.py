"""Templates over an RKE1 cluster.yml (scope "rke")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from assessor.engine.schema import BOOL, REGEX, SCALAR, SCALAR_LIST, STR, STR_LIST, Param, SchemaError
from assessor.engine.template import Hit, Template
from assessor.inventory.build import Inventory
from assessor.inventory.serving import serving_workloads
from assessor.model.kversion import Minor
from assessor.model.objects import K8sObject
from assessor.model.origin import FieldPath
from assessor.model.rke import RkeConfig
from assessor.rke.quorum import RkeEtcdQuorumTemplate
from assessor.rke.strategy import upgrade_strategy


@dataclass(slots=True)
class RkeContext:
    """One cluster.yml; subject is the object its findings name (the cluster)."""

    config: RkeConfig | None
    target: Minor | None
    inventory: Inventory | None
    subject: K8sObject
    scope: ClassVar[str] = "rke"
    owner: ClassVar[None] = None


_SEG = re.compile(r"([^.\[\]]+)|\[\*\]")


def _expand(value: Any, segments: list[str], path: FieldPath) -> Iterator[tuple[FieldPath, Any]]:
    """Walk a dotted path where [*] means every list item: nodes[*].docker_socket."""
    if not segments:
        yield path, value
        return
    head, rest = segments[0], segments[1:]
    if head == "*":
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from _expand(item, rest, (*path, i))
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from _expand(item, rest, (*path, str(key)))
        return
    if isinstance(value, dict) and head in value:
        yield from _expand(value[head], rest, (*path, head))


def split_path(text: str) -> list[str]:
    return ["*" if m.group(0) == "[*]" else m.group(1) for m in _SEG.finditer(text)]


class RkeFieldTemplate(Template):
    """A cluster.yml field (dotted path, [*] for every item) that is present, equals, matches, or has keys."""

    name = "rke-field"
    scope = "rke"
    CONDITIONS = ("present", "equals", "not_in", "pattern", "keys_in", "items_pattern")
    params = (
        Param("path", STR, "dotted path in cluster.yml; `[*]` for every list item or map value", required=True),
        Param("present", BOOL, "true: the value is set and not blank; false: it is blank"),
        Param("equals", SCALAR, "the value equals this"),
        Param("not_in", SCALAR_LIST, "the value (or each list item) is not one of these"),
        Param("pattern", REGEX, "the scalar value matches this regex"),
        Param("keys_in", STR_LIST, "keys of the mapping value among these (leading dashes ignored)"),
        Param("items_pattern", REGEX, "string items of the list value that match this regex"),
        Param("secret", BOOL, "never show the value, only its length"),
    )
    facts = MappingProxyType({"value": "the raw value at the path"})

    def validate(self, params: dict[str, Any]) -> None:
        if not any(k in params for k in self.CONDITIONS):
            raise SchemaError(f"needs one of {', '.join(self.CONDITIONS)}")

    def hits(self, ctx: RkeContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        if ctx.config is None:
            return
        secret = bool(compiled.get("secret"))
        for path, value in _expand(ctx.config.raw, split_path(str(compiled["path"])), ()):
            for shown, sub in self._match(value, compiled):
                if secret:
                    shown = f"<redacted, {len(str(value))} characters>"
                yield Hit((*path, *sub), shown, None, {"value": value})

    @staticmethod
    def _match(value: Any, p: dict[str, Any]) -> Iterator[tuple[str, FieldPath]]:
        if value is None:
            return
        if "present" in p and bool(str(value).strip()) == bool(p["present"]):
            yield str(value), ()
        elif "equals" in p and value == p["equals"]:
            yield str(value).lower() if isinstance(value, bool) else str(value), ()
        elif "not_in" in p:
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                if item not in p["not_in"]:
                    yield str(item), ((i,) if isinstance(value, list) else ())
        elif "pattern" in p and isinstance(value, str | int | float) and p["pattern"].search(str(value)):
            yield str(value), ()
        elif "keys_in" in p and isinstance(value, dict):
            wanted = {str(k).lstrip("-") for k in p["keys_in"]}
            for key, item in value.items():
                if str(key).lstrip("-") in wanted:
                    yield f"{str(key).lstrip('-')}: {item}", (str(key),)
        elif "items_pattern" in p and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str) and p["items_pattern"].search(item):
                    yield item, (i,)


class RkeUpgradeBatchTemplate(Template):
    """How many workers RKE upgrades at once, or why RKE refuses the value (assessor.rke.strategy)."""

    name = "rke-upgrade-batch"
    scope = "rke"
    facts = MappingProxyType(
        {
            "batch": "workers upgraded at once",
            "workers": "worker nodes in cluster.yml",
            "share": "batch / workers",
            "halfOrMore": "the batch is half the workers or more (and there are several)",
            "invalid": "RKE refuses the max_unavailable value (rke up stops before upgrading any node)",
            "role": "worker or controlplane: the setting the hit is about",
        }
    )

    def hits(self, ctx: RkeContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        if ctx.config is None:
            return
        strategy = upgrade_strategy(ctx.config)
        for m in (strategy.worker, strategy.controlplane):
            configured = ctx.config.get("upgrade_strategy", m.field) not in (None, "")
            path: FieldPath = ("upgrade_strategy", m.field) if configured else ("upgrade_strategy",)
            if m.error is not None:
                yield Hit(path, f"RKE refuses {m.field}: {m.error}", None, {"invalid": True, "role": m.role})
        m = strategy.worker
        if m.batch is None or m.hosts == 0:
            return
        configured = ctx.config.get("upgrade_strategy", m.field) not in (None, "")
        path = ("upgrade_strategy", m.field) if configured else ("upgrade_strategy",)
        value = f"{m.explain()}: RKE upgrades {m.batch} worker(s) at a time, {m.batch / m.hosts:.0%} of the workers"
        yield Hit(
            path,
            value,
            None,
            {
                "invalid": False,
                "role": m.role,
                "batch": m.batch,
                "workers": m.hosts,
                "share": m.batch / m.hosts,
                "halfOrMore": m.batch * 2 >= m.hosts and m.hosts > 1,
            },
        )


class RkeUpgradeDrainTemplate(Template):
    """upgrade_strategy.drain is not on: pods stay on a node while RKE restarts its containers."""

    name = "rke-upgrade-drain"
    scope = "rke"
    facts = MappingProxyType(
        {
            "servingDaemonSets": "how many DaemonSets take traffic",
            "known": "cluster objects were scanned, so servingDaemonSets is known",
        }
    )

    def hits(self, ctx: RkeContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        if ctx.config is None or ctx.config.get("upgrade_strategy", "drain") is True:
            return
        serving = [
            f"{w.obj.namespace + '/' if w.obj.namespace else ''}{w.obj.name}"
            for w, _ in (serving_workloads(ctx.inventory, "DaemonSet") if ctx.inventory else [])
        ]
        raw = ctx.config.get("upgrade_strategy", "drain")
        path: FieldPath = ("upgrade_strategy", "drain") if raw is not None else ("upgrade_strategy",)
        if ctx.config.get("upgrade_strategy") is None:
            path = ()
        shown = "drain: false" if raw is False else "drain not set (false)"
        if serving:
            shown += "; DaemonSets that take traffic: " + ", ".join(serving)
        yield Hit(path, shown, None, {"servingDaemonSets": len(serving), "known": ctx.inventory is not None})


class RkeAlwaysTemplate(Template):
    """Fires once for every cluster.yml (facts that hold for every RKE1 cluster, such as its end of life)."""

    name = "rke-always"
    scope = "rke"
    params = (Param("value", STR, "the value the finding shows"),)

    def hits(self, ctx: RkeContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        if ctx.config is not None:
            yield Hit((), str(compiled.get("value", "")))


class RkeMissingTemplate(Template):
    """A cluster.yml key that is absent or empty."""

    name = "rke-missing"
    scope = "rke"

    params = (Param("path", STR, "dotted path in cluster.yml", required=True),)

    def hits(self, ctx: RkeContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        if ctx.config is not None and ctx.config.get(*split_path(str(compiled["path"]))) in (None, ""):
            yield Hit((), f"{compiled['path']} is not set")


RKE_TEMPLATES: tuple[Template, ...] = (
    RkeFieldTemplate(),
    RkeEtcdQuorumTemplate(),
    RkeUpgradeBatchTemplate(),
    RkeUpgradeDrainTemplate(),
    RkeAlwaysTemplate(),
    RkeMissingTemplate(),
)
