# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Master Endpoints builder (reference §4.4)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.desired import endpoints
from ansible_collections.pgkube.operator.tests.unit import builders


def make_cluster(**kwargs):
    """The shared cluster, with this file's ``metadata.uid``."""
    return builders.make_cluster(uid="uid-1", **kwargs)


def make_cfg(**overrides):
    """The shared configuration, without the master LoadBalancer unless overridden."""
    return builders.make_cfg(base=builders.NO_MASTER_LOAD_BALANCER, **overrides)


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
