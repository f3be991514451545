# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sizes no real cluster has are refused (numberOfInstances: 2147483647 once became a StatefulSet with
2^31-1 replicas): a documented ceiling of 100 instances, raised by the configuration's max_instances."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.cluster_sync import parse_cluster
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import INSTANCE_CEILING, ClusterSpec
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_manifest


def test_the_ceiling_is_100():
    assert INSTANCE_CEILING == 100


@pytest.mark.parametrize("instances", [2147483647, 101, 5000])
def test_absurd_number_of_instances_is_refused(instances):
    with pytest.raises(ValidationError) as err:
        parse_cluster(make_manifest(numberOfInstances=instances), make_cfg())
    assert err.value.path == "spec.numberOfInstances"
    assert "max_instances" in err.value.reason


def test_the_ignore_limits_annotation_does_not_lift_the_ceiling():
    cfg = make_cfg(ignore_instance_limits_annotation_key="ignore-limits")
    with pytest.raises(ValidationError):
        parse_cluster(make_manifest(numberOfInstances=2147483647, annotations={"ignore-limits": "true"}), cfg)


@pytest.mark.parametrize("instances,max_instances", [(100, -1), (0, -1), (400, 500), (100, 3)])
def test_sizes_up_to_the_ceiling_or_max_instances_are_accepted(instances, max_instances):
    cluster = parse_cluster(make_manifest(numberOfInstances=instances), make_cfg(max_instances=max_instances))
    assert cluster.spec["numberOfInstances"] == instances


@pytest.mark.parametrize("instances,max_instances", [(501, 500), (150, 3)])
def test_max_instances_raises_the_ceiling_and_never_lowers_it(instances, max_instances):
    with pytest.raises(ValidationError):
        parse_cluster(make_manifest(numberOfInstances=instances), make_cfg(max_instances=max_instances))


def test_absurd_pooler_size_is_refused():
    with pytest.raises(ValidationError) as err:
        ClusterSpec.from_manifest(make_manifest(connectionPooler={"numberOfInstances": 2147483647}))
    assert err.value.path == "spec.connectionPooler.numberOfInstances"
