"""The version matrix: typed access to the data files in rules/versions/."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from assessor.model.kversion import KubeVersion, Minor, rke_version_key
from assessor.model.yamlloader import Loader
from assessor.paths import rules_dir


class MatrixError(ValueError):
    """A data file in rules/versions/ is malformed."""


@dataclass(frozen=True, slots=True)
class RkeRelease:
    version: str
    date: str
    default: KubeVersion
    kubernetes: dict[Minor, KubeVersion]  # newest patch per minor that this release lists as current
    # Every kubernetes_version `rke up` accepts (rke-accepted.yaml). For a release whose data was not decoded it
    # is only the current versions above, and decoded is False.
    accepts: frozenset[str] = frozenset()
    decoded: bool = False

    def accepted_in(self, minor: Minor) -> list[str]:
        """The versions of minor this release accepts, newest first."""
        return sorted((v for v in self.accepts if _minor_of(v) == minor), key=kube_key, reverse=True)

    def lists_as_current(self, version: str) -> bool:
        return any(v.text == version for v in self.kubernetes.values())

    @property
    def prerelease(self) -> bool:
        return "-rc" in self.version

    @property
    def line(self) -> str:
        return ".".join(self.version.lstrip("v").split(".")[:2])


@dataclass(frozen=True, slots=True)
class ApiRemoval:
    api_version: str
    kind: str
    removed_in: Minor
    replacement: str | None
    available_since: Minor | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Rke2Line:
    minor: Minor
    first: str
    last: str


@dataclass(slots=True)
class Matrix:
    rke_releases: list[RkeRelease]
    docker_accepted: list[tuple[Minor, Minor, list[str]]]
    docker_first_rke: dict[str, str]
    cri_dockerd: dict[str, Any]
    gates: list[dict[str, Any]]
    end_of_life: str
    end_of_life_note: str
    upgrade_strategy_defaults: dict[str, Any]
    rke2: list[Rke2Line]
    rke2_socket: str
    api_removals: list[ApiRemoval]
    kubelet_older: list[dict[str, Any]]
    removed_kubelet_flags: list[dict[str, Any]]
    psp_removed_in: Minor
    dockershim_removed_in: Minor
    removed_volume_plugins: list[dict[str, Any]]
    # built on first use: removal_for runs once per object, and the clusters this is for are big
    _removals_by_api: dict[tuple[str, str], ApiRemoval] | None = field(default=None, repr=False, compare=False)
    sources: dict[str, str] = field(default_factory=dict)

    # --- RKE1 -------------------------------------------------------------------------

    def stable_releases(self) -> list[RkeRelease]:
        return [r for r in self.rke_releases if not r.prerelease]

    def release(self, version: str) -> RkeRelease | None:
        key = rke_version_key(version)
        return next((r for r in self.rke_releases if rke_version_key(r.version) == key), None)

    def releases_carrying(self, minor: Minor) -> list[RkeRelease]:
        """Releases that list minor as current (what `rke config --list-version --all` shows)."""
        return [r for r in self.stable_releases() if minor in r.kubernetes]

    def releases_accepting(self, version: str) -> list[RkeRelease]:
        """Stable releases whose own data carries exactly this kubernetes_version, oldest first."""
        return [r for r in self.stable_releases() if version in r.accepts]

    def newest_rke1_minor(self) -> Minor:
        return max(m for r in self.stable_releases() for m in r.kubernetes)

    def oldest_rke1_minor(self) -> Minor:
        return min(m for r in self.rke_releases for m in r.kubernetes)

    def docker_lines_for(self, minor: Minor) -> list[str] | None:
        for low, high, lines in self.docker_accepted:
            if low <= minor <= high:
                return lines
        return None

    # --- RKE2 and Kubernetes ----------------------------------------------------------------

    def rke2_line(self, minor: Minor) -> Rke2Line | None:
        return next((line for line in self.rke2 if line.minor == minor), None)

    def kubelet_skew(self, control_plane: Minor, kubelet: Minor) -> int:
        """How many minors a kubelet may lag behind this control plane."""
        allowed = 2
        for rule in self.kubelet_older:
            if control_plane >= Minor.parse(str(rule["control_plane_from"])):
                allowed = int(rule["max"])
                floor = rule.get("kubelet_at_least")
                if floor and kubelet < Minor.parse(str(floor)):
                    allowed = int(rule.get("otherwise", allowed))
        return allowed

    def removals_in(self, minor: Minor) -> list[ApiRemoval]:
        return [r for r in self.api_removals if r.removed_in == minor]

    def removal_for(self, api_version: str, kind: str) -> ApiRemoval | None:
        return self.removal_index().get((api_version, kind))

    def removal_index(self) -> dict[tuple[str, str], ApiRemoval]:
        """Removals by (apiVersion, kind)."""
        if self._removals_by_api is None:
            self._removals_by_api = {(r.api_version, r.kind): r for r in self.api_removals}
        return self._removals_by_api


def _load(name: str, base: Path) -> dict[str, Any]:
    path = base / name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise MatrixError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or not data.get("source") or not data.get("compiled"):
        raise MatrixError(f"{path}: every version data file names its source and the date it was compiled")
    return data


def kube_key(text: str) -> tuple[int, ...]:
    """Order of RKE's kubernetes_version strings: v1.22.17-rancher1-2 < v1.22.17-rancher1-10."""
    return tuple(int(n) for n in re.findall(r"\d+", text))


