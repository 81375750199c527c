"""Templates that need the version matrix: API versions removed by a Kubernetes minor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assessor.engine.context import ObjectContext
from assessor.engine.rules import Rule, RuleError
from assessor.engine.templates import Hit, Template
from assessor.model.kversion import Minor
from assessor.model.origin import FieldPath


class RemovedApiTemplate(Template):
    """Objects whose apiVersion (or last-applied apiVersion) the given Kubernetes minor removes."""

    name = "removed-api"
    target = "object"

    def check_params(self, rule: Rule) -> None:
        try:
            Minor.parse(str(rule.params.get("removed_in", "")))
        except ValueError:
            raise RuleError(f"{rule.source_file}: {rule.id}: removed-api needs removed_in like 1.22") from None

    def compile(self, params: dict[str, Any]) -> Minor:
        return Minor.parse(str(params["removed_in"]))

    def relevant(self, ctx: ObjectContext) -> bool:
        return bool(ctx.api_removals())

    def hits(self, ctx: ObjectContext, compiled: Minor) -> Iterator[Hit]:
        for removal, where in ctx.api_removals():
            if removal.removed_in != compiled:
                continue
            path: FieldPath = ("apiVersion",) if where == "apiVersion" else ("metadata", "annotations")
            replacement = f"use {removal.replacement}" if removal.replacement else "no replacement API"
            if removal.replacement and removal.available_since:
                replacement += f" (served since v{removal.available_since})"
            if removal.note:
                replacement += f"; {removal.note}"
            via = "" if where == "apiVersion" else " (last applied with it)"
            beyond = ctx.target is not None and compiled > ctx.target
            yield Hit(
                path,
                f"{removal.api_version} {removal.kind}{via}: {replacement}",
                None,
                {"beyondTarget": beyond, "removedIn": str(compiled)},
            )
