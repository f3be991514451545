# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PodDisruptionBudget builder (reference §4.6, upstream TestGeneratePodDisruptionBudget cases)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired import pdb
from ansible_collections.pgkube.operator.tests.unit import builders


def make_cluster(**kwargs):
    """The shared cluster, with this file's ``metadata.uid``."""
    return builders.make_cluster(uid="uid-1", **kwargs)


def make_cfg(**overrides):
    """The shared configuration, without the master LoadBalancer unless overridden."""
    return builders.make_cfg(base=builders.NO_MASTER_LOAD_BALANCER, **overrides)


def test_default_pdbs():
    primary, critical = pdb.build_pdbs(make_cluster(), make_cfg())
    assert primary == {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {
            "name": "postgres-acid-test-pdb",
            "namespace": "default",
            "labels": {"application": "spilo", "cluster-name": "acid-test", "team": "acid"},
        },
        "spec": {
            "minAvailable": 1,
            "selector": {"matchLabels": {"application": "spilo", "cluster-name": "acid-test", "spilo-role": "master"}},
        },
    }
    assert critical == {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {
            "name": "postgres-acid-test-critical-op-pdb",
            "namespace": "default",
            "labels": {"application": "spilo", "cluster-name": "acid-test", "team": "acid"},
        },
        "spec": {
            "maxUnavailable": 0,
            "selector": {"matchLabels": {"application": "spilo", "cluster-name": "acid-test", "critical-operation": "true"}},
        },
    }


def test_zero_instances_relax_both_budgets():
    primary, critical = pdb.build_pdbs(make_cluster(numberOfInstances=0), make_cfg())
    assert primary["spec"]["minAvailable"] == 0
    assert critical["spec"]["maxUnavailable"] == "100%"


def test_disabled_pdbs_relax_both_budgets():
    primary, critical = pdb.build_pdbs(make_cluster(numberOfInstances=3), make_cfg(enable_pod_disruption_budget=False))
    assert primary["spec"]["minAvailable"] == 0
    assert critical["spec"]["maxUnavailable"] == "100%"


def test_instance_count_is_the_raw_manifest_value():
    cfg = make_cfg(max_instances=0)
    assert pdb.build_primary_pdb(make_cluster(numberOfInstances=1), cfg)["spec"]["minAvailable"] == 1


def test_custom_name_format():
    cfg = make_cfg(pdb_name_format="postgres-{cluster}-databass-budget")
    assert pdb.build_primary_pdb(make_cluster(), cfg)["metadata"]["name"] == "postgres-acid-test-databass-budget"
    assert pdb.build_critical_op_pdb(make_cluster(), cfg)["metadata"]["name"] == "postgres-acid-test-critical-op-pdb"


def test_master_label_selector_off():
    primary = pdb.build_primary_pdb(make_cluster(), make_cfg(pdb_master_label_selector=False))
    assert primary["spec"]["selector"]["matchLabels"] == {"application": "spilo", "cluster-name": "acid-test"}
    assert primary["spec"]["minAvailable"] == 1


@pytest.mark.parametrize("patroni, selector_on, expected", [
    ({"synchronous_mode": True, "synchronous_mode_strict": True}, False, 2),
    ({"synchronous_mode": True, "synchronous_mode_strict": True, "synchronous_node_count": 2}, False, 3),
    ({"synchronous_mode": True, "synchronous_mode_strict": True, "synchronous_node_count": 2}, True, 1),
    ({"synchronous_mode": True, "synchronous_node_count": 2}, False, 1),
])
def test_sync_strict_without_master_selector(patroni, selector_on, expected):
    cluster = make_cluster(numberOfInstances=3, patroni=patroni)
    primary = pdb.build_primary_pdb(cluster, make_cfg(pdb_master_label_selector=selector_on))
    assert primary["spec"]["minAvailable"] == expected


def test_sync_strict_still_relaxed_for_zero_instances():
    cluster = make_cluster(numberOfInstances=0, patroni={"synchronous_mode": True, "synchronous_mode_strict": True})
    assert pdb.build_primary_pdb(cluster, make_cfg(pdb_master_label_selector=False))["spec"]["minAvailable"] == 0


def test_labels_and_inherited_annotations():
    cfg = make_cfg(cluster_labels={"application": "db"}, cluster_name_label="pg", inherited_labels=["env"],
                   inherited_annotations=["owner"], pod_role_label="role")
    cluster = make_cluster(labels={"env": "test"}, annotations={"owner": "me", "x": "y"})
    primary, critical = pdb.build_pdbs(cluster, cfg)
    for budget in (primary, critical):
        assert budget["metadata"]["labels"] == {"application": "db", "pg": "acid-test", "team": "acid", "env": "test"}
        assert budget["metadata"]["annotations"] == {"owner": "me"}
    assert primary["spec"]["selector"]["matchLabels"] == {"application": "db", "pg": "acid-test", "role": "master"}
    assert critical["spec"]["selector"]["matchLabels"] == {"application": "db", "pg": "acid-test", "critical-operation": "true"}
