# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pod ServiceAccount / RoleBinding builder (reference §4.7)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired import pod_service_account
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError
from ansible_collections.pgkube.operator.tests.unit import builders


def make_cluster(**kwargs):
    """The shared cluster, with this file's ``metadata.uid``."""
    return builders.make_cluster(uid="uid-1", **kwargs)


def make_cfg(**overrides):
    """The shared configuration, without the master LoadBalancer unless overridden."""
    return builders.make_cfg(base=builders.NO_MASTER_LOAD_BALANCER, **overrides)


def test_default_service_account_and_role_binding():
    account, binding = pod_service_account.build_pod_service_account_objects(make_cluster(namespace="db"), make_cfg())
    assert account == {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "postgres-pod", "namespace": "db"}}
    assert binding == {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "postgres-pod", "namespace": "db"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "postgres-pod"},
        "subjects": [{"kind": "ServiceAccount", "name": "postgres-pod", "namespace": "db"}],
    }


def test_custom_name_used_everywhere():
    cfg = make_cfg(pod_service_account_name="pg-pods")
    account, binding = pod_service_account.build_pod_service_account_objects("apps", cfg)
    assert account["metadata"] == {"name": "pg-pods", "namespace": "apps"}
    assert binding["metadata"]["name"] == "pg-pods"
    assert binding["roleRef"]["name"] == "pg-pods"
    assert binding["subjects"][0] == {"kind": "ServiceAccount", "name": "pg-pods", "namespace": "apps"}


def test_json_definition_name_replaced_by_config_name():
    definition = json.dumps({"apiVersion": "v1", "kind": "ServiceAccount",
                             "metadata": {"name": "other", "namespace": "x", "labels": {"a": "b"}},
                             "imagePullSecrets": [{"name": "registry"}]})
    warnings = []
    account = pod_service_account.build_pod_service_account(make_cluster(), make_cfg(pod_service_account_definition=definition), warnings)
    assert account["metadata"] == {"name": "postgres-pod", "namespace": "default", "labels": {"a": "b"}}
    assert account["imagePullSecrets"] == [{"name": "registry"}]
    assert warnings


@pytest.mark.skipif(not pod_service_account.HAS_YAML, reason="PyYAML not installed")
def test_yaml_role_binding_definition():
    definition = """
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: pods-binding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: pod-role
subjects:
- kind: ServiceAccount
  name: postgres-pod
"""
    binding = pod_service_account.build_pod_role_binding(make_cluster(namespace="db"),
                                                         make_cfg(pod_service_account_role_binding_definition=definition))
    assert binding["metadata"] == {"name": "pods-binding", "namespace": "db"}
    assert binding["roleRef"]["kind"] == "Role"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "postgres-pod", "namespace": "db"}]


@pytest.mark.parametrize("key, text, fragment", [
    ("pod_service_account_definition", '{"kind": "ConfigMap", "metadata": {}}', "ServiceAccount"),
    ("pod_service_account_definition", "[1, 2]", "one Kubernetes object"),
    ("pod_service_account_role_binding_definition", '{"kind": "RoleBinding", "metadata": {"name": "x"}, "subjects": []}', "subject"),
    ("pod_service_account_role_binding_definition", "{not: json: nor: yaml", ""),
])
def test_bad_definitions_raise_configuration_error(key, text, fragment):
    cfg = make_cfg(**{key: text})
    with pytest.raises(ConfigurationError) as info:
        pod_service_account.build_pod_service_account_objects(make_cluster(), cfg)
    assert info.value.path == key
    assert fragment in str(info.value)


def test_irsa_annotation():
    arn = "arn:aws:iam::123456789012:role/pg"
    account = pod_service_account.build_pod_service_account(make_cluster(), make_cfg(irsa_role_arn=arn))
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": arn}
    definition = json.dumps({"kind": "ServiceAccount", "metadata": {"name": "postgres-pod", "annotations": {"k": "v"}}})
    merged = pod_service_account.build_pod_service_account(make_cluster(), make_cfg(irsa_role_arn=arn, pod_service_account_definition=definition))
    assert merged["metadata"]["annotations"] == {"k": "v", "eks.amazonaws.com/role-arn": arn}
    assert merged["apiVersion"] == "v1"
    assert "annotations" not in pod_service_account.build_pod_service_account(make_cluster(), make_cfg())["metadata"]
