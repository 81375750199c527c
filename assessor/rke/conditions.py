"""The `adjust.when` keys the cluster.yml checks register."""

from __future__ import annotations

from typing import Any

from assessor.engine.schema import STR, ParamType, SchemaError
from assessor.engine.template import Condition, Hit
from assessor.model.kversion import Minor


def _field_set(path: list[str], hit: Hit, ctx: Any) -> bool:
    config = getattr(ctx, "config", None)
    return config is not None and config.get(*path) is not None


def _target_at_least(minimum: Minor, hit: Hit, ctx: Any) -> bool:
    # contexts that plan for a Kubernetes minor (cluster.yml, objects) carry it as `target`
    target = getattr(ctx, "target", None)
    return target is not None and bool(target >= minimum)


def _dotted(value: Any) -> list[str]:
    return str(STR.convert(value)).split(".")


def _minor(value: Any) -> Minor:
    try:
        return Minor.parse(str(value))
    except ValueError:
        raise SchemaError(f"{value!r} is not a Kubernetes minor such as 1.24") from None


RKE_CONDITIONS: tuple[Condition, ...] = (
    Condition("rkeFieldSet", ParamType("dotted path", _dotted), "cluster.yml sets this dotted path", _field_set),
    Condition(
        "targetAtLeast",
        ParamType("minor", _minor),
        "the target Kubernetes minor is this one or newer",
        _target_at_least,
    ),
)
