# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Master Endpoints builder (reference §4.4)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.desired import endpoints
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec


def make_cluster(name="acid-test", namespace="default", team="acid", labels=None, annotations=None, **spec):
    body = {"teamId": team, "numberOfInstances": 2, "postgresql": {"version": "17"}, "volume": {"size": "1Gi"}}
    body.update(spec)
    metadata = {"name": name, "namespace": namespace, "uid": "uid-1"}
    if labels:
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    return ClusterSpec.from_manifest({"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": metadata, "spec": body})


def make_cfg(**overrides):
    base = {"enable_master_load_balancer": False}
    base.update(overrides)
    return OperatorConfig.from_dict(base)


def test_endpoints_only_in_endpoints_mode():
    assert endpoints.build_endpoints(make_cluster(), make_cfg(kubernetes_use_configmaps=True)) == []
    assert endpoints.build_master_endpoints(make_cluster(), make_cfg(kubernetes_use_configmaps=True)) is None


def test_master_endpoints_shape():
    cfg = make_cfg(kubernetes_use_configmaps=False, inherited_annotations=["owner"])
    result = endpoints.build_endpoints(make_cluster(annotations={"owner": "me"}), cfg)
    assert result == [{
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": "acid-test",
            "namespace": "default",
            "labels": {"application": "spilo", "cluster-name": "acid-test", "team": "acid", "spilo-role": "master"},
            "annotations": {"owner": "me"},
        },
    }]
    assert "subsets" not in result[0]
