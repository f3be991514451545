"""Semantic comparison helpers."""

import json

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.plan.compare import (
    annotation_changes,
    changed_paths,
    contains,
    env_changes,
    field_equal,
    owner_references_equal,
    source_ranges_equal,
    spilo_configuration_equal,
)


@pytest.mark.parametrize("desired,observed", [
    ("0.5", "500m"), ("1", "1"), ("1000", "1e3"), ("1Gi", "1024Mi"), ("100m", "0.1"), (2, "2"),
])
def test_quantities_under_requests_compare_by_value(desired, observed):
    assert contains({"resources": {"requests": {"cpu": observed}}}, {"resources": {"requests": {"cpu": desired}}})


def test_different_quantities_differ():
    assert not contains({"resources": {"limits": {"memory": "1Gi"}}}, {"resources": {"limits": {"memory": "1G"}}})


def test_quantity_like_strings_elsewhere_compare_as_strings():
    assert not contains({"metadata": {"labels": {"size": "500m"}}}, {"metadata": {"labels": {"size": "0.5"}}})


def test_server_added_fields_are_ignored_and_empty_means_unset():
    observed = {"metadata": {"uid": "u", "resourceVersion": "1"}, "spec": {"ports": [{"port": 5432, "protocol": "TCP"}]}, "status": {}}
    assert contains(observed, {"metadata": {"annotations": {}}, "spec": {"ports": [{"port": 5432}], "selector": None}})
    assert contains({"env": [{"name": "X"}]}, {"env": [{"name": "X", "value": ""}]})


def test_lists_must_have_the_same_length():
    assert changed_paths({"spec": {"ports": [{"port": 1}, {"port": 2}]}}, {"spec": {"ports": [{"port": 1}]}}) == ["spec.ports"]


def test_booleans_are_not_numbers():
    assert not contains({"a": 1}, {"a": True})


def test_field_equal_knows_server_defaults_and_removals():
    assert field_equal(None, 30, default=30)
    assert not field_equal(None, 60, default=30)
    assert not field_equal(None, {"httpGet": {"path": "/"}})


def test_annotation_changes_skip_ignored_and_system_keys():
    cfg = type("Cfg", (), {"ignored_annotations": ["ignored/key"]})()
    observed = {"ignored/key": "1", "kubectl.kubernetes.io/last-applied-configuration": "{}", "gone": "x", "same": "1", "mod": "a"}
    desired = {"same": "1", "mod": "b", "new": "n", "ignored/key": "2"}
    assert annotation_changes(desired, observed, cfg) == (["new"], ["mod"], ["gone"])
    assert annotation_changes(desired, observed, cfg, removals=False) == (["new"], ["mod"], [])


def test_spilo_configuration_compared_without_bootstrap_dcs():
    base = {"postgresql": {"parameters": {"shared_buffers": "1GB"}}, "bootstrap": {"initdb": [{"auth-host": "scram-sha-256"}], "dcs": {"ttl": 30}}}
    dcs_changed = json.loads(json.dumps(base))
    dcs_changed["bootstrap"]["dcs"] = {"ttl": 10, "postgresql": {"parameters": {"max_connections": "50"}}}
    local_changed = json.loads(json.dumps(base))
    local_changed["postgresql"]["parameters"]["shared_buffers"] = "2GB"
    assert spilo_configuration_equal(json.dumps(dcs_changed), json.dumps(base, indent=2, sort_keys=True))
    assert not spilo_configuration_equal(json.dumps(local_changed), json.dumps(base))
    assert not spilo_configuration_equal("not json", json.dumps(base))


def test_env_changes_name_variables_never_values():
    desired = [{"name": "A", "value": "secret-literal"}, {"name": "B", "value": "1"}]
    observed = [{"name": "A", "value": "other-literal"}, {"name": "C", "value": "1"}]
    names = env_changes(desired, observed)
    assert names == ["A", "B", "C"]
    assert env_changes([{"name": "A"}, {"name": "B"}], [{"name": "B"}, {"name": "A"}]) == ["(order)"]
    assert env_changes([{"name": "P", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
                       [{"name": "P", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}]) == []


def test_source_ranges_are_sets():
    assert source_ranges_equal(["b", "a"], ["a", "b"])
    assert source_ranges_equal(None, [])
    assert not source_ranges_equal(["a"], ["a", "b"])


def test_owner_references_compare_as_sets_of_owners():
    ref = {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "name": "c", "uid": "1", "controller": True}
    other = {"apiVersion": "v1", "kind": "ConfigMap", "name": "x", "uid": "2"}
    assert owner_references_equal([ref, other], [other, ref])
    assert not owner_references_equal([ref], [ref, other])
    assert not owner_references_equal([], [ref])
