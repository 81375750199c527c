"""Matcher templates. A rule names one template and gives it parameters (kube-linter's model).

Each template compiles its parameters once per rule and yields Hits: a field
path, the value found there, the container, and facts that a rule's `adjust`
conditions can test (mounted or not, hostPath type, …).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from assessor.engine.context import (
    ConfigMapContext,
    NodeContext,
    ObjectContext,
    WorkloadContext,
    as_str,
    string_list,
    strip_comments,
)
from assessor.engine.hostpaths import PathMatcher
from assessor.engine.rules import Rule, RuleError
from assessor.inventory.podspec import ContainerRef
from assessor.model.findings import redact
from assessor.model.origin import FieldPath

Context = Any  # WorkloadContext, ConfigMapContext, NodeContext, ObjectContext or RkeContext
MAX_SNIPPET = 160


@dataclass(slots=True)
class Hit:
    path: FieldPath
    value: str
    container: ContainerRef | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    value_line: int | None = None  # line inside a multi-line value (ConfigMap data)
    related: list[dict[str, Any]] = field(default_factory=list)


def snippet(text: str, match: re.Match[str]) -> tuple[str, int]:
    """The line holding the match, shortened, and its index inside text."""
    pos = match.start()
    # A pattern may begin by consuming the line break before the match; the line is the next one.
    while pos < match.end() - 1 and text[pos] in "\r\n":
        pos += 1
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : end if end != -1 else len(text)].strip()
    if len(line) > MAX_SNIPPET:
        line = line[: MAX_SNIPPET - 1] + "…"
    return line, text.count("\n", 0, pos)


def _regex(rule: Rule, key: str, required: bool = True) -> None:
    value = rule.params.get(key)
    if value is None:
        if required:
            raise RuleError(f"{rule.source_file}: {rule.id}: template {rule.template} needs '{key}'")
        return
    try:
        re.compile(str(value))
    except re.error as exc:
        raise RuleError(f"{rule.source_file}: {rule.id}: {key} is not a valid regex: {exc}") from None


class Template:
    name: ClassVar[str]
    target: ClassVar[str]

    def check_params(self, rule: Rule) -> None:
        pass

    def compile(self, params: dict[str, Any]) -> Any:
        return params

    def hits(self, ctx: Any, compiled: Any) -> Iterator[Hit]:
        raise NotImplementedError

    def relevant(self, ctx: Any) -> bool:
        """Whether any rule of this template can hit the subject; asked once per subject for all of them.

        A cheap, shared test lets a family of rules (one per Kubernetes minor, say) skip an
        object together instead of each looking at it in turn.
        """
        return True


class PatternTemplate(Template):
    """A template whose one parameter is a regular expression, `pattern`."""

    def check_params(self, rule: Rule) -> None:
        _regex(rule, "pattern")

    def compile(self, params: dict[str, Any]) -> re.Pattern[str]:
        return re.compile(params["pattern"])


class HostPathTemplate(Template):
    """hostPath volumes whose host path matches; one hit per container that mounts it."""

    name = "host-path"
    target = "workload"

    def check_params(self, rule: Rule) -> None:
        if not any(rule.params.get(k) for k in ("paths", "prefixes", "basenames", "globs")):
            raise RuleError(f"{rule.source_file}: {rule.id}: host-path needs paths, prefixes, basenames or globs")

    def compile(self, params: dict[str, Any]) -> PathMatcher:
        return PathMatcher.from_params(params)

    def hits(self, ctx: WorkloadContext, compiled: PathMatcher) -> Iterator[Hit]:
        for index, volume in ctx.volumes:
            host_path = volume.get("hostPath")
            if not isinstance(host_path, dict):
                continue
            path = as_str(host_path.get("path"))
            if path is None or not compiled.matches(path):
                continue
            field_path = (*ctx.volume_path(index), "hostPath", "path")
            facts = {"type": as_str(host_path.get("type")) or "", "volume": volume.get("name")}
            mounts = ctx.mounts_by_volume.get(str(volume.get("name")), [])
            if not mounts:
                yield Hit(
                    field_path,
                    path,
                    None,
                    {**facts, "mounted": False, "mountPath": None, "mount": "mounted by no container"},
                )
            for mount in mounts:
                yield Hit(
                    field_path,
                    path,
                    mount.container,
                    {
                        **facts,
                        "mounted": True,
                        "mountPath": mount.mount_path,
                        "readOnly": mount.read_only,
                        "mount": f"mounted at {mount.mount_path}" + (" read-only" if mount.read_only else ""),
                    },
                )


class MountPathTemplate(Template):
    """Container mount paths that match, on volumes that are not hostPath (e.g. a socket on an emptyDir)."""

    name = "mount-path"
    target = "workload"

    def check_params(self, rule: Rule) -> None:
        HostPathTemplate.check_params(self, rule)  # type: ignore[arg-type]

    def compile(self, params: dict[str, Any]) -> tuple[PathMatcher, tuple[str, ...]]:
        return PathMatcher.from_params(params), tuple(params.get("volume_types") or ())

    def hits(self, ctx: WorkloadContext, compiled: tuple[PathMatcher, tuple[str, ...]]) -> Iterator[Hit]:
        matcher, volume_types = compiled
        volumes = {str(v.get("name")): v for _, v in ctx.volumes}
        for name, mounts in ctx.mounts_by_volume.items():
            volume = volumes.get(name, {})
            vtype = next((k for k in volume if k != "name"), "unknown")
            if vtype == "hostPath" or (volume_types and vtype not in volume_types):
                continue
            for m in mounts:
                if matcher.matches(m.mount_path):
                    path = (*m.container.path, "volumeMounts", m.index, "mountPath")
                    yield Hit(path, m.mount_path, m.container, {"volumeType": vtype, "mounted": True})


class EnvTemplate(Template):
    """Environment variables by name (exact or pattern) and optionally by value."""

    name = "env"
    target = "workload"

    def check_params(self, rule: Rule) -> None:
        if not rule.params.get("names") and not rule.params.get("name_pattern"):
            raise RuleError(f"{rule.source_file}: {rule.id}: env needs names or name_pattern")
        _regex(rule, "name_pattern", required=False)
        _regex(rule, "value_pattern", required=False)

    def compile(self, params: dict[str, Any]) -> tuple[frozenset[str], re.Pattern[str] | None, re.Pattern[str] | None]:
        name_re = re.compile(params["name_pattern"]) if params.get("name_pattern") else None
        value_re = re.compile(params["value_pattern"]) if params.get("value_pattern") else None
        return frozenset(params.get("names") or ()), name_re, value_re

    def hits(self, ctx: WorkloadContext, compiled: Any) -> Iterator[Hit]:
        names, name_re, value_re = compiled
        for c in ctx.containers:
            for i, env in enumerate(c.spec.get("env") or []):
                if not isinstance(env, dict):
                    continue
                name = as_str(env.get("name")) or ""
                if name not in names and not (name_re and name_re.search(name)):
                    continue
                value = as_str(env.get("value"))
                if value_re is not None and (value is None or not value_re.search(value)):
                    continue
                shown = redact(name, value) if value is not None else "(from valueFrom)"
                yield Hit((*c.path, "env", i, "value"), f"{name}={shown}", c, {"name": name})


def _command_fields(c: ContainerRef) -> Iterator[tuple[FieldPath, list[str]]]:
    spec = c.spec
    for key in ("command", "args"):
        yield (*c.path, key), string_list(spec.get(key))
    lifecycle = spec.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            handler = lifecycle.get(hook)
            if isinstance(handler, dict) and isinstance(handler.get("exec"), dict):
                yield (
                    (*c.path, "lifecycle", hook, "exec", "command"),
                    string_list(handler["exec"].get("command")),
                )
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        handler = spec.get(probe)
        if isinstance(handler, dict) and isinstance(handler.get("exec"), dict):
            yield (*c.path, probe, "exec", "command"), string_list(handler["exec"].get("command"))


class CommandTemplate(PatternTemplate):
    """A pattern in command, args, lifecycle hooks or exec probes of any container (init ones too)."""

    name = "command"
    target = "workload"

    def hits(self, ctx: WorkloadContext, compiled: re.Pattern[str]) -> Iterator[Hit]:
        for c in ctx.containers:
            for path, items in _command_fields(c):
                found = False
                for i, item in enumerate(items):
                    text = strip_comments(item)
                    match = compiled.search(text)
                    if match:
                        line, _ = snippet(text, match)
                        yield Hit((*path, i), line, c)
                        found = True
                        break
                if not found and len(items) > 1:
                    joined = " ".join(strip_comments(i) for i in items)
                    match = compiled.search(joined)
                    if match:
                        yield Hit(path, snippet(joined, match)[0], c)


class ContainerTextTemplate(CommandTemplate):
    """Like `command`, and env values too: for strings such as a socket path that can sit in either."""

    name = "container-text"

    def hits(self, ctx: WorkloadContext, compiled: re.Pattern[str]) -> Iterator[Hit]:
        yield from super().hits(ctx, compiled)
        for c in ctx.containers:
            for i, env in enumerate(c.spec.get("env") or []):
                value = as_str(env.get("value")) if isinstance(env, dict) else None
                if value and compiled.search(value):
                    name = str(env.get("name"))
                    yield Hit((*c.path, "env", i, "value"), f"{name}={redact(name, value)}", c)


class NodeSelectorTemplate(PatternTemplate):
    """nodeSelector entries and required node affinity terms whose key or value matches."""

    name = "node-selector"
    target = "workload"

    def hits(self, ctx: WorkloadContext, compiled: re.Pattern[str]) -> Iterator[Hit]:
        spec = ctx.pod.spec
        selector = spec.get("nodeSelector")
        if isinstance(selector, dict):
            for key, value in selector.items():
                text = f"{key}={value}"
                if compiled.search(text):
                    yield Hit((*ctx.pod.path, "nodeSelector", str(key)), text)
        affinity = spec.get("affinity")
        node_affinity = affinity.get("nodeAffinity") if isinstance(affinity, dict) else None
        required = (
            node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
            if isinstance(node_affinity, dict)
            else None
        )
        terms = required.get("nodeSelectorTerms") if isinstance(required, dict) else None
        for t, term in enumerate(terms if isinstance(terms, list) else []):
            exprs = term.get("matchExpressions") if isinstance(term, dict) else None
            for e, expr in enumerate(exprs if isinstance(exprs, list) else []):
                if not isinstance(expr, dict):
                    continue
                text = f"{expr.get('key')} {expr.get('operator')} {expr.get('values')}"
                if compiled.search(text):
                    path = (
                        *ctx.pod.path,
                        "affinity",
                        "nodeAffinity",
                        "requiredDuringSchedulingIgnoredDuringExecution",
                        "nodeSelectorTerms",
                        t,
                        "matchExpressions",
                        e,
                    )
                    yield Hit(path, text)


class ImageTemplate(PatternTemplate):
    """Container images matching a pattern."""

    name = "image"
    target = "workload"

    def hits(self, ctx: WorkloadContext, compiled: re.Pattern[str]) -> Iterator[Hit]:
        for c in ctx.containers:
            image = as_str(c.spec.get("image"))
            if image and compiled.search(image):
                yield Hit((*c.path, "image"), image, c, {"image": image})


class PodAnnotationTemplate(Template):
    """Annotations on the workload or its pod template, by key pattern and value pattern."""

    name = "pod-annotation"
    target = "workload"

    def check_params(self, rule: Rule) -> None:
        _regex(rule, "key_pattern")
        _regex(rule, "value_pattern")

    def compile(self, params: dict[str, Any]) -> tuple[re.Pattern[str], re.Pattern[str]]:
        return re.compile(params["key_pattern"]), re.compile(params["value_pattern"])

    def hits(self, ctx: WorkloadContext, compiled: tuple[re.Pattern[str], re.Pattern[str]]) -> Iterator[Hit]:
        key_re, value_re = compiled
        meta_paths: list[FieldPath] = [("metadata",)]
        if len(ctx.pod.path) > 1:
            meta_paths.append((*ctx.pod.path[:-1], "metadata"))
        for meta_path in meta_paths:
            node: Any = ctx.obj.raw
            for seg in meta_path:
                node = node.get(seg) if isinstance(node, dict) else None
            annotations = node.get("annotations") if isinstance(node, dict) else None
            if not isinstance(annotations, dict):
                continue
            for key, value in annotations.items():
                if key_re.search(str(key)) and isinstance(value, str) and value_re.search(value):
                    yield Hit((*meta_path, "annotations", str(key)), f"{key}: {value}")


class ConfigMapDataTemplate(Template):
    """A pattern in ConfigMap data values (comment lines ignored), optionally only for some keys."""

    name = "configmap-data"
    target = "configmap"

    def check_params(self, rule: Rule) -> None:
        _regex(rule, "pattern")
        _regex(rule, "key_pattern", required=False)
        _regex(rule, "unless_pattern", required=False)
        _regex(rule, "requires_pattern", required=False)

    def compile(self, params: dict[str, Any]) -> tuple[re.Pattern[str] | None, ...]:
        def opt(key: str) -> re.Pattern[str] | None:
            return re.compile(params[key], re.M) if params.get(key) else None

        return re.compile(params["pattern"], re.M), opt("key_pattern"), opt("unless_pattern"), opt("requires_pattern")

    def hits(self, ctx: ConfigMapContext, compiled: Any) -> Iterator[Hit]:
        pattern, key_re, unless, requires = compiled
        data = ctx.obj.raw.get("data")
        if not isinstance(data, dict):
            return
        for key, value in data.items():
            if not isinstance(value, str) or (key_re and not key_re.search(str(key))):
                continue
            text = ctx.uncommented(str(key), value)
            match = pattern.search(text)
            if match is None or (unless is not None and unless.search(text)):
                continue
            if requires is not None and not requires.search(text):
                continue
            line, line_index = snippet(text, match)
            yield Hit(
                ("data", str(key)),
                line,
                None,
                {"mounted": bool(ctx.used_by), "key": key},
                value_line=line_index,
                related=ctx.used_by,
            )


class NodeFieldTemplate(Template):
    """A Node field (a dotted path under the Node) matching a pattern."""

    name = "node-field"
    target = "node"

    def check_params(self, rule: Rule) -> None:
        _regex(rule, "pattern")
        if not rule.params.get("path"):
            raise RuleError(f"{rule.source_file}: {rule.id}: node-field needs path")

    def compile(self, params: dict[str, Any]) -> tuple[tuple[str, ...], re.Pattern[str]]:
        return tuple(str(params["path"]).split(".")), re.compile(params["pattern"])

    def hits(self, ctx: NodeContext, compiled: tuple[tuple[str, ...], re.Pattern[str]]) -> Iterator[Hit]:
        path, pattern = compiled
        node: Any = ctx.obj.raw
        for seg in path:
            node = node.get(seg) if isinstance(node, dict) else None
        if isinstance(node, str) and pattern.search(node):
            yield Hit(path, node, None, {"pods": len(ctx.pods)})


class NodePodRuntimeTemplate(Template):
    """The pods on a node whose containers report a runtime prefix (docker://) in their containerID."""

    name = "node-pod-runtime"
    target = "node"

    def check_params(self, rule: Rule) -> None:
        if not rule.params.get("prefix"):
            raise RuleError(f"{rule.source_file}: {rule.id}: node-pod-runtime needs prefix")

    def hits(self, ctx: NodeContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        prefix = str(compiled["prefix"])
        matching = 0
        for pod in ctx.pods:
            status = pod.raw.get("status")
            statuses = status.get("containerStatuses") if isinstance(status, dict) else None
            if isinstance(statuses, list) and any(
                isinstance(s, dict) and str(s.get("containerID", "")).startswith(prefix) for s in statuses
            ):
                matching += 1
        if matching:
            value = f"{matching} of {len(ctx.pods)} pods run containers with containerID {prefix}…"
            yield Hit(("status", "nodeInfo", "containerRuntimeVersion"), value, None, {"pods": matching})


class AnnotationWithoutTemplate(Template):
    """An annotation that is present while its companion annotation is missing or empty."""

    name = "annotation-without"
    target = "object"

    def check_params(self, rule: Rule) -> None:
        if not rule.params.get("key") or not rule.params.get("companion"):
            raise RuleError(f"{rule.source_file}: {rule.id}: annotation-without needs key and companion")

    def hits(self, ctx: ObjectContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        key, companion = str(compiled["key"]), str(compiled["companion"])
        sources = ctx.annotation_sources()
        has_companion = any(isinstance(ann.get(companion), str) and ann[companion].strip() for _, ann in sources)
        if has_companion:
            return
        for path, ann in sources:
            if key in ann:
                yield Hit((*path, key), f"{key}: {ann[key]}")


class NodeAnnotationTemplate(Template):
    """A Node annotation matching a pattern."""

    name = "node-annotation"
    target = "node"

    def check_params(self, rule: Rule) -> None:
        _regex(rule, "pattern")
        if not rule.params.get("key"):
            raise RuleError(f"{rule.source_file}: {rule.id}: node-annotation needs key")

    def compile(self, params: dict[str, Any]) -> tuple[str, re.Pattern[str]]:
        return str(params["key"]), re.compile(params["pattern"])

    def hits(self, ctx: NodeContext, compiled: tuple[str, re.Pattern[str]]) -> Iterator[Hit]:
        key, pattern = compiled
        value = ctx.obj.annotations.get(key)
        if isinstance(value, str) and pattern.search(value):
            yield Hit(("metadata", "annotations", key), value)


POD_TEMPLATES: tuple[Template, ...] = (
    HostPathTemplate(),
    MountPathTemplate(),
    EnvTemplate(),
    CommandTemplate(),
    ImageTemplate(),
    PodAnnotationTemplate(),
    ConfigMapDataTemplate(),
    NodeFieldTemplate(),
    NodeAnnotationTemplate(),
    NodePodRuntimeTemplate(),
    ContainerTextTemplate(),
    NodeSelectorTemplate(),
    AnnotationWithoutTemplate(),
)
