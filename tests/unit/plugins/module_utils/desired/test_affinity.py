# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node affinity, pod anti-affinity and tolerations (reference §4.2; upstream TestNodeAffinity, TestPodAffinity, TestTolerations)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired.affinity import build_affinity, build_tolerations, node_affinity
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_cluster


READY = {"key": "node-ready", "operator": "In", "values": ["true"]}
MANIFEST = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]},
    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]},
]}}
LABELS = {"application": "spilo", "cluster-name": "acid-test", "team": "acid"}


def required_terms(affinity):
    return affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]


def test_no_affinity_by_default():
    assert build_affinity(make_cluster(), make_cfg(), LABELS) is None


def test_readiness_label_only():
    affinity = build_affinity(make_cluster(), make_cfg(node_readiness_label={"node-ready": "true"}), LABELS)
    assert affinity == {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [READY]}]}}}


def test_readiness_labels_are_sorted():
    term = node_affinity({"b": "2", "a": "1"}, None)["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
    assert [e["key"] for e in term["matchExpressions"]] == ["a", "b"]


def test_manifest_only():
    affinity = build_affinity(make_cluster(nodeAffinity=MANIFEST), make_cfg(), LABELS)
    assert affinity == {"nodeAffinity": MANIFEST}


def test_merge_or_adds_a_term():
    cfg = make_cfg(node_readiness_label={"node-ready": "true"}, node_readiness_label_merge="OR")
    terms = required_terms(build_affinity(make_cluster(nodeAffinity=MANIFEST), cfg, LABELS))
    assert terms == MANIFEST["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] + [{"matchExpressions": [READY]}]


def test_merge_and_extends_every_term():
    cfg = make_cfg(node_readiness_label={"node-ready": "true"}, node_readiness_label_merge="AND")
    terms = required_terms(build_affinity(make_cluster(nodeAffinity=MANIFEST), cfg, LABELS))
    assert terms == [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}, READY]},
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}, READY]},
    ]


def test_manifest_preferred_only_gets_readiness_as_required():
    preferred = {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {"matchExpressions": [READY]}}]}
    result = node_affinity({"node-ready": "true"}, preferred)["nodeAffinity"]
    assert result["preferredDuringSchedulingIgnoredDuringExecution"] == preferred["preferredDuringSchedulingIgnoredDuringExecution"]
    assert result["requiredDuringSchedulingIgnoredDuringExecution"] == {"nodeSelectorTerms": [{"matchExpressions": [READY]}]}


@pytest.mark.parametrize("preferred", [False, True])
def test_pod_anti_affinity(preferred):
    cfg = make_cfg(enable_pod_antiaffinity=True, pod_antiaffinity_preferred_during_scheduling=preferred,
                   pod_antiaffinity_topology_key="topology.kubernetes.io/zone", node_readiness_label={"node-ready": "true"})
    affinity = build_affinity(make_cluster(), cfg, LABELS)
    term = {"labelSelector": {"matchLabels": LABELS}, "topologyKey": "topology.kubernetes.io/zone"}
    if preferred:
        assert affinity["podAntiAffinity"] == {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "podAffinityTerm": term}]}
    else:
        assert affinity["podAntiAffinity"] == {"requiredDuringSchedulingIgnoredDuringExecution": [term]}
    assert affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] == [{"matchExpressions": [READY]}]


def test_pod_anti_affinity_without_node_affinity():
    affinity = build_affinity(make_cluster(), make_cfg(enable_pod_antiaffinity=True), LABELS)
    assert list(affinity) == ["podAntiAffinity"]
    assert affinity["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]["topologyKey"] == "kubernetes.io/hostname"


def test_tolerations():
    toleration = {"key": "postgres", "operator": "Exists", "value": "", "effect": "NoSchedule"}
    assert build_tolerations(make_cluster(), make_cfg()) == []
    assert build_tolerations(make_cluster(), make_cfg(toleration=toleration)) == [{"key": "postgres", "operator": "Exists", "effect": "NoSchedule"}]
    manifest = [{"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoExecute"}]
    assert build_tolerations(make_cluster(tolerations=manifest), make_cfg(toleration=toleration)) == manifest
