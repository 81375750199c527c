"""Parse the version strings this domain uses: v1.21.6-rancher1-1, v1.24.17+rke2r1, 1.14, docker://19.3.1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_K8S = re.compile(
    r"^v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?"
    r"(?P<pre>-(?:alpha|beta|rc)\.?\d*)?(?P<suffix>[-+][0-9A-Za-z.+-]*)?$"
)
_DOCKER = re.compile(r"^(?:docker://)?v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?(?P<rest>[-+~].*)?$")


class VersionError(ValueError):
    """A version string that cannot be read; the message says what was expected."""


@total_ordering
@dataclass(frozen=True, slots=True)
class Minor:
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Minor:
        v = KubeVersion.parse(text)
        return cls(v.major, v.minor)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Minor):
            return NotImplemented
        return (self.major, self.minor) < (other.major, other.minor)

    def next(self) -> Minor:
        return Minor(self.major, self.minor + 1)

    def minus(self, other: Minor) -> int:
        """Minors between two versions of the same major (1.21 - 1.14 = 7)."""
        return (self.minor - other.minor) + 100 * (self.major - other.major)


@dataclass(frozen=True, slots=True)
class KubeVersion:
    """A Kubernetes version as RKE, RKE2 and kubelets spell it."""

    major: int
    minor: int
    patch: int | None
    prerelease: str | None
    suffix: str | None  # -rancher1-1, +rke2r1, +k3s1, -eks-…
    text: str

    @classmethod
    def parse(cls, text: object) -> KubeVersion:
        if not isinstance(text, str) or not text.strip():
            raise VersionError(f"expected a Kubernetes version like v1.21.6-rancher1-1, got {text!r}")
        raw = text.strip()
        match = _K8S.match(raw)
        if not match:
            raise VersionError(
                f"{raw!r} is not a Kubernetes version (expected forms: v1.21.6, v1.21.6-rancher1-1, v1.24.17+rke2r1)"
            )
        patch = match.group("patch")
        return cls(
            major=int(match.group("major")),
            minor=int(match.group("minor")),
            patch=int(patch) if patch is not None else None,
            prerelease=(match.group("pre") or "")[1:] or None,
            suffix=match.group("suffix") or None,
            text=raw,
        )

    @property
    def minor_version(self) -> Minor:
        return Minor(self.major, self.minor)

    @property
    def distribution(self) -> str | None:
        s = self.suffix or ""
        if "rke2" in s:
            return "rke2"
        if "rancher" in s:
            return "rke1"
        if "k3s" in s:
            return "k3s"
        return None

    def sort_key(self) -> tuple[int, int, int, int, str]:
        return (self.major, self.minor, self.patch or 0, 0 if self.prerelease else 1, self.suffix or "")

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class DockerVersion:
    major: int
    minor: int
    patch: int | None
    text: str

    @classmethod
    def parse(cls, text: object) -> DockerVersion:
        if not isinstance(text, str):
            raise VersionError(f"expected a Docker version like 20.10.7, got {text!r}")
        match = _DOCKER.match(text.strip())
        if not match:
            raise VersionError(f"{text!r} is not a Docker Engine version (expected e.g. 19.3.1 or docker://20.10.7)")
        patch = match.group("patch")
        return cls(int(match.group("major")), int(match.group("minor")), int(patch) if patch else None, text.strip())

    @property
    def line(self) -> str:
        """Docker's major.minor as RKE compares it: 19.03, 20.10, 23.0 (nodes report 19.3.1 for 19.03.1)."""
        if self.major >= 23 or self.major < 17:
            return f"{self.major}.{self.minor}"
        return f"{self.major}.{self.minor:02d}"


def rke_version_key(text: str) -> tuple[int, int, int, int, int]:
    """Sort key for RKE release tags (v1.3.13, v1.7.0-rc.3)."""
    match = re.match(r"^v?(\d+)\.(\d+)\.(\d+)(?:-rc\.?(\d+))?$", text.strip())
    if not match:
        raise VersionError(f"{text!r} is not an RKE release (expected e.g. v1.3.2)")
    major, minor, patch, rc = match.groups()
    return (int(major), int(minor), int(patch), 0 if rc else 1, int(rc or 0))
