"""A reconcile and a deletion under the Zalando operator's own ClusterRole (our copy of its shape,
tests/zalando_shape.py): get but no list on Secrets, Services, PDBs; no update on StatefulSets.
A Zalando installation that only swaps the operator image must create and delete clusters."""

import json
import os
import sys

import pytest

from kubernetes import client as k8s

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
from reconcile_helpers import NAME, create_cr, kube_api, load_minimal, read_cr  # noqa: E402
import zalando_shape  # noqa: E402

from ansible_collections.pgkube.operator.plugins.module_utils.events import EventRecorder  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import reconcile_cluster  # noqa: E402

ACCOUNT = "zalando-operator"


@pytest.fixture(name="zalando_kubeconfig")
def zalando_kubeconfig_fixture(api_client, namespace, kubeconfig, tmp_path, request):
    """A kubeconfig of a ServiceAccount bound to the Zalando-shaped ClusterRole (and its pod role)."""
    core, rbac = k8s.CoreV1Api(api_client), k8s.RbacAuthorizationV1Api(api_client)
    role = zalando_shape.operator_cluster_role()
    role["metadata"]["name"] = "t-" + namespace[:40] + "-zalando"
    pod_role = zalando_shape.pod_cluster_role()
    for body in (role, pod_role):
        try:
            rbac.create_cluster_role(body)
        except k8s.ApiException as exc:
            if exc.status != 409:
                raise
    request.addfinalizer(lambda: rbac.delete_cluster_role(role["metadata"]["name"]))
    core.create_namespaced_service_account(namespace, k8s.V1ServiceAccount(metadata=k8s.V1ObjectMeta(name=ACCOUNT)))
    rbac.create_cluster_role_binding(k8s.V1ClusterRoleBinding(
        metadata=k8s.V1ObjectMeta(name=role["metadata"]["name"]),
        role_ref=k8s.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=role["metadata"]["name"]),
        subjects=[k8s.RbacV1Subject(kind="ServiceAccount", name=ACCOUNT, namespace=namespace)]))
    request.addfinalizer(lambda: rbac.delete_cluster_role_binding(role["metadata"]["name"]))
    token = core.create_namespaced_service_account_token(ACCOUNT, namespace, k8s.AuthenticationV1TokenRequest(
        spec=k8s.V1TokenRequestSpec(audiences=[], expiration_seconds=3600))).status.token
    with open(kubeconfig) as handle:
        admin = json.load(handle)
    admin["users"] = [{"name": ACCOUNT, "user": {"token": token}}]
    admin["contexts"][0]["context"]["user"] = ACCOUNT
    path = tmp_path / "zalando-kubeconfig"
    path.write_text(json.dumps(admin))
    return str(path)


def _cfg():
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": zalando_shape.POD_ACCOUNT},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": zalando_shape.POD_ROLE},
               "subjects": [{"kind": "ServiceAccount", "name": zalando_shape.POD_ACCOUNT}]}
    return OperatorConfig.from_dict({"pod_service_account_name": zalando_shape.POD_ACCOUNT,
                                     "pod_service_account_role_binding_definition": json.dumps(binding),
                                     "enable_secrets_deletion": True, "enable_persistent_volume_claim_deletion": True})


def test_create_and_delete_under_the_zalando_clusterrole(api_client, namespace, crds, zalando_kubeconfig, wait_for):
    create_cr(api_client, load_minimal(namespace))
    api = kube_api(zalando_kubeconfig)
    created = reconcile_cluster(api, read_cr(api_client, namespace), _cfg(), recorder=EventRecorder(api, instance="test"))
    assert created.error is None, created.error
    core, apps = k8s.CoreV1Api(api_client), k8s.AppsV1Api(api_client)
    assert apps.read_namespaced_stateful_set(NAME, namespace)
    assert len(core.list_namespaced_secret(namespace, label_selector="cluster-name=" + NAME).items) == 4
    wait_for(lambda: core.list_namespaced_pod(namespace, label_selector="cluster-name=" + NAME).items, what="pods")

    k8s.CustomObjectsApi(api_client).delete_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", NAME)
    cr = load_minimal(namespace)
    cr["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    api = kube_api(zalando_kubeconfig)
    deleted = reconcile_cluster(api, cr, _cfg(), recorder=EventRecorder(api, instance="test"))
    assert deleted.error is None, deleted.error
    selector = "cluster-name=" + NAME
    assert apps.list_namespaced_stateful_set(namespace).items == []
    assert core.list_namespaced_secret(namespace, label_selector=selector).items == []
    assert core.list_namespaced_service(namespace, label_selector=selector).items == []
    assert k8s.PolicyV1Api(api_client).list_namespaced_pod_disruption_budget(namespace, label_selector=selector).items == []
    wait_for(lambda: not core.list_namespaced_pod(namespace, label_selector=selector).items, what="the pods deleted")
