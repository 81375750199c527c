"""`adjust.when`: generic conditions (not, any, a fact's value) plus the keys check packages register.

A `when` mapping is compiled at load into one predicate; every key in it must hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from assessor.engine.schema import SchemaError
from assessor.engine.template import Condition, Hit

Predicate = Callable[[Hit, Any], bool]

GENERIC = {
    "not": "a nested `when` mapping that must not hold",
    "any": "a list of `when` mappings of which one must hold",
    "<fact>": "a fact of the template's hits equals the value (strings case-insensitively)",
}


def compile_when(when: Any, facts: Mapping[str, str], conditions: dict[str, Condition]) -> Predicate:
    if not isinstance(when, dict) or not when:
        raise SchemaError("`when` must be a non-empty mapping")
    parts = [_compile_one(str(key), expected, facts, conditions) for key, expected in when.items()]
    return lambda hit, ctx: all(p(hit, ctx) for p in parts)


def _compile_one(key: str, expected: Any, facts: Mapping[str, str], conditions: dict[str, Condition]) -> Predicate:
    if key == "not":
        inner = compile_when(expected, facts, conditions)
        return lambda hit, ctx: not inner(hit, ctx)
    if key == "any":
        if not isinstance(expected, list) or not expected:
            raise SchemaError("`any` must be a non-empty list of mappings")
        options = [compile_when(item, facts, conditions) for item in expected]
        return lambda hit, ctx: any(o(hit, ctx) for o in options)
    condition = conditions.get(key)
    if condition is not None:
        try:
            value = condition.type.convert(expected)
        except SchemaError as exc:
            raise SchemaError(f"condition {key}: {exc}") from None
        test = condition.test
        return lambda hit, ctx: test(value, hit, ctx)
    if key in facts:
        if isinstance(expected, dict | list):
            raise SchemaError(f"condition {key}: a fact compares with a single value")
        return lambda hit, ctx: _fact_equals(hit.facts.get(key), expected)
    known = sorted({"not", "any", *conditions, *facts})
    raise SchemaError(f"unknown condition {key!r} (this template knows: {', '.join(known)})")


def _fact_equals(actual: Any, expected: Any) -> bool:
    if isinstance(expected, str) and isinstance(actual, str):
        return actual.lower() == expected.lower()
    return bool(actual == expected)
