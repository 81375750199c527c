"""The `adjust.when` keys the Docker templates register: what else the pod, container or image says."""

from __future__ import annotations

import re
from typing import Any

from packaging.version import InvalidVersion, Version

from assessor.docker.context import DEFAULT_DESTINATION, DESTINATIONS, WorkloadContext, as_str, container_strings
from assessor.docker.hostpaths import PathMatcher
from assessor.docker.templates import PATH_PARAMS
from assessor.engine.schema import BOOL, REGEX, REGEX_MAP, STR, ParamType, SchemaError, mapping
from assessor.engine.template import Condition, Hit


def _pod_mentions(pattern: re.Pattern[str], hit: Hit, ctx: Any) -> bool:
    return isinstance(ctx, WorkloadContext) and bool(pattern.search(ctx.text))


def _container_args(pattern: re.Pattern[str], hit: Hit, ctx: Any) -> bool:
    return hit.container is not None and bool(pattern.search("\n".join(container_strings(hit.container.spec))))


def _container_env(expected: dict[str, re.Pattern[str]], hit: Hit, ctx: Any) -> bool:
    return hit.container is not None and all(
        _env_matches(hit.container.spec, name, pattern) for name, pattern in expected.items()
    )


def _configmap_mentions(pattern: re.Pattern[str], hit: Hit, ctx: Any) -> bool:
    return isinstance(ctx, WorkloadContext) and bool(pattern.search(ctx.configmap_text))


def _pod_images(pattern: re.Pattern[str], hit: Hit, ctx: Any) -> bool:
    return isinstance(ctx, WorkloadContext) and any(
        pattern.search(as_str(c.spec.get("image")) or "") for c in ctx.containers
    )


def _image_matches(pattern: re.Pattern[str], hit: Hit, ctx: Any) -> bool:
    return bool(pattern.search(_image(hit)))


def _image_at_least(minimum: str, hit: Hit, ctx: Any) -> bool:
    return image_at_least(_image(hit), minimum)


def _privileged_is(expected: bool, hit: Hit, ctx: Any) -> bool:
    return hit.container is not None and _privileged(hit.container.spec) == expected


def _pod_host_path(matcher: PathMatcher, hit: Hit, ctx: Any) -> bool:
    if not isinstance(ctx, WorkloadContext):
        return False
    return any(
        isinstance(v.get("hostPath"), dict) and matcher.matches(as_str(v["hostPath"].get("path")) or "")
        for _, v in ctx.volumes
    )


def _destination_is(expected: str, hit: Hit, ctx: Any) -> bool:
    return getattr(ctx, "destination", DEFAULT_DESTINATION) == expected


def _host_network_is(expected: bool, hit: Hit, ctx: Any) -> bool:
    return isinstance(ctx, WorkloadContext) and (ctx.pod.spec.get("hostNetwork") is True) == expected


def _image_current(minimum: str, hit: Hit, ctx: Any) -> bool:
    return image_current(_image(hit), minimum)


def _destination(value: Any) -> str:
    text = STR.convert(value)
    if text not in DESTINATIONS:
        raise SchemaError(f"{text!r} is not a destination ({', '.join(DESTINATIONS)})")
    return str(text)


def _version(value: Any) -> str:
    text = STR.convert(value)
    try:
        Version(text)
    except InvalidVersion:
        raise SchemaError(f"{text!r} is not a version such as 1.2.3") from None
    return str(text)


def _path_matcher(value: Any) -> PathMatcher:
    return PathMatcher.from_params(mapping({p.name: p.type for p in PATH_PARAMS}).convert(value))


VERSION = ParamType("version", _version)
PATH_SET = ParamType("paths/prefixes/basenames/globs", _path_matcher)
DOCKER_CONDITIONS: tuple[Condition, ...] = (
    Condition("podMentions", REGEX, "any env name=value, command or arg in the pod matches", _pod_mentions),
    Condition("containerArgs", REGEX, "the hit's container's command, args or env match", _container_args),
    Condition("containerEnv", REGEX_MAP, "the hit's container sets each variable to a matching value", _container_env),
    Condition("configMapMentions", REGEX, "a scanned ConfigMap the workload uses matches", _configmap_mentions),
    Condition("podImages", REGEX, "any container image of the pod matches", _pod_images),
    Condition("imageMatches", REGEX, "the hit's container image matches", _image_matches),
    Condition(
        "imageAtLeast", ParamType("version", _version), "the hit's image tag is this version or newer", _image_at_least
    ),
    Condition(
        "imageCurrent",
        ParamType("version", _version),
        "the hit's image is this version or newer, or its tag names no version (`latest`, none, a floating"
        " major such as `7` for 7.27) and so resolves to a current release",
        _image_current,
    ),
    Condition("destination", ParamType("rke2|containerd", _destination), "the scan's --destination", _destination_is),
    Condition("hostNetwork", BOOL, "the pod uses (true) or does not use (false) the node's network", _host_network_is),
    Condition("privileged", BOOL, "the hit's container is (true) or is not (false) privileged", _privileged_is),
    Condition(
        "podHostPath",
        ParamType("path set", _path_matcher),
        "another hostPath volume of the pod matches (paths, prefixes, basenames, globs)",
        _pod_host_path,
    ),
)


def _image(hit: Hit) -> str:
    return as_str(hit.container.spec.get("image")) or "" if hit.container is not None else ""


def _privileged(spec: dict[str, Any]) -> bool:
    ctx = spec.get("securityContext")
    return isinstance(ctx, dict) and ctx.get("privileged") is True


_TAG_VERSION = re.compile(r"^v?(\d+(?:\.\d+){0,3})")


def image_at_least(image: str, minimum: str) -> bool:
    """True when the image tag is a version at or above minimum; false when the tag says no version."""
    ref = image.split("@", 1)[0]
    name_end = ref.rfind("/")
    colon = ref.rfind(":")
    if colon <= name_end:
        return False  # no tag: "latest", unknown version
    match = _TAG_VERSION.match(ref[colon + 1 :])
    if not match:
        return False
    try:
        return Version(match.group(1)) >= Version(minimum)
    except InvalidVersion:
        return False


def _env_matches(spec: dict[str, Any], name: str, pattern: re.Pattern[str]) -> bool:
    for env in spec.get("env") or []:
        if isinstance(env, dict) and env.get("name") == name:
            return bool(pattern.search(as_str(env.get("value")) or ""))
    return False


def image_current(image: str, minimum: str) -> bool:
    """True when the image runs minimum or newer as far as its tag says.

    A tag without a version (none, `latest`, `stable`) resolves to a current release, and so does a
    floating tag that names fewer components than minimum and agrees with them (`7` for 7.27).
    """
    ref = image.split("@", 1)[0]
    colon = ref.rfind(":")
    if colon <= ref.rfind("/"):
        return True
    match = _TAG_VERSION.match(ref[colon + 1 :])
    if not match:
        return True
    try:
        tag, floor = Version(match.group(1)), Version(minimum)
    except InvalidVersion:
        return True
    if tag >= floor:
        return True
    given = len(match.group(1).split("."))
    return given < len(floor.release) and tag.release[:given] == floor.release[:given]
