"""The version matrix data and the upgrade-path planner."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assessor.model.kversion import DockerVersion, KubeVersion, Minor, VersionError
from assessor.model.problems import Problems
from assessor.paths import rules_dir
from assessor.sources.rke import load_rke_config
from assessor.versions.assessment import VersionInputs, current_state
from assessor.versions.current import CurrentState
from assessor.versions.hoppath import build_hop_path
from assessor.versions.matrix import load_matrix
from tests.conftest import FIXTURES

# The deprecation guide's removals from v1.16 to v1.32, written out independently of
# rules/versions/api-removals.yaml: (group/version, kind, removed in).
GUIDE: set[tuple[str, str, str]] = {
    *{
        ("extensions/v1beta1", k, "1.16")
        for k in ("NetworkPolicy", "DaemonSet", "Deployment", "ReplicaSet", "PodSecurityPolicy")
    },
    ("apps/v1beta2", "DaemonSet", "1.16"),
    *{(gv, k, "1.16") for gv in ("apps/v1beta1", "apps/v1beta2") for k in ("Deployment", "ReplicaSet", "StatefulSet")},
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", "1.22"),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", "1.22"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.22"),
    ("apiregistration.k8s.io/v1beta1", "APIService", "1.22"),
    ("authentication.k8s.io/v1beta1", "TokenReview", "1.22"),
    *{
        ("authorization.k8s.io/v1beta1", k, "1.22")
        for k in (
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
            "SubjectAccessReview",
            "SelfSubjectRulesReview",
        )
    },
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest", "1.22"),
    ("coordination.k8s.io/v1beta1", "Lease", "1.22"),
    ("extensions/v1beta1", "Ingress", "1.22"),
    ("networking.k8s.io/v1beta1", "Ingress", "1.22"),
    ("networking.k8s.io/v1beta1", "IngressClass", "1.22"),
    *{
        ("rbac.authorization.k8s.io/v1beta1", k, "1.22")
        for k in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
    },
    ("scheduling.k8s.io/v1beta1", "PriorityClass", "1.22"),
    *{("storage.k8s.io/v1beta1", k, "1.22") for k in ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")},
    ("batch/v1beta1", "CronJob", "1.25"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", "1.25"),
    ("events.k8s.io/v1beta1", "Event", "1.25"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.25"),
    ("policy/v1beta1", "PodDisruptionBudget", "1.25"),
    ("policy/v1beta1", "PodSecurityPolicy", "1.25"),
    ("node.k8s.io/v1beta1", "RuntimeClass", "1.25"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "1.26"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", "1.26"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.27"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.29"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "PriorityLevelConfiguration", "1.29"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.32"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", "1.32"),
}
# removals the guide omits, each from a kubernetes CHANGELOG (rules/versions/api-removals.yaml names them)
BEYOND_GUIDE = {
    *(
        ("rbac.authorization.k8s.io/v1alpha1", k, "1.23")
        for k in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
    ),
    ("scheduling.k8s.io/v1alpha1", "PriorityClass", "1.23"),
    ("audit.k8s.io/v1alpha1", "Policy", "1.24"),
    ("audit.k8s.io/v1beta1", "Policy", "1.24"),
}
SEED_YML = FIXTURES / "rke" / "seed-cluster.yml"


def test_removed_api_table_matches_the_deprecation_guide() -> None:
    assert len(GUIDE) == 50
    table = {(r.api_version, r.kind, str(r.removed_in)) for r in load_matrix().api_removals}
    assert table == GUIDE | BEYOND_GUIDE


def test_every_version_data_file_names_its_source_and_date() -> None:
    for path in sorted((rules_dir() / "versions").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        assert data.get("source") and data.get("compiled"), path.name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v1.21.6-rancher1-1", (1, 21, 6, "rke1")),
        ("v1.24.17+rke2r1", (1, 24, 17, "rke2")),
        ("v1.14.6", (1, 14, 6, None)),
        ("1.25", (1, 25, None, None)),
        ("v1.28.9+k3s1", (1, 28, 9, "k3s")),
        ("v1.10.1-rancher1", (1, 10, 1, "rke1")),
    ],
)
def test_versions_parse(text: str, expected: tuple[int, int, int | None, str | None]) -> None:
    v = KubeVersion.parse(text)
    assert (v.major, v.minor, v.patch, v.distribution) == expected


@pytest.mark.parametrize("text", ["latest", "v1", "1.x", "", "rancher1-1", "v1.21.6 rancher", 1.21])
def test_odd_versions_are_clear_errors(text: object) -> None:
    with pytest.raises(VersionError, match="Kubernetes version"):
        KubeVersion.parse(text)


@pytest.mark.parametrize(
    ("runtime", "line"),
    [("docker://19.3.1", "19.03"), ("docker://20.10.24", "20.10"), ("24.0.7", "24.0"), ("docker://1.13.1", "1.13")],
)
def test_docker_lines(runtime: str, line: str) -> None:
    assert DockerVersion.parse(runtime).line == line


@pytest.mark.parametrize(
    ("minor", "first", "last"),
    [
        ("1.14", "v1.0.0", "v1.0.1"),
        ("1.21", "v1.3.0", "v1.3.24"),
        ("1.23", "v1.3.8", "v1.4.22"),
        ("1.24", "v1.3.13", "v1.4.22"),
        ("1.25", "v1.4.4", "v1.5.14"),
        ("1.30", "v1.6.0", "v1.6.3"),
    ],
)
def test_first_and_last_rke_release_per_minor(minor: str, first: str, last: str) -> None:
    releases = load_matrix().releases_carrying(Minor.parse(minor))
    assert (releases[0].version, releases[-1].version) == (first, last)


def test_skew_policy() -> None:
    m = load_matrix()
    assert m.kubelet_skew(Minor(1, 27), Minor(1, 25)) == 2
    assert m.kubelet_skew(Minor(1, 28), Minor(1, 25)) == 3
    assert m.kubelet_skew(Minor(1, 28), Minor(1, 24)) == 2


def _seed_plan(target: str | None, direct: bool = False) -> tuple[CurrentState, object]:
    config = load_rke_config(str(SEED_YML))
    state = current_state(load_matrix(), VersionInputs(config=config, rke_version="v1.3.2"), None, Problems())
    return state, build_hop_path(load_matrix(), state, Minor.parse(target) if target else None, direct=direct)


def test_a_target_is_a_path_not_a_jump_unless_the_user_says_direct() -> None:
    _, path = _seed_plan("v1.24")
    assert not [b for b in path.findings if b.kind == "skipped-minors"]  # type: ignore[attr-defined]
    assert path.skipped_minors == 0  # type: ignore[attr-defined]
    _, direct = _seed_plan("v1.21.6", direct=True)
    [jump] = [b for b in direct.findings if b.kind == "skipped-minors"]  # type: ignore[attr-defined]
    assert "skipping 6 minors (v1.15–v1.20)" in jump.text and "RKE does not stop it" in jump.text
    assert direct.skipped_minors == 6  # type: ignore[attr-defined]


def test_seed_path_to_1_21_is_seven_hops() -> None:
    state, plan = _seed_plan("v1.21.6")
    assert state.kubernetes is not None and state.kubernetes.text == "v1.14.6-rancher1-1"
    rke1 = [h for h in plan.hops if h.platform == "rke1"]  # type: ignore[attr-defined]
    assert [(str(h.from_minor), str(h.to_minor)) for h in rke1] == [
        ("1.14", "1.15"),
        ("1.15", "1.16"),
        ("1.16", "1.17"),
        ("1.17", "1.18"),
        ("1.18", "1.19"),
        ("1.19", "1.20"),
        ("1.20", "1.21"),
    ]
    assert rke1[-1].kubernetes == "v1.21.6-rancher1-1"  # what RKE v1.3.2 itself carries
    # v1.3.2 no longer lists v1.15 but still carries v1.15.12-rancher2-8 in its data: it can run the first hop.
    assert rke1[0].kubernetes == "v1.15.12-rancher2-8"
    assert rke1[0].required_changes[1].startswith("RKE v1.3.2 still accepts v1.15.12-rancher2-8 for upgrades")
    [beyond] = [b for b in plan.findings if b.kind == "dockershim-removed"]  # type: ignore[attr-defined]
    assert "past v1.23" in beyond.text and "cri-dockerd" in beyond.text and "RKE2" in beyond.text
    assert plan.hops[-1].platform == "rke2"  # type: ignore[attr-defined]


def test_default_target_is_newest_rke1_minor_then_rke2() -> None:
    _, plan = _seed_plan(None)
    assert str(plan.target) == "1.30"  # type: ignore[attr-defined]
    hops = plan.hops  # type: ignore[attr-defined]
    assert len(hops) == 17 and hops[-1].platform == "rke2"
    [to_124] = [h for h in hops if str(h.to_minor) == "1.24"]
    assert any("enable_cri_dockerd: true" in c for c in to_124.required_changes)
    assert any(b.kind == "dockershim-removed" for b in to_124.blockers)


def test_missing_kubernetes_version_needs_rke_version(tmp_path: Path) -> None:
    yml = tmp_path / "cluster.yml"
    yml.write_text("nodes:\n  - {address: 10.0.0.1, role: [controlplane, etcd, worker]}\n")
    problems = Problems()
    state = current_state(load_matrix(), VersionInputs(config=load_rke_config(str(yml))), None, problems)
    assert state.kubernetes is None and "no --rke-version" in problems.notes[0].message
    problems = Problems()
    state = current_state(
        load_matrix(), VersionInputs(config=load_rke_config(str(yml)), rke_version="v1.3.2"), None, problems
    )
    assert state.kubernetes is not None and state.kubernetes.text == "v1.21.6-rancher1-1"


# --- every hop names releases that accept the version it sets (issue 13) ---------------------------------------


def _accepted_from_data() -> dict[str, set[str]]:
    """rules/versions/rke-accepted.yaml and rke-releases.yaml read here, independently of the matrix loader."""
    base = rules_dir() / "versions"
    data = yaml.safe_load((base / "rke-accepted.yaml").read_text(encoding="utf-8"))
    order = [str(r) for r in data["releases"]]
    out: dict[str, set[str]] = {r: set() for r in order}
    for version, ranges in data["accepted_by"].items():
        for item in ranges:
            first, _, last = str(item).partition("..")
            for r in order[order.index(first) : order.index(last or first) + 1]:
                out[r].add(version)
    listed = yaml.safe_load((base / "rke-releases.yaml").read_text(encoding="utf-8"))["releases"]
    for r in listed:
        # A release whose data was not decoded is taken to accept only what it lists as current.
        out.setdefault(str(r["version"]), {*r["kubernetes"], r["default"]})
    return out


ACCEPTED = _accepted_from_data()
STABLE = [r.version for r in load_matrix().stable_releases()]


def test_every_release_accepts_what_it_lists_as_current() -> None:
    listed = yaml.safe_load((rules_dir() / "versions" / "rke-releases.yaml").read_text(encoding="utf-8"))["releases"]
    for r in listed:
        assert {*r["kubernetes"], r["default"]} <= ACCEPTED[r["version"]], r["version"]


def _named_releases(hop: object) -> list[str]:
    """Every release a hop names: all of each range, and the one a required change tells the user to run."""
    names: list[str] = []
    for r in hop.rke:  # type: ignore[attr-defined]
        names += STABLE[STABLE.index(r["first"]) : STABLE.index(r["last"]) + 1]
    for change in hop.required_changes:  # type: ignore[attr-defined]
        for marker in ("the rke binary to ", "run this hop with RKE "):
            if marker in change:
                names.append(change.split(marker, 1)[1].split()[0])
    return names


RKE_IN_USE = [None, "v1.0.0", "v1.1.0", "v1.2.0", "v1.3.2", "v1.3.13", "v1.4.0", "v1.4.9", "v1.5.4", "v1.6.3"]


@pytest.mark.parametrize("start", range(14, 30))
def test_every_hop_of_every_path_names_releases_that_accept_its_version(start: int) -> None:
    matrix = load_matrix()
    newest = matrix.newest_rke1_minor()
    for target in range(start + 1, newest.minor + 1):
        for rke in RKE_IN_USE:
            state = CurrentState(KubeVersion.parse(f"v1.{start}.0-rancher1-1"), "cluster.yml", rke, "rke1")
            plan = build_hop_path(matrix, state, Minor(1, target))
            hops = [h for h in plan.hops if h.platform == "rke1"]
            in_use = rke
            assert [h.to_minor.minor for h in hops] == list(range(start + 1, target + 1))
            for hop in hops:
                where = f"v1.{start} → v1.{target}, rke {rke}, hop to v{hop.to_minor}"
                assert hop.kubernetes is not None and hop.rke, where
                assert hop.rke[0]["kubernetes"] == hop.kubernetes, where
                for name in _named_releases(hop):
                    assert hop.kubernetes in ACCEPTED[name], f"{where}: {name} does not accept {hop.kubernetes}"
                changes = [c for c in hop.required_changes if "rke binary to" in c or "run this hop with" in c]
                if changes:
                    # From here on the plan assumes the release this hop names.
                    in_use = _named_releases(hop)[-1]
                elif in_use is not None:
                    assert hop.kubernetes in ACCEPTED[in_use], f"{where}: {in_use} itself must accept it"


@pytest.mark.parametrize(
    ("minor", "version", "first"),
    [
        ("1.15", "v1.15.12-rancher2-8", "v1.1.14"),  # not v1.0.x: they stop at v1.15.12-rancher2-3
        ("1.22", "v1.22.17-rancher1-2", "v1.3.19"),  # not v1.3.3, where v1.22 first appears
        ("1.23", "v1.23.16-rancher2-3", "v1.3.21"),  # not v1.3.8
        ("1.24", "v1.24.17-rancher1-1", "v1.3.24"),  # not v1.3.13
    ],
)
def test_seed_hops_name_the_first_release_that_runs_their_version(minor: str, version: str, first: str) -> None:
    config = load_rke_config(str(SEED_YML))
    state = current_state(load_matrix(), VersionInputs(config=config), None, Problems())
    plan = build_hop_path(load_matrix(), state, Minor.parse("1.24"))
    [hop] = [h for h in plan.hops if str(h.to_minor) == minor and h.platform == "rke1"]
    assert hop.kubernetes == version
    assert hop.rke[0]["first"] == first
    if minor == "1.24":
        assert [r["first"] for r in hop.rke][:2] == ["v1.3.24", "v1.4.9"]


def test_an_old_rke_binary_is_told_the_first_release_that_accepts_the_hop() -> None:
    state = CurrentState(KubeVersion.parse("v1.21.14-rancher1-1"), "cluster.yml", "v1.3.2", "rke1")
    [hop] = [h for h in build_hop_path(load_matrix(), state, Minor(1, 22)).hops if h.platform == "rke1"]
    assert hop.kubernetes == "v1.22.17-rancher1-2"
    assert hop.required_changes[1].startswith(
        "RKE v1.3.2 accepts no v1.22 version: upgrade the rke binary to v1.3.19 ("
    )


def test_the_plan_keeps_the_rke_binary_a_hop_named() -> None:
    """After the binary change at v1.22 the next hops run with v1.3.19, which accepts v1.23 and v1.24 versions."""
    state = CurrentState(KubeVersion.parse("v1.21.14-rancher1-1"), "cluster.yml", "v1.3.2", "rke1")
    hops = [h for h in build_hop_path(load_matrix(), state, Minor(1, 24)).hops if h.platform == "rke1"]
    assert [h.kubernetes for h in hops] == ["v1.22.17-rancher1-2", "v1.23.16-rancher2-1", "v1.24.10-rancher4-1"]
    assert all(h.kubernetes in ACCEPTED["v1.3.19"] for h in hops)
    assert not any("rke binary" in c for h in hops[1:] for c in h.required_changes)


def test_docker_24_is_first_accepted_by_rke_1_4_10() -> None:
    assert load_matrix().docker_first_rke["24.0"] == "v1.4.10"
