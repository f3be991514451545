"""postgres_cluster through ansible-playbook against the real kube-apiserver.

Create, a second run that writes nothing, a spec change that produces exactly the
expected patch, check mode, diff mode, bad input, delete keeping PVCs, and
garbage collection through owner references.
"""

import copy
import os
import sys
import time

import pytest
import yaml
from kubernetes import client as k8s

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from playbook_runner import ROOT, run_module  # noqa: E402
from reconcile_helpers import resource_versions  # noqa: E402

MINIMAL = os.path.join(ROOT, "manifests", "examples", "minimal-postgres-manifest.yaml")
CRDS = os.path.join(ROOT, "manifests", "crds")
NAME = "acid-minimal-cluster"
SECRET_NAMES = ["postgres", "standby", "foo-user", "zalando"]


def load_minimal(namespace):
    with open(MINIMAL) as handle:
        manifest = yaml.safe_load(handle)
    manifest["metadata"]["namespace"] = namespace
    return manifest


def wait_for(predicate, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out waiting for " + what)


@pytest.fixture(scope="module")
def crds(api_client):
    """The postgresql and OperatorConfiguration CRDs, installed once."""
    ext = k8s.ApiextensionsV1Api(api_client)
    for name in sorted(os.listdir(CRDS)):
        with open(os.path.join(CRDS, name)) as handle:
            crd = yaml.safe_load(handle)
        try:
            ext.create_custom_resource_definition(crd)
        except k8s.ApiException as exc:
            if exc.status != 409:
                raise

    def established():
        crd = ext.read_custom_resource_definition("postgresqls.acid.zalan.do")
        return any(c.type == "Established" and c.status == "True" for c in (crd.status.conditions or []))
    wait_for(established, "the postgresql CRD to be established")
    return True


def store_cr(api_client, manifest):
    """Create the postgresql resource itself; returns it."""
    custom = k8s.CustomObjectsApi(api_client)
    return custom.create_namespaced_custom_object("acid.zalan.do", "v1", manifest["metadata"]["namespace"], "postgresqls", manifest)


def test_create_then_no_op_then_patch(kubeconfig, api_client, namespace, crds):
    manifest = load_minimal(namespace)
    args = {"definition": manifest, "namespace": namespace}

    first = run_module("postgres_cluster", args, kubeconfig)
    assert not first.failed, first.output
    assert first.result["changed"] is True
    created = sorted((a["kind"], a["name"]) for a in first.result["actions"] if a["action"] == "create")
    assert ("StatefulSet", NAME) in created
    assert ("Service", NAME) in created and ("Service", NAME + "-repl") in created
    assert ("PodDisruptionBudget", "postgres-%s-pdb" % NAME) in created

    apps, core = k8s.AppsV1Api(api_client), k8s.CoreV1Api(api_client)
    sts = apps.read_namespaced_stateful_set(NAME, namespace)
    assert sts.spec.replicas == 2
    assert sts.spec.update_strategy.type == "OnDelete"
    assert sts.spec.selector.match_labels == {"application": "spilo", "cluster-name": NAME}
    for user in SECRET_NAMES:
        secret = core.read_namespaced_secret("%s.%s.credentials.postgresql.acid.zalan.do" % (user, NAME), namespace)
        assert set(secret.data) >= {"username", "password"}
    master = core.read_namespaced_service(NAME, namespace)
    assert master.spec.selector == {"application": "spilo", "cluster-name": NAME, "spilo-role": "master"}
    # the ConfigMap default of enable_master_load_balancer is true (reference §3.3), locked to localhost
    assert master.spec.type == "LoadBalancer"
    assert master.spec.load_balancer_source_ranges == ["127.0.0.1/32"]
    assert core.read_namespaced_service(NAME + "-repl", namespace).spec.type == "ClusterIP"

    before = resource_versions(api_client, namespace, events=False)
    second = run_module("postgres_cluster", args, kubeconfig)
    assert not second.failed, second.output
    assert second.result["changed"] is False, second.result["actions"]
    assert second.result["actions"] == []
    assert second.result["api_requests"]["write"] == 0
    assert resource_versions(api_client, namespace, events=False) == before

    scaled = copy.deepcopy(manifest)
    scaled["spec"]["numberOfInstances"] = 3
    third = run_module("postgres_cluster", dict(args, definition=scaled), kubeconfig)
    assert not third.failed, third.output
    assert [(a["kind"], a["name"], a["action"]) for a in third.result["actions"]] == [("StatefulSet", NAME, "patch")]
    assert apps.read_namespaced_stateful_set(NAME, namespace).spec.replicas == 3
    assert third.result["rolling_update_pods"] == []


def test_password_in_existing_secret_is_kept(kubeconfig, api_client, namespace, crds):
    core = k8s.CoreV1Api(api_client)
    name = "foo-user.%s.credentials.postgresql.acid.zalan.do" % NAME
    core.create_namespaced_secret(namespace, k8s.V1Secret(
        metadata=k8s.V1ObjectMeta(name=name), string_data={"username": "foo_user", "password": "chosen-by-the-user"}))
    result = run_module("postgres_cluster", {"definition": load_minimal(namespace), "namespace": namespace}, kubeconfig)
    assert not result.failed, result.output
    secret = core.read_namespaced_secret(name, namespace)
    import base64
    assert base64.b64decode(secret.data["password"]).decode() == "chosen-by-the-user"
    assert "chosen-by-the-user" not in result.output


def test_check_mode_writes_nothing_and_diff_redacts_secrets(kubeconfig, api_client, namespace, crds):
    args = {"definition": load_minimal(namespace), "namespace": namespace}
    result = run_module("postgres_cluster", args, kubeconfig, check=True, diff=True)
    assert not result.failed, result.output
    assert result.result["changed"] is True
    assert k8s.AppsV1Api(api_client).list_namespaced_stateful_set(namespace).items == []
    assert k8s.CoreV1Api(api_client).list_namespaced_secret(namespace, label_selector="application=spilo").items == []
    after = result.result["diff"]["after"]
    secrets = [v for k, v in after.items() if k.startswith("Secret/")]
    assert secrets and all(set(s["data"].values()) == {"<redacted>"} for s in secrets)


def test_image_change_flags_pods_for_rolling_update(kubeconfig, api_client, namespace, crds):
    manifest = load_minimal(namespace)
    manifest["spec"]["numberOfInstances"] = 1
    args = {"definition": manifest, "namespace": namespace}
    assert not run_module("postgres_cluster", args, kubeconfig).failed
    core = k8s.CoreV1Api(api_client)
    # kube-controller-manager's StatefulSet controller creates pod 0 (it stays Pending: no kubelet).
    wait_for(lambda: core.list_namespaced_pod(namespace, label_selector="cluster-name=" + NAME).items, "pod 0")

    changed = copy.deepcopy(manifest)
    changed["spec"]["dockerImage"] = "registry.example.com/spilo:next"
    result = run_module("postgres_cluster", dict(args, definition=changed), kubeconfig)
    assert not result.failed, result.output
    assert result.result["rolling_update_pods"] == [NAME + "-0"]
    reasons = " ".join(a["reason"] for a in result.result["actions"])
    assert "image" in reasons
    pod = core.read_namespaced_pod(NAME + "-0", namespace)
    assert pod.metadata.annotations["zalando-postgres-operator-rolling-update-required"] == "true"
    sts = k8s.AppsV1Api(api_client).read_namespaced_stateful_set(NAME, namespace)
    assert sts.spec.template.spec.containers[0].image == "registry.example.com/spilo:next"


def test_invalid_manifest_names_the_field(kubeconfig, namespace, crds):
    manifest = load_minimal(namespace)
    manifest["spec"]["volume"]["size"] = "lots"
    result = run_module("postgres_cluster", {"definition": manifest, "namespace": namespace}, kubeconfig)
    assert result.result.get("failed") is True
    assert "spec.volume.size" in result.result["msg"]
    assert "Traceback" not in result.output


def test_delete_keeps_volumes_by_default(kubeconfig, api_client, namespace, crds):
    manifest = load_minimal(namespace)
    manifest["spec"]["numberOfInstances"] = 1
    args = {"definition": manifest, "namespace": namespace}
    assert not run_module("postgres_cluster", args, kubeconfig).failed
    core = k8s.CoreV1Api(api_client)
    pvc_name = "pgdata-%s-0" % NAME
    wait_for(lambda: [p for p in core.list_namespaced_persistent_volume_claim(namespace).items if p.metadata.name == pvc_name], "the PVC")

    result = run_module("postgres_cluster", dict(args, state="absent"), kubeconfig)
    assert not result.failed, result.output
    deleted = set((a["kind"], a["name"]) for a in result.result["actions"] if a["action"] == "delete")
    assert ("StatefulSet", NAME) in deleted and ("Service", NAME) in deleted
    assert k8s.AppsV1Api(api_client).list_namespaced_stateful_set(namespace).items == []
    assert core.list_namespaced_service(namespace, label_selector="cluster-name=" + NAME).items == []
    assert [p.metadata.name for p in core.list_namespaced_persistent_volume_claim(namespace).items] == [pvc_name]
    again = run_module("postgres_cluster", dict(args, state="absent"), kubeconfig)
    assert again.result["changed"] is False, again.result["actions"]


def test_owner_references_let_the_garbage_collector_delete(kubeconfig, api_client, namespace, crds):
    manifest = load_minimal(namespace)
    manifest["spec"]["numberOfInstances"] = 0
    stored = store_cr(api_client, manifest)
    result = run_module("postgres_cluster", {"name": NAME, "namespace": namespace, "operator_config": {"enable_owner_references": True}}, kubeconfig)
    assert not result.failed, result.output
    apps = k8s.AppsV1Api(api_client)
    sts = apps.read_namespaced_stateful_set(NAME, namespace)
    assert [(r.kind, r.uid, r.controller) for r in sts.metadata.owner_references] == [("postgresql", stored["metadata"]["uid"], True)]

    k8s.CustomObjectsApi(api_client).delete_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", NAME)
    wait_for(lambda: not apps.list_namespaced_stateful_set(namespace).items, "the garbage collector to delete the StatefulSet", timeout=120)
    core = k8s.CoreV1Api(api_client)
    wait_for(lambda: not core.list_namespaced_service(namespace, label_selector="cluster-name=" + NAME).items, "the Services to go", timeout=120)
