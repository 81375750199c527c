"""Host path normalisation, so /var/run/docker.sock, /run//docker.sock/ and /run/docker.sock are one path."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

_SLASHES = re.compile(r"/+")


def normalise(path: str) -> str:
    p = path.strip()
    if p.startswith("\\\\") or p.lower().startswith("//./pipe/"):
        return p.replace("/", "\\").lower()  # a Windows named pipe
    p = _SLASHES.sub("/", p)
    if len(p) > 1:
        p = p.rstrip("/")
    # /var/run is a symlink to /run on every current distribution.
    if p == "/var/run" or p.startswith("/var/run/"):
        p = "/run" + p[len("/var/run") :]
    return p


def basename(normalised: str) -> str:
    sep = "\\" if normalised.startswith("\\\\") else "/"
    return normalised.rsplit(sep, 1)[-1]


@dataclass(frozen=True, slots=True)
class PathMatcher:
    paths: frozenset[str]
    prefixes: tuple[str, ...]
    basenames: frozenset[str]
    globs: tuple[str, ...]
    exclude_prefixes: tuple[str, ...]

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> PathMatcher:
        def norm_list(key: str) -> list[str]:
            return [normalise(str(p)) for p in params.get(key) or []]

        return cls(
            paths=frozenset(norm_list("paths")),
            prefixes=tuple(norm_list("prefixes")),
            basenames=frozenset(str(b).lower() for b in params.get("basenames") or []),
            globs=tuple(norm_list("globs")),
            exclude_prefixes=tuple(norm_list("exclude_prefixes")),
        )

    def matches(self, raw_path: str) -> bool:
        p = normalise(raw_path)
        if any(_within(p, ex) for ex in self.exclude_prefixes):
            return False
        return (
            p in self.paths
            or any(_within(p, pre) for pre in self.prefixes)
            or basename(p).lower() in self.basenames
            or any(fnmatch.fnmatchcase(p, g) for g in self.globs)
        )


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")
