# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instance clamp (reference §5.9; upstream TestGetNumberOfInstances)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired.instances import number_of_instances
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_cluster


IGNORE_KEY = "ignore-instance-limits"


@pytest.mark.parametrize("minimum, maximum, instances, annotation, expected", [
    (-1, -1, 2, None, 2),
    (-1, 5, 10, None, 5),
    (3, -1, 1, None, 3),
    (2, 4, 3, None, 3),
    (2, 4, 0, None, 2),
    (0, 0, 2, None, 0),
    (2, 4, 10, "true", 10),
    (2, 4, 10, "false", 4),
    (2, 4, 1, "True", 2),
])
def test_min_max_instances(minimum, maximum, instances, annotation, expected):
    annotations = {IGNORE_KEY: annotation} if annotation is not None else None
    cluster = make_cluster(numberOfInstances=instances, annotations=annotations)
    cfg = make_cfg(min_instances=minimum, max_instances=maximum, ignore_instance_limits_annotation_key=IGNORE_KEY)
    assert number_of_instances(cluster, cfg) == expected


def test_annotation_needs_a_configured_key():
    cluster = make_cluster(numberOfInstances=10, annotations={IGNORE_KEY: "true"})
    assert number_of_instances(cluster, make_cfg(max_instances=4)) == 4


def test_standby_with_one_instance_is_not_clamped():
    cluster = make_cluster(numberOfInstances=1, standby={"s3_wal_path": "s3://x"})
    assert number_of_instances(cluster, make_cfg(min_instances=3, max_instances=5)) == 1


def test_standby_with_more_instances_is_clamped_and_warned():
    warnings = []
    cluster = make_cluster(numberOfInstances=6, standby={"s3_wal_path": "s3://x"})
    assert number_of_instances(cluster, make_cfg(min_instances=2, max_instances=5), warnings) == 5
    assert [w.reason for w in warnings] == ["Instances", "Instances"]
    assert "adjusted number of instances from 6 to 5" in warnings[1]


def test_standby_by_env_prefix():
    cluster = make_cluster(numberOfInstances=1, env=[{"name": "STANDBY_WALE_S3_PREFIX", "value": "s3://x"}])
    assert number_of_instances(cluster, make_cfg(min_instances=2)) == 1
