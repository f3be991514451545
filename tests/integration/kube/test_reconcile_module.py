"""postgres_cluster with reconcile: true through ansible-playbook: check mode writes nothing,
a missing resource is an error, state=absent deletes and removes the finalizer, the configuration
comes from the environment as the operator loads it."""

import os
import sys

import pytest
from kubernetes import client as k8s

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from playbook_runner import run_module  # noqa: E402
from reconcile_helpers import NAME, create_cr, events_for, load_minimal, read_cr  # noqa: E402

from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import FINALIZER  # noqa: E402

pytestmark = pytest.mark.ansible


def test_check_mode_reconcile_writes_nothing(kubeconfig, api_client, namespace, crds):
    create_cr(api_client, load_minimal(namespace))
    version = read_cr(api_client, namespace)["metadata"]["resourceVersion"]
    result = run_module("postgres_cluster", {"name": NAME, "namespace": namespace, "reconcile": True,
                                             "operator_config": {"enable_finalizers": True}}, kubeconfig, check=True)
    assert not result.failed, result.output
    assert result.result["changed"] is True and result.result["phase"] == "Create"
    assert read_cr(api_client, namespace)["metadata"]["resourceVersion"] == version
    assert k8s.AppsV1Api(api_client).list_namespaced_stateful_set(namespace).items == []
    assert events_for(api_client, namespace) == []


def test_missing_resource_is_an_error(kubeconfig, namespace, crds):
    result = run_module("postgres_cluster", {"name": "nope", "namespace": namespace, "reconcile": True}, kubeconfig)
    assert result.failed and "not found" in result.result["msg"]


def test_config_from_env_and_state_absent(kubeconfig, api_client, namespace, crds):
    core = k8s.CoreV1Api(api_client)
    core.create_namespaced_config_map(namespace, k8s.V1ConfigMap(
        metadata=k8s.V1ObjectMeta(name="postgres-operator"),
        # Secrets go with the volumes (docs/compatibility.md, Deletion): both switches on to see them deleted
        data={"enable_finalizers": "true", "enable_secrets_deletion": "true", "enable_persistent_volume_claim_deletion": "true",
              "cluster_labels": "application:spilo,origin:env"}))
    env = {"CONFIG_MAP_NAME": "postgres-operator", "OPERATOR_NAMESPACE": namespace, "POSTGRES_OPERATOR_CONFIGURATION_OBJECT": ""}
    create_cr(api_client, load_minimal(namespace))
    args = {"name": NAME, "namespace": namespace, "reconcile": True, "operator_config_from_env": True}
    first = run_module("postgres_cluster", args, kubeconfig, extra_env=env)
    assert not first.failed, first.output
    assert first.result["status"] == "Creating"     # objects in sync; no kubelet on this tier, no pod ready
    sts = k8s.AppsV1Api(api_client).read_namespaced_stateful_set(NAME, namespace)
    assert sts.metadata.labels["origin"] == "env"           # the ConfigMap named by the environment was used
    assert FINALIZER in read_cr(api_client, namespace)["metadata"]["finalizers"]
    assert [e["reason"] for e in first.result["events"]][0] == "Create"

    second = run_module("postgres_cluster", args, kubeconfig, extra_env=env)
    assert not second.failed and second.result["changed"] is False and second.result["api_requests"]["write"] == 0

    gone = run_module("postgres_cluster", dict(args, state="absent"), kubeconfig, extra_env=env)
    assert not gone.failed, gone.output
    assert gone.result["phase"] == "Delete"
    assert k8s.AppsV1Api(api_client).list_namespaced_stateful_set(namespace).items == []
    assert core.list_namespaced_secret(namespace, label_selector="cluster-name=" + NAME).items == []
    assert FINALIZER not in (read_cr(api_client, namespace)["metadata"].get("finalizers") or [])
