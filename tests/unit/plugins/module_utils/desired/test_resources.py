# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource requirements (reference §4.2; upstream TestGenerateResourceRequirements, TestSidecars, TestHugePages)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired.resources import postgres_resources, sidecar_resources
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_cluster


IGNORE_KEY = "ignore-resources-limits"
SHIPPED = {"default_cpu_request": "100m", "default_memory_request": "100Mi", "default_cpu_limit": "1", "default_memory_limit": "500Mi"}


def resources(requests=None, limits=None):
    return {"requests": requests or {}, "limits": limits or {}}


def cfg_with(**overrides):
    values = dict(SHIPPED)
    values.update(overrides)
    return make_cfg(**values)


def test_code_defaults_give_no_resources():
    assert postgres_resources(make_cluster(), make_cfg()) == ({}, [])


def test_defaults_fill_unset_values():
    result, warnings = postgres_resources(make_cluster(resources=resources({"cpu": "200m"}, {"memory": "1Gi"})), cfg_with())
    assert result == {"requests": {"cpu": "200m", "memory": "100Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    assert warnings == []


@pytest.mark.parametrize("unset", ["", "0"])
def test_empty_and_zero_count_as_unset(unset):
    result, dummy_warnings = postgres_resources(make_cluster(resources=resources({"cpu": unset}, {"cpu": unset})), cfg_with())
    assert result["requests"]["cpu"] == "100m" and result["limits"]["cpu"] == "1"


def test_unset_config_default_leaves_key_out():
    result, dummy_warnings = postgres_resources(make_cluster(resources=resources({"cpu": "10m"})), make_cfg(default_cpu_request="0"))
    assert result == {"requests": {"cpu": "10m"}}


def test_min_limits_raise_with_resource_limits_warning():
    cluster = make_cluster(resources=resources({"cpu": "10m", "memory": "10Mi"}, {"cpu": "100m", "memory": "100Mi"}))
    result, warnings = postgres_resources(cluster, cfg_with(min_cpu_limit="250m", min_memory_limit="250Mi"))
    assert result["limits"] == {"cpu": "250m", "memory": "250Mi"}
    assert [w.reason for w in warnings] == ["ResourceLimits", "ResourceLimits"]
    assert all(isinstance(w, str) for w in warnings)
    assert warnings[0] == 'defined CPU limit 100m for "postgres" container is below required minimum 250m and will be increased'


def test_missing_limit_is_raised_to_the_minimum():
    result, warnings = postgres_resources(make_cluster(), make_cfg(min_memory_limit="250Mi"))
    assert result == {"limits": {"memory": "250Mi"}}
    assert warnings[0].reason == "ResourceLimits"


def test_ignore_annotation_skips_min_and_max():
    cluster = make_cluster(annotations={IGNORE_KEY: "true"}, resources=resources({"cpu": "4"}, {"memory": "100Mi"}))
    result, warnings = postgres_resources(cluster, cfg_with(min_cpu_limit="250m", min_memory_limit="250Mi", max_cpu_request="1",
                                                            ignore_resources_limits_annotation_key=IGNORE_KEY))
    # the default limit (1) below the request is still raised to the request
    assert result["limits"] == {"cpu": "4", "memory": "100Mi"}
    assert result["requests"]["cpu"] == "4"
    assert "ResourceLimits" not in [w.reason for w in warnings]


def test_limit_below_request_is_raised():
    cluster = make_cluster(resources=resources({"memory": "2Gi"}))
    result, warnings = postgres_resources(cluster, cfg_with())
    assert result["limits"]["memory"] == "2Gi"
    assert warnings[0].reason == "Resources"


def test_set_memory_request_to_limit():
    result, dummy_warnings = postgres_resources(make_cluster(), cfg_with(set_memory_request_to_limit=True))
    assert result["requests"]["memory"] == "500Mi"


def test_max_requests_cap():
    cluster = make_cluster(resources=resources({"cpu": "2", "memory": "2Gi"}, {"cpu": "4", "memory": "4Gi"}))
    result, dummy_warnings = postgres_resources(cluster, cfg_with(max_cpu_request="500m", max_memory_request="1Gi"))
    assert result["requests"] == {"cpu": "500m", "memory": "1Gi"}
    assert result["limits"] == {"cpu": "4", "memory": "4Gi"}


def test_max_request_zero_disables():
    result, dummy_warnings = postgres_resources(make_cluster(resources=resources({"cpu": "2"}, {"cpu": "4"})), cfg_with(max_cpu_request="0"))
    assert result["requests"]["cpu"] == "2"


def test_hugepages_from_manifest_only():
    cluster = make_cluster(resources=resources({"hugepages-2Mi": "128Mi"}, {"hugepages-2Mi": "128Mi", "hugepages-1Gi": "1Gi"}))
    result, dummy_warnings = postgres_resources(cluster, cfg_with())
    assert result["requests"] == {"cpu": "100m", "memory": "100Mi", "hugepages-2Mi": "128Mi"}
    assert result["limits"] == {"cpu": "1", "memory": "500Mi", "hugepages-2Mi": "128Mi", "hugepages-1Gi": "1Gi"}


def test_sidecars_get_defaults_but_no_thresholds():
    result, warnings = sidecar_resources(resources({"cpu": "2"}, {"cpu": "100m"}), cfg_with(min_cpu_limit="250m", max_cpu_request="1"),
                                         "sidecar", "spec.sidecars[0].resources")
    assert result == {"requests": {"cpu": "2", "memory": "100Mi"}, "limits": {"cpu": "2", "memory": "500Mi"}}
    assert [w.reason for w in warnings] == ["Resources"]


def test_invalid_default_quantity_is_reported():
    with pytest.raises(ValidationError) as err:
        postgres_resources(make_cluster(), make_cfg(default_cpu_request="lots"))
    assert "default cpu" in str(err.value)
