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
    assert "no longer lists v1.15" in rke1[0].required_changes[1]  # v1.3.2 cannot do the first hop
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
