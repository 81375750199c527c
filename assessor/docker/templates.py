"""Docker-dependency templates over workloads, ConfigMaps, Nodes and objects.

Each template declares its parameters (checked and compiled once per rule at load) and yields
Hits: a field path, the value found there, the container, and facts that a rule's message and
`adjust` conditions can use (mounted or not, hostPath type, …).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from types import MappingProxyType
from typing import Any

from assessor.docker.context import (
    ConfigMapContext,
    NodeContext,
    ObjectContext,
    WorkloadContext,
    as_str,
    command_fields,
    strip_comments,
)
from assessor.docker.hostpaths import PathMatcher, normalise
from assessor.engine.schema import REGEX, STR, STR_LIST, Param, SchemaError, regex, regex_screen
from assessor.engine.template import Hit, Template
from assessor.model.origin import FieldPath
from assessor.redact import redact

MAX_SNIPPET = 160


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


PATTERN = Param("pattern", REGEX, "regular expression searched in the value", required=True)
PATH_PARAMS = (
    Param("paths", STR_LIST, "exact host paths (normalised: `//`, trailing `/`, `/var/run` = `/run`)"),
    Param("prefixes", STR_LIST, "the path or anything below it"),
    Param("basenames", STR_LIST, "last path component, case-insensitive"),
    Param("globs", STR_LIST, "shell-style patterns on the normalised path"),
    Param("exclude_prefixes", STR_LIST, "paths at or below these never match"),
)


def _one_path_kind(params: dict[str, Any]) -> None:
    if not any(params.get(k) for k in ("paths", "prefixes", "basenames", "globs")):
        raise SchemaError("needs paths, prefixes, basenames or globs")


class PatternTemplate(Template):
    """A template whose one parameter is a regular expression, `pattern`."""

    params = (PATTERN,)

    def compile(self, params: dict[str, Any]) -> re.Pattern[str]:
        return params["pattern"]  # type: ignore[no-any-return]


class HostPathTemplate(Template):
    """hostPath volumes whose host path matches; one hit per container that mounts it."""

    name = "host-path"
    scope = "workload"

    params = PATH_PARAMS
    facts = MappingProxyType(
        {
            "mounted": "a container mounts the volume",
            "type": "the hostPath `type`, or empty",
            "volume": "the volume's name",
            "mountPath": "where the container mounts it (null when unmounted)",
            "readOnly": "the mount is read-only",
            "mount": "the mount in words: `mounted at /x read-only`, `mounted by no container`",
            "path": "the host path, normalised (`/var/run` is `/run`, no trailing `/`)",
        }
    )

    def validate(self, params: dict[str, Any]) -> None:
        _one_path_kind(params)

    def compile(self, params: dict[str, Any]) -> PathMatcher:
        return PathMatcher.from_params(params)

    def screen(self, compiled: Sequence[Any]) -> Callable[[WorkloadContext], bool]:
        # most pods mount no host path at all
        return lambda ctx: any(isinstance(volume.get("hostPath"), dict) for _, volume in ctx.volumes)

    def hits(self, ctx: WorkloadContext, compiled: PathMatcher) -> Iterator[Hit]:
        for index, volume in ctx.volumes:
            host_path = volume.get("hostPath")
            if not isinstance(host_path, dict):
                continue
            path = as_str(host_path.get("path"))
            if path is None or not compiled.matches(path):
                continue
            field_path = (*ctx.volume_path(index), "hostPath", "path")
            facts = {
                "type": as_str(host_path.get("type")) or "",
                "volume": volume.get("name"),
                "path": normalise(path),
            }
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
    scope = "workload"

    params = (*PATH_PARAMS, Param("volume_types", STR_LIST, "only volumes of these types (emptyDir, …)"))
    facts = MappingProxyType({"volumeType": "the volume's type (emptyDir, configMap, …)", "mounted": "always true"})

    def validate(self, params: dict[str, Any]) -> None:
        _one_path_kind(params)

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
    scope = "workload"

    params = (
        Param("names", STR_LIST, "exact variable names"),
        Param("name_pattern", REGEX, "regex on the variable name"),
        Param("value_pattern", REGEX, "regex the literal value must match (valueFrom never does)"),
    )
    facts = MappingProxyType({"name": "the variable's name"})

    def validate(self, params: dict[str, Any]) -> None:
        if not params.get("names") and not params.get("name_pattern"):
            raise SchemaError("needs names or name_pattern")

    def compile(self, params: dict[str, Any]) -> tuple[frozenset[str], re.Pattern[str] | None, re.Pattern[str] | None]:
        return frozenset(params.get("names") or ()), params.get("name_pattern"), params.get("value_pattern")

    def screen(self, compiled: Sequence[Any]) -> Callable[[WorkloadContext], bool] | None:
        names: frozenset[str] = frozenset().union(*(c[0] for c in compiled))
        patterns = [c[1] for c in compiled if c[1] is not None]
        matches = regex_screen(patterns) if patterns else None
        if patterns and matches is None:
            return None

        def any_name(ctx: WorkloadContext) -> bool:
            for c in ctx.containers:
                for env in c.spec.get("env") or ():
                    if not isinstance(env, dict):
                        continue
                    name = as_str(env.get("name")) or ""  # as hits() reads it
                    if name in names or (matches is not None and matches(name)):
                        return True
            return False

        return any_name

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


class CommandTemplate(PatternTemplate):
    """A pattern in command, args, lifecycle hooks or exec probes of any container (init ones too)."""

    name = "command"
    scope = "workload"

    def screen(self, compiled: Sequence[Any]) -> Callable[[WorkloadContext], bool] | None:
        matches = regex_screen(compiled)
        if matches is None:
            return None
        return lambda ctx: any(matches(text) for text in ctx.command_texts)

    def hits(self, ctx: WorkloadContext, compiled: re.Pattern[str]) -> Iterator[Hit]:
        for c in ctx.containers:
            for path, items in command_fields(c):
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

    def screen(self, compiled: Sequence[Any]) -> Callable[[WorkloadContext], bool] | None:
        matches = regex_screen(compiled)
        if matches is None:
            return None
        return lambda ctx: (
            any(matches(text) for text in ctx.command_texts) or any(matches(value) for value in ctx.env_values)
        )

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
    scope = "workload"

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
    scope = "workload"
    facts = MappingProxyType({"image": "the container image"})

    def screen(self, compiled: Sequence[Any]) -> Callable[[WorkloadContext], bool] | None:
        matches = regex_screen(compiled)
        if matches is None:
            return None
        return lambda ctx: any(isinstance(i := c.spec.get("image"), str) and i and matches(i) for c in ctx.containers)

    def hits(self, ctx: WorkloadContext, compiled: re.Pattern[str]) -> Iterator[Hit]:
        for c in ctx.containers:
            image = as_str(c.spec.get("image"))
            if image and compiled.search(image):
                yield Hit((*c.path, "image"), image, c, {"image": image})


class PodAnnotationTemplate(Template):
    """Annotations on the workload or its pod template, by key pattern and value pattern."""

    name = "pod-annotation"
    scope = "workload"

    params = (
        Param("key_pattern", REGEX, "regex on the annotation key", required=True),
        Param("value_pattern", REGEX, "regex on the annotation value", required=True),
    )

    def compile(self, params: dict[str, Any]) -> tuple[re.Pattern[str], re.Pattern[str]]:
        return params["key_pattern"], params["value_pattern"]

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
    scope = "configmap"

    params = (
        Param("pattern", regex(re.M), "regex searched in each value, comment lines blanked", required=True),
        Param("key_pattern", regex(re.M), "only data keys matching this regex"),
        Param("unless_pattern", regex(re.M), "no hit when the value also matches this"),
        Param("requires_pattern", regex(re.M), "a hit only when the value also matches this"),
    )
    facts = MappingProxyType(
        {
            "mounted": "a scanned workload uses the ConfigMap",
            "use": "`used` (a scanned workload uses it), `unused` (a whole cluster was scanned and nothing uses it)"
            " or `unknown` (no workload in this input uses it, but the input is not a whole cluster)",
            "key": "the data key",
        }
    )

    def compile(self, params: dict[str, Any]) -> tuple[re.Pattern[str] | None, ...]:
        keys = ("pattern", "key_pattern", "unless_pattern", "requires_pattern")
        return tuple(params.get(k) for k in keys)

    def screen(self, compiled: Sequence[Any]) -> Callable[[ConfigMapContext], bool] | None:
        matches = regex_screen(c[0] for c in compiled)
        if matches is None:
            return None

        def any_value(ctx: ConfigMapContext) -> bool:
            # what hits() searches with each rule's pattern: every data value, comment lines blanked
            data = ctx.obj.raw.get("data")
            if not isinstance(data, dict):
                return False
            return any(
                isinstance(value, str) and matches(ctx.uncommented(str(key), value)) for key, value in data.items()
            )

        return any_value

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
                {"mounted": bool(ctx.used_by), "use": _use(ctx), "key": key},
                value_line=line_index,
                related=ctx.used_by,
            )


def _use(ctx: ConfigMapContext) -> str:
    if ctx.used_by:
        return "used"
    return "unused" if ctx.whole_cluster else "unknown"


class NodeFieldTemplate(Template):
    """A Node field (a dotted path under the Node) matching a pattern."""

    name = "node-field"
    scope = "node"

    params = (
        Param("path", STR, "dotted path under the Node, e.g. status.nodeInfo.kubeletVersion", required=True),
        PATTERN,
    )
    facts = MappingProxyType({"pods": "how many scanned pods run on the node"})

    def compile(self, params: dict[str, Any]) -> tuple[tuple[str, ...], re.Pattern[str]]:
        return tuple(str(params["path"]).split(".")), params["pattern"]

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
    scope = "node"

    params = (Param("prefix", STR, "containerID prefix, e.g. docker://", required=True),)
    facts = MappingProxyType({"pods": "how many of the node's pods match"})

    def hits(self, ctx: NodeContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        prefix = str(compiled["prefix"])
        matching = 0
        for pod in ctx.pods:  # every pod of the node: plain loops, no generator per pod
            status = pod.raw.get("status")
            statuses = status.get("containerStatuses") if isinstance(status, dict) else None
            if isinstance(statuses, list):
                for s in statuses:
                    if isinstance(s, dict) and str(s.get("containerID", "")).startswith(prefix):
                        matching += 1
                        break
        if matching:
            value = f"{matching} of {len(ctx.pods)} pods run containers with containerID {prefix}…"
            yield Hit(("status", "nodeInfo", "containerRuntimeVersion"), value, None, {"pods": matching})


class AnnotationWithoutTemplate(Template):
    """An annotation that is present while its companion annotation is missing or empty."""

    name = "annotation-without"
    scope = "object"

    params = (
        Param("key", STR, "the annotation that is present", required=True),
        Param("companion", STR, "the annotation that must accompany it", required=True),
    )

    def screen(self, compiled: Sequence[Any]) -> Callable[[ObjectContext], bool]:
        keys = frozenset(str(c["key"]) for c in compiled)

        def may_have_key(ctx: ObjectContext) -> bool:
            if ctx.pod_path is not None:
                return True  # a workload's pod template has annotations of its own
            own = ctx.obj.metadata.get("annotations")
            return isinstance(own, dict) and not own.keys().isdisjoint(keys)

        return may_have_key

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
    scope = "node"

    params = (Param("key", STR, "the annotation key", required=True), PATTERN)

    def compile(self, params: dict[str, Any]) -> tuple[str, re.Pattern[str]]:
        return str(params["key"]), params["pattern"]

    def hits(self, ctx: NodeContext, compiled: tuple[str, re.Pattern[str]]) -> Iterator[Hit]:
        key, pattern = compiled
        value = ctx.obj.annotations.get(key)
        if isinstance(value, str) and pattern.search(value):
            yield Hit(("metadata", "annotations", key), value)


DOCKER_TEMPLATES: tuple[Template, ...] = (
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
