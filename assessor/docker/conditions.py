"""`adjust` conditions: when a hit is worse, milder, or not a finding at all."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from packaging.version import InvalidVersion, Version

from assessor.engine.context import WorkloadContext, as_str, container_strings
from assessor.engine.hostpaths import PathMatcher
from assessor.engine.templates import Context, Hit
from assessor.model.kversion import Minor


@lru_cache(maxsize=512)
def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def holds(when: dict[str, Any], hit: Hit, ctx: Context) -> bool:
    return all(_holds_one(key, expected, hit, ctx) for key, expected in when.items())


def _holds_one(key: str, expected: Any, hit: Hit, ctx: Context) -> bool:
    if key == "not":
        return not holds(expected, hit, ctx)
    if key == "any":
        return any(holds(item, hit, ctx) for item in expected)
    if key == "podMentions":
        return isinstance(ctx, WorkloadContext) and bool(_re(str(expected)).search(ctx.text))
    if key == "containerArgs":
        if hit.container is None:
            return False
        return bool(_re(str(expected)).search("\n".join(container_strings(hit.container.spec))))
    if key == "containerEnv":
        return hit.container is not None and all(
            _env_matches(hit.container.spec, str(name), str(pattern)) for name, pattern in expected.items()
        )
    if key == "rkeFieldSet":
        config = getattr(ctx, "config", None)
        return config is not None and config.get(*str(expected).split(".")) is not None
    if key == "targetAtLeast":
        target = getattr(ctx, "target", None)
        return target is not None and target >= Minor.parse(str(expected))
    if key == "configMapMentions":
        return isinstance(ctx, WorkloadContext) and bool(_re(str(expected)).search(ctx.configmap_text))
    if key == "podImages":
        return isinstance(ctx, WorkloadContext) and any(
            _re(str(expected)).search(as_str(c.spec.get("image")) or "") for c in ctx.containers
        )
    if key == "imageMatches":
        return bool(_re(str(expected)).search(_image(hit)))
    if key == "imageAtLeast":
        return image_at_least(_image(hit), str(expected))
    if key == "privileged":
        return hit.container is not None and _privileged(hit.container.spec) == bool(expected)
    if key == "podHostPath":
        if not isinstance(ctx, WorkloadContext):
            return False
        matcher = PathMatcher.from_params(expected)
        return any(
            isinstance(v.get("hostPath"), dict) and matcher.matches(as_str(v["hostPath"].get("path")) or "")
            for _, v in ctx.volumes
        )
    actual = hit.facts.get(key)
    if isinstance(expected, str) and isinstance(actual, str):
        return actual.lower() == expected.lower()
    return bool(actual == expected)


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


def _env_matches(spec: dict[str, Any], name: str, pattern: str) -> bool:
    for env in spec.get("env") or []:
        if isinstance(env, dict) and env.get("name") == name:
            return bool(_re(pattern).search(as_str(env.get("value")) or ""))
    return False