def _minor_of(text: str) -> Minor | None:
    match = re.match(r"^v(\d+)\.(\d+)\.", text)
    return Minor(int(match.group(1)), int(match.group(2))) if match else None


def _accepted(doc: dict[str, Any], base: Path) -> dict[str, set[str]]:
    """rke-accepted.yaml as release -> the kubernetes_version strings it accepts."""
    order = [str(r) for r in doc["releases"]]
    index = {r: i for i, r in enumerate(order)}
    out: dict[str, set[str]] = {r: set() for r in order}
    for version, ranges in doc["accepted_by"].items():
        KubeVersion.parse(version)
        for item in ranges:
            first, _, last = str(item).partition("..")
            if first not in index or (last or first) not in index:
                raise MatrixError(f"{base / 'rke-accepted.yaml'}: {version}: {item} names a release not in releases")
            for r in order[index[first] : index[last or first] + 1]:
                out[r].add(str(version))
    return out


def _range(text: str) -> tuple[Minor, Minor]:
    low, _, high = str(text).partition("-")
    return Minor.parse(low), Minor.parse(high or low)


@cache
def load_matrix(directory: Path | None = None) -> Matrix:
    base = directory or rules_dir() / "versions"
    releases_doc = _load("rke-releases.yaml", base)
    policy = _load("rke-policy.yaml", base)
    kube = _load("kubernetes.yaml", base)
    rke2 = _load("rke2.yaml", base)
    apis = _load("api-removals.yaml", base)
    accepted_doc = _load("rke-accepted.yaml", base)
    try:
        accepted = _accepted(accepted_doc, base)
        releases = []
        for r in releases_doc["releases"]:
            versions = [KubeVersion.parse(v) for v in r["kubernetes"]]
            version = str(r["version"])
            current = {v.text for v in versions} | {str(r["default"])}
            releases.append(
                RkeRelease(
                    version,
                    str(r["date"]),
                    KubeVersion.parse(r["default"]),
                    {v.minor_version: v for v in versions},
                    frozenset(accepted.get(version, current)),
                    version in accepted,
                )
            )
        unknown = set(accepted) - {r.version for r in releases}
        if unknown:
            raise MatrixError(f"{base / 'rke-accepted.yaml'}: releases not in rke-releases.yaml: {sorted(unknown)}")
        releases.sort(key=lambda r: rke_version_key(r.version))
        return Matrix(
            rke_releases=releases,
            docker_accepted=[(*_range(d["kubernetes"]), [str(x) for x in d["accepted"]]) for d in policy["docker"]],
            docker_first_rke={str(k): str(v) for k, v in policy["docker_first_rke"].items()},
            cri_dockerd=dict(policy["cri_dockerd"]),
            gates=list(policy["gates"]),
            end_of_life=str(policy["end_of_life"]),
            end_of_life_note=str(policy["end_of_life_note"]),
            upgrade_strategy_defaults=dict(policy["upgrade_strategy_defaults"]),
            rke2=[Rke2Line(Minor.parse(str(x["minor"])), str(x["first"]), str(x["last"])) for x in rke2["releases"]],
            rke2_socket=str(rke2["containerd_socket"]),
            api_removals=[
                ApiRemoval(
                    str(a["apiVersion"]),
                    str(a["kind"]),
                    Minor.parse(str(a["removed_in"])),
                    a.get("replacement"),
                    Minor.parse(str(a["available_since"])) if a.get("available_since") else None,
                    a.get("note"),
                )
                for a in apis["removals"]
            ],
            kubelet_older=list(kube["skew"]["kubelet_older"]),
            removed_kubelet_flags=list(kube["removed_kubelet_flags"]),
            psp_removed_in=Minor.parse(str(kube["pod_security_policy"]["removed_in"])),
            dockershim_removed_in=Minor.parse(str(kube["dockershim"]["removed_in"])),
            removed_volume_plugins=list(kube["removed_volume_plugins"]),
            sources={
                name: f"{doc['source']} (compiled {doc['compiled']})"
                for name, doc in (
                    ("rke-releases", releases_doc),
                    ("rke-accepted", accepted_doc),
                    ("rke-policy", policy),
                    ("kubernetes", kube),
                    ("rke2", rke2),
                    ("api-removals", apis),
                )
            },
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MatrixError(f"{base}: malformed version data: {exc}") from None
