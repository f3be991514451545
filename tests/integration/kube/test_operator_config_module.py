"""operator_config through ansible-playbook against the real kube-apiserver: load from the
environment as the operator does, validation errors, idempotent writes, check and diff mode,
secrets redacted."""

import os
import sys

import pytest
from kubernetes import client as k8s

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from playbook_runner import run_module  # noqa: E402

pytestmark = pytest.mark.ansible


def test_defaults_when_the_environment_names_nothing(kubeconfig):
    result = run_module("operator_config", {}, kubeconfig, extra_env={"CONFIG_MAP_NAME": "", "POSTGRES_OPERATOR_CONFIGURATION_OBJECT": ""})
    assert not result.failed, result.output
    assert result.result["source"] == {"kind": "defaults"}
    assert result.result["config"]["workers"] == 8
    assert result.result["changed"] is False


def test_configmap_write_is_idempotent_and_read_back_from_env(kubeconfig, api_client, namespace):
    data = {"workers": 4, "enable_owner_references": True, "protected_role_names": ["admin", "ops"],
            "cluster_labels": {"application": "spilo"}, "scalyr_api_key": "very-secret-key"}
    args = {"config_map": "%s/postgres-operator" % namespace, "state": "present", "data": data}

    check = run_module("operator_config", args, kubeconfig, check=True, diff=True)
    assert not check.failed, check.output
    assert check.result["changed"] is True
    with pytest.raises(k8s.ApiException):
        k8s.CoreV1Api(api_client).read_namespaced_config_map("postgres-operator", namespace)

    first = run_module("operator_config", args, kubeconfig, diff=True)
    assert not first.failed, first.output
    assert first.result["changed"] is True
    stored = k8s.CoreV1Api(api_client).read_namespaced_config_map("postgres-operator", namespace).data
    assert stored == {"workers": "4", "enable_owner_references": "true", "protected_role_names": "admin,ops",
                      "cluster_labels": "application:spilo", "scalyr_api_key": "very-secret-key"}
    assert first.result["diff"]["after"]["scalyr_api_key"] == "<redacted>"
    assert "very-secret-key" not in first.output

    second = run_module("operator_config", args, kubeconfig)
    assert not second.failed, second.output
    assert second.result["changed"] is False
    version = k8s.CoreV1Api(api_client).read_namespaced_config_map("postgres-operator", namespace).metadata.resource_version

    changed = run_module("operator_config", dict(args, data=dict(data, workers=6)), kubeconfig, diff=True)
    assert changed.result["changed"] is True
    assert changed.result["diff"]["before"]["workers"] == "4" and changed.result["diff"]["after"]["workers"] == "6"
    assert k8s.CoreV1Api(api_client).read_namespaced_config_map("postgres-operator", namespace).metadata.resource_version != version

    # read back as the operator does: CONFIG_MAP_NAME relative to OPERATOR_NAMESPACE, env overrides applied
    loaded = run_module("operator_config", {}, kubeconfig, extra_env={
        "CONFIG_MAP_NAME": "postgres-operator", "OPERATOR_NAMESPACE": namespace, "WATCHED_NAMESPACE": "team-a",
        "POSTGRES_OPERATOR_CONFIGURATION_OBJECT": ""})
    assert not loaded.failed, loaded.output
    assert loaded.result["source"] == {"kind": "configmap", "namespace": namespace, "name": "postgres-operator"}
    config = loaded.result["config"]
    assert config["workers"] == 6 and config["enable_owner_references"] is True
    assert config["protected_role_names"] == ["admin", "ops"]
    assert config["watched_namespace"] == "team-a"
    assert config["scalyr_api_key"] == "<redacted>"
    assert "very-secret-key" not in loaded.output


def test_invalid_value_fails_with_the_key_and_writes_nothing(kubeconfig, api_client, namespace):
    result = run_module("operator_config", {"config_map": "%s/bad" % namespace, "state": "present", "data": {"workers": "many"}}, kubeconfig)
    assert result.failed
    assert "workers" in result.result["msg"]
    with pytest.raises(k8s.ApiException):
        k8s.CoreV1Api(api_client).read_namespaced_config_map("bad", namespace)


def test_missing_configmap_is_an_error(kubeconfig, namespace):
    result = run_module("operator_config", {"config_map": "%s/nothing-here" % namespace}, kubeconfig)
    assert result.failed and "not found" in result.result["msg"]


def test_operator_configuration_write_is_idempotent(kubeconfig, api_client, namespace, crds):
    args = {"operator_configuration": "%s/pgkube-config" % namespace, "state": "present",
            "configuration": {"workers": 3, "kubernetes": {"enable_owner_references": True}}}
    first = run_module("operator_config", args, kubeconfig)
    assert not first.failed, first.output
    assert first.result["changed"] is True
    assert first.result["config"]["workers"] == 3 and first.result["config"]["enable_owner_references"] is True
    second = run_module("operator_config", args, kubeconfig)
    assert not second.failed, second.output
    assert second.result["changed"] is False

    loaded = run_module("operator_config", {}, kubeconfig, extra_env={
        "POSTGRES_OPERATOR_CONFIGURATION_OBJECT": "pgkube-config", "OPERATOR_NAMESPACE": namespace, "CONFIG_MAP_NAME": "ignored"})
    assert not loaded.failed, loaded.output
    assert loaded.result["source"] == {"kind": "crd", "namespace": namespace, "name": "pgkube-config"}
    assert loaded.result["config"]["workers"] == 3
