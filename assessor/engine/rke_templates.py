"""Templates over an RKE1 cluster.yml and over the hop path (targets "rke" and "hop-path")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from assessor.engine.rules import Rule, RuleError
from assessor.engine.templates import Hit, Template
from assessor.inventory.build import Inventory
from assessor.inventory.serving import serving_workloads
from assessor.model.kversion import Minor
from assessor.model.origin import FieldPath
from assessor.model.rke import RkeConfig
from assessor.rke.strategy import upgrade_strategy
from assessor.versions.hoppath import HopPath


@dataclass(slots=True)
class RkeContext:
    config: RkeConfig | None
    target: Minor | None
    inventory: Inventory | None
    hop_path: HopPath | None
    target_name: ClassVar[str] = "rke"


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
    target = "rke"
    CONDITIONS = ("present", "equals", "not_in", "pattern", "keys_in", "items_pattern")

    def check_params(self, rule: Rule) -> None:
        if not rule.params.get("path"):
            raise RuleError(f"{rule.source_file}: {rule.id}: rke-field needs path")
        if not any(k in rule.params for k in self.CONDITIONS):
            raise RuleError(f"{rule.source_file}: {rule.id}: rke-field needs one of {', '.join(self.CONDITIONS)}")
        for key in ("pattern", "items_pattern"):
            if key in rule.params:
                try:
                    re.compile(str(rule.params[key]))
                except re.error as exc:
                    raise RuleError(f"{rule.source_file}: {rule.id}: {key}: {exc}") from None

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
        elif "pattern" in p and isinstance(value, str | int | float) and re.search(str(p["pattern"]), str(value)):
            yield str(value), ()
        elif "keys_in" in p and isinstance(value, dict):
            wanted = {str(k).lstrip("-") for k in p["keys_in"]}
            for key, item in value.items():
                if str(key).lstrip("-") in wanted:
                    yield f"{str(key).lstrip('-')}: {item}", (str(key),)
        elif "items_pattern" in p and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str) and re.search(str(p["items_pattern"]), item):
                    yield item, (i,)


class RkeUpgradeBatchTemplate(Template):
    """How many workers RKE upgrades at once, or why RKE refuses the value (assessor.rke.strategy)."""

    name = "rke-upgrade-batch"
    target = "rke"

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
    target = "rke"

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
    target = "rke"

    def hits(self, ctx: RkeContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        if ctx.config is not None:
            yield Hit((), str(compiled.get("value", "")))


class RkeMissingTemplate(Template):
    """A cluster.yml key that is absent or empty."""

    name = "rke-missing"
    target = "rke"

    def check_params(self, rule: Rule) -> None:
        if not rule.params.get("path"):
            raise RuleError(f"{rule.source_file}: {rule.id}: rke-missing needs path")

    def hits(self, ctx: RkeContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        if ctx.config is not None and ctx.config.get(*split_path(str(compiled["path"]))) in (None, ""):
            yield Hit((), f"{compiled['path']} is not set")


class HopBlockerTemplate(Template):
    """Blockers and warnings of one kind from the hop path."""

    name = "hop-blocker"
    target = "hop-path"

    def check_params(self, rule: Rule) -> None:
        if not rule.params.get("kind"):
            raise RuleError(f"{rule.source_file}: {rule.id}: hop-blocker needs kind")

    def hits(self, ctx: RkeContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        if ctx.hop_path is None:
            return
        for hop in [None, *ctx.hop_path.hops]:
            blockers = ctx.hop_path.findings if hop is None else hop.blockers
            for b in blockers:
                if b.kind == compiled["kind"]:
                    hop_name = f"hop v{hop.from_minor} → v{hop.to_minor}: " if hop is not None else ""
                    yield Hit(b.field, hop_name + b.text, None, {"level": b.level, "subject": b.subject})


RKE_TEMPLATES: tuple[Template, ...] = (
    RkeFieldTemplate(),
    RkeUpgradeBatchTemplate(),
    RkeUpgradeDrainTemplate(),
    RkeAlwaysTemplate(),
    RkeMissingTemplate(),
    HopBlockerTemplate(),
)
