"""The template contract. A rule names one template and gives it parameters (kube-linter's model).

A template declares its parameters (checked at load) and the facts its hits carry (the only
names a rule's message and `adjust` conditions may use). It runs over contexts of one scope
("workload", "rke", "forecast", …). A check package builds those contexts itself and registers
its templates and the extra condition keys it understands as a CheckPackage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Protocol

from assessor.engine.schema import Param, ParamType
from assessor.inventory.podspec import ContainerRef
from assessor.model.objects import K8sObject
from assessor.model.origin import FieldPath

# Every finding message may use these, whatever the template.
BASE_PLACEHOLDERS = {
    "value": "the value found (shortened, secrets redacted)",
    "path": "the field path of the value",
    "container": "the container's name, or empty",
}


class Context(Protocol):
    """What a template looks at. scope picks the templates; subject and owner are what a finding names."""

    @property
    def scope(self) -> str: ...

    @property
    def subject(self) -> K8sObject: ...

    @property
    def owner(self) -> dict[str, Any] | None: ...


@dataclass(slots=True)
class Hit:
    path: FieldPath
    value: str
    container: ContainerRef | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    value_line: int | None = None  # line inside a multi-line value (ConfigMap data)
    related: list[dict[str, Any]] = field(default_factory=list)


class Template:
    name: ClassVar[str]
    scope: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    facts: ClassVar[Mapping[str, str]] = MappingProxyType({})  # fact name → what it says, for messages and `adjust`

    def validate(self, params: dict[str, Any]) -> None:
        """Constraints across parameters (one of, …), on converted params; raise SchemaError."""

    def compile(self, params: dict[str, Any]) -> Any:
        """What hits() receives: by default the converted params (regexes already compiled)."""
        return params

    def hits(self, ctx: Any, compiled: Any) -> Iterator[Hit]:
        raise NotImplementedError

    def relevant(self, ctx: Any) -> bool:
        """Whether any rule of this template can hit the subject; asked once per subject for all of them.

        A cheap, shared test lets a family of rules (one per Kubernetes minor, say) skip an
        object together instead of each looking at it in turn.
        """
        return True

    def screen(self, compiled: Sequence[Any]) -> Callable[[Any], bool] | None:
        """A test of a subject that is False only when no rule of the family can hit it, or None.

        compiled holds what compile() returned for each rule of the family that runs. The test
        runs once per subject after relevant(), so it must be cheaper than the rules it spares:
        one search with the union of the family's patterns instead of one search per rule.
        """
        return None


@dataclass(frozen=True, slots=True)
class Condition:
    """An `adjust.when` key a check package understands: its value is converted at load, tested per hit."""

    name: str
    type: ParamType
    doc: str
    test: Callable[[Any, Hit, Any], bool]  # (converted value, hit, context) → holds


@dataclass(frozen=True, slots=True)
class CheckPackage:
    """What a check package registers with the engine."""

    name: str
    templates: tuple[Template, ...]
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalog:
    """Templates and condition keys by name, from a set of check packages."""

    templates: dict[str, Template]
    conditions: dict[str, Condition]
    packages: tuple[CheckPackage, ...] = ()

    @classmethod
    def of(cls, *packages: CheckPackage) -> Catalog:
        templates: dict[str, Template] = {}
        conditions: dict[str, Condition] = {}
        for package in packages:
            for t in package.templates:
                if t.name in templates:
                    raise ValueError(f"template {t.name} is registered twice (package {package.name})")
                templates[t.name] = t
            for c in package.conditions:
                if c.name in conditions:
                    raise ValueError(f"condition {c.name} is registered twice (package {package.name})")
                conditions[c.name] = c
        return cls(templates, conditions, packages)
