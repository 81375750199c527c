"""Parameter declarations: what a template or condition accepts, checked and converted once at load."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from assessor.engine.patterns import unsafe_reason


class SchemaError(ValueError):
    """A value does not fit its declaration; the loader adds the file and rule."""


def compile_regex(pattern: Any, flags: int = 0) -> re.Pattern[str]:
    """The one place rule regexes are compiled, so a check on the patterns themselves can hook here."""
    if not isinstance(pattern, str):
        raise SchemaError(f"expected a regex string, got {type(pattern).__name__}")
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:
        raise SchemaError(f"not a valid regex: {exc}") from None
    # every rule regex must match in time linear in its input (docs/security.md)
    problem = unsafe_reason(pattern, flags | re.M)
    if problem is not None:
        raise SchemaError(f"{pattern!r} is not linear-time: {problem}")
    return compiled


def regex_screen(patterns: Iterable[re.Pattern[str] | None]) -> Callable[[str], bool] | None:
    """A test that is True exactly when one of patterns finds a match in a text; None if one is missing.

    For screening a family of rules with one tight loop over its patterns instead of one pass of
    each rule's hits(). (A union of the patterns would lose each one's literal-prefix search and
    is slower.)
    """
    searches = []
    for p in patterns:
        if p is None:
            return None
        searches.append(p.search)
    if not searches:
        return None
    if len(searches) == 1:
        search = searches[0]
        return lambda text: search(text) is not None
    return lambda text: any(search(text) is not None for search in searches)


@dataclass(frozen=True, slots=True)
class ParamType:
    """A named type; convert checks a value and returns what the template works with."""

    name: str
    convert: Callable[[Any], Any]


def _scalar(kind: type | tuple[type, ...], label: str) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        # bool is an int in Python; a YAML `true` is not a number here.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise SchemaError(f"expected {label}, got a boolean")
        if not isinstance(value, kind):
            raise SchemaError(f"expected {label}, got {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise SchemaError(f"expected {label}, got {value!r}")
        if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
            raise SchemaError(f"expected {label}, got a {len(str(abs(value)))}-digit number")
        return value

    return convert


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SchemaError("expected a list of strings")
    return list(value)


def _scalar_list(value: Any) -> list[Any]:
    if not isinstance(value, list) or not all(isinstance(v, str | int | float | bool) for v in value):
        raise SchemaError("expected a list of strings, numbers or booleans")
    return list(value)


def _regex_map(value: Any) -> dict[str, re.Pattern[str]]:
    if not isinstance(value, dict) or not value:
        raise SchemaError("expected a mapping of names to regexes")
    return {str(k): compile_regex(v) for k, v in value.items()}


def regex(flags: int = 0) -> ParamType:
    return ParamType("regex" + ("(multiline)" if flags & re.M else ""), lambda v: compile_regex(v, flags))


def mapping(keys: dict[str, ParamType]) -> ParamType:
    """A mapping whose keys are declared; the value is converted key by key."""

    def convert(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise SchemaError("expected a mapping")
        unknown = sorted(str(k) for k in value if k not in keys)
        if unknown:
            raise SchemaError(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(keys)})")
        return {k: keys[k].convert(v) for k, v in value.items()}

    return ParamType("mapping{" + ", ".join(f"{k}: {t.name}" for k, t in keys.items()) + "}", convert)


STR = ParamType("string", _scalar(str, "a string"))
INT = ParamType("integer", _scalar(int, "an integer"))
NUMBER = ParamType("number", _scalar((int, float), "a number"))
BOOL = ParamType("boolean", _scalar(bool, "a boolean"))
SCALAR = ParamType("string|number|boolean", _scalar((str, int, float, bool), "a string, number or boolean"))
STR_LIST = ParamType("list of strings", _str_list)
SCALAR_LIST = ParamType("list of scalars", _scalar_list)
REGEX = regex()
REGEX_MAP = ParamType("mapping of name to regex", _regex_map)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: ParamType
    doc: str
    required: bool = False


def convert_params(declared: tuple[Param, ...], given: dict[str, Any]) -> dict[str, Any]:
    """Check given against declared: no unknown names, every required one present, each of its type."""
    by_name = {p.name: p for p in declared}
    unknown = sorted(k for k in given if k not in by_name)
    if unknown:
        known = ", ".join(by_name) or "none"
        raise SchemaError(f"unknown parameter(s) {', '.join(unknown)} (known: {known})")
    missing = [p.name for p in declared if p.required and given.get(p.name) in (None, "", [])]
    if missing:
        raise SchemaError(f"missing required parameter(s) {', '.join(missing)}")
    out: dict[str, Any] = {}
    for name, value in given.items():
        try:
            out[name] = by_name[name].type.convert(value)
        except SchemaError as exc:
            raise SchemaError(f"parameter {name}: {exc}") from None
    return out
