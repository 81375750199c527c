"""Templates that need the version data: API versions a minor removes, and the hop path's blockers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from assessor.docker.context import ObjectContext
from assessor.engine.schema import STR, Param, ParamType, SchemaError
from assessor.engine.template import Hit, Template
from assessor.model.kversion import Minor
from assessor.model.objects import K8sObject
from assessor.model.origin import FieldPath
from assessor.versions.apis import API_USES, ApiUses, api_uses, removal_hits
from assessor.versions.hoppath import HopPath
from assessor.versions.matrix import ApiRemoval, load_matrix


def _minor(value: Any) -> Minor:
    try:
        return Minor.parse(str(value))
    except ValueError:
        raise SchemaError(f"{value!r} is not a Kubernetes minor such as 1.22") from None


MINOR = ParamType("Kubernetes minor", _minor)


def _api_removals(ctx: ObjectContext) -> list[tuple[ApiRemoval, str]]:
    # every removed-api rule, and the hop path's summary, read one index built in one pass
    if ctx.inventory is not None:
        return api_uses(ctx.inventory).removals_of(ctx.obj)
    found: list[tuple[ApiRemoval, str]] = ctx.memo("api-removals", lambda: removal_hits(load_matrix(), ctx.obj))
    return found


class RemovedApiTemplate(Template):
    """Objects whose apiVersion (or last-applied apiVersion) the given Kubernetes minor removes."""

    name = "removed-api"
    scope = "object"
    params = (Param("removed_in", MINOR, "the minor that removes the API versions, e.g. 1.22", required=True),)
    facts = MappingProxyType(
        {
            "beyondTarget": "the minor is past the scan's target version",
            "removedIn": "the minor that removes it",
        }
    )

    def compile(self, params: dict[str, Any]) -> Minor:
        minor: Minor = params["removed_in"]
        return minor

    def relevant(self, ctx: ObjectContext) -> bool:
        inventory = ctx.inventory
        if inventory is None:
            return bool(_api_removals(ctx))
        # asked of every object in the cluster: the shortest way to the shared index
        uses: ApiUses | None = inventory.facts.get(API_USES)
        return id(ctx.obj) in (uses or api_uses(inventory)).removals

    def hits(self, ctx: ObjectContext, compiled: Minor) -> Iterator[Hit]:
        for removal, where in _api_removals(ctx):
            if removal.removed_in != compiled:
                continue
            path: FieldPath = ("apiVersion",) if where in ("apiVersion", "list") else ("metadata", "annotations")
            replacement = f"use {removal.replacement}" if removal.replacement else "no replacement API"
            if removal.replacement and removal.available_since:
                replacement += f" (served since v{removal.available_since})"
            if removal.note:
                replacement += f"; {removal.note}"
            via = {"apiVersion": "", "list": " (the apiVersion of its List)"}.get(where, " (last applied with it)")
            beyond = ctx.target is not None and compiled > ctx.target
            yield Hit(
                path,
                f"{removal.api_version} {removal.kind}{via}: {replacement}",
                None,
                {"beyondTarget": beyond, "removedIn": str(compiled)},
            )


@dataclass(slots=True)
class HopPathContext:
    """The planned hop path; subject is the object its findings name (the cluster)."""

    hop_path: HopPath
    subject: K8sObject
    scope: ClassVar[str] = "hop-path"
    owner: ClassVar[None] = None


class HopBlockerTemplate(Template):
    """Blockers and warnings of one kind from the hop path."""

    name = "hop-blocker"
    scope = "hop-path"
    params = (Param("kind", STR, "the blocker kind the hop path reports (e.g. removed-api, skew)", required=True),)
    facts = MappingProxyType({"level": "blocker or warning", "subject": "what the blocker is about"})

    def hits(self, ctx: HopPathContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        for hop in [None, *ctx.hop_path.hops]:
            blockers = ctx.hop_path.findings if hop is None else hop.blockers
            for b in blockers:
                if b.kind == compiled["kind"]:
                    hop_name = f"hop v{hop.from_minor} → v{hop.to_minor}: " if hop is not None else ""
                    yield Hit(b.field, hop_name + b.text, None, {"level": b.level, "subject": b.subject})


VERSION_TEMPLATES: tuple[Template, ...] = (RemovedApiTemplate(), HopBlockerTemplate())
